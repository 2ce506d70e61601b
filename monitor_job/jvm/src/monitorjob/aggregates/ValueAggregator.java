package monitorjob.aggregates;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * What the job needs to know about a string column's values, in one aggregate: Deequ's
 * data-type histogram ({@link DeequTypes}), exact value counts up to {@code cap} distinct
 * values (categorical buckets, exact distinct count), and past the cap a distinct-count
 * estimate from an Apache DataSketches HLL sketch fed every value.
 *
 * <p>Result JSON: {@code {"types": {type: n}, "overflow": bool, "distinct": n, "counts":
 * {value: n}}} ({@code counts} only without overflow).
 */
public final class ValueAggregator extends JsonAggregate<ValueAggregator.Buffer> {
  private static final long serialVersionUID = 1L;
  static final int HLL_LG_K = 12;

  private final int cap;

  ValueAggregator(Expression[] inputs, int cap, int mutableOffset, int inputOffset) {
    super(inputs, mutableOffset, inputOffset);
    this.cap = cap;
  }

  /** Types, capped counts and distinct count of a string column. */
  public static Column of(Column value, int cap) {
    return new ValueAggregator(exprs(value), cap, 0, 0).column();
  }

  @Override
  JsonAggregate<Buffer> copyWith(Expression[] inputs, int mutableOffset, int inputOffset) {
    return new ValueAggregator(inputs, cap, mutableOffset, inputOffset);
  }

  static final class Buffer {
    long[] types = new long[DeequTypes.NAMES.length];
    HashMap<String, Long> counts = new HashMap<>();
    HllSketch hll;

    void overflow() {
      hll = new HllSketch(HLL_LG_K);
      for (String value : counts.keySet()) {
        hll.update(value.hashCode());
      }
      counts = null;
    }
  }

  @Override
  public Buffer createAggregationBuffer() {
    return new Buffer();
  }

  @Override
  void add(Buffer buffer, InternalRow row) {
    Object raw = inputs[0].eval(row);
    if (raw == null) {
      buffer.types[DeequTypes.UNKNOWN]++;
      return;
    }
    String value = raw.toString();
    buffer.types[DeequTypes.classify(value)]++;
    if (buffer.counts != null) {
      buffer.counts.merge(value, 1L, Long::sum);
      if (buffer.counts.size() > cap) {
        buffer.overflow();
      }
    } else {
      // The String's own (cached) hash: a 32-bit key per value is plenty for an estimate
      // and saves re-encoding every value of a high-cardinality column.
      buffer.hll.update(value.hashCode());
    }
  }

  @Override
  public Buffer merge(Buffer left, Buffer right) {
    for (int i = 0; i < left.types.length; i++) {
      left.types[i] += right.types[i];
    }
    if (left.counts != null && right.counts != null) {
      right.counts.forEach((value, n) -> left.counts.merge(value, n, Long::sum));
      if (left.counts.size() > cap) {
        left.overflow();
      }
      return left;
    }
    if (left.counts != null) {
      left.overflow();
    }
    if (right.counts != null) {
      right.overflow();
    }
    Union union = new Union(HLL_LG_K);
    union.update(left.hll);
    union.update(right.hll);
    left.hll = union.getResult();
    return left;
  }

  @Override
  String result(Buffer buffer) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Long> types = new LinkedHashMap<>();
    for (int i = 0; i < buffer.types.length; i++) {
      types.put(DeequTypes.NAMES[i], buffer.types[i]);
    }
    out.put("types", types);
    out.put("overflow", buffer.counts == null);
    if (buffer.counts != null) {
      out.put("distinct", buffer.counts.size());
      out.put("counts", buffer.counts);
    } else {
      out.put("distinct", buffer.hll.getEstimate());
    }
    return Json.write(out);
  }

  @Override
  public byte[] serialize(Buffer buffer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(buffer.types);
      out.writeObject(buffer.counts);
      out.writeObject(buffer.hll == null ? null : buffer.hll.toCompactByteArray());
    } catch (IOException err) {
      throw new IllegalStateException("cannot serialise value counts", err);
    }
    return bytes.toByteArray();
  }

  @Override
  @SuppressWarnings("unchecked")
  public Buffer deserialize(byte[] data) {
    Buffer buffer = new Buffer();
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
      buffer.types = (long[]) in.readObject();
      buffer.counts = (HashMap<String, Long>) in.readObject();
      byte[] hll = (byte[]) in.readObject();
      buffer.hll = hll == null ? null : HllSketch.heapify(hll);
    } catch (IOException | ClassNotFoundException err) {
      throw new IllegalStateException("cannot read value counts", err);
    }
    return buffer;
  }
}
