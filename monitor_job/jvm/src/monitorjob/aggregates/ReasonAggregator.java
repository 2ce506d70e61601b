package monitorjob.aggregates;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * Records that were not decoded, counted by reason, with the first few failed ones kept as
 * samples: the failure accounting of a run, as one aggregate of the same scan as the
 * statistics. Input: (reason, raw record); rows whose reason is null were decoded.
 * Result JSON: {@code {"counts": {reason: n}, "samples": [[reason, raw], ...]}}.
 */
public final class ReasonAggregator extends JsonAggregate<ReasonAggregator.Buffer> {
  private static final long serialVersionUID = 1L;
  /** Distinct reasons kept by name (a handler's messages may differ per record). */
  static final int MAX_REASONS = 1000;
  static final String OTHER = "other reasons";
  static final int RAW_CHARS = 500;

  private final int samples;
  private final HashSet<String> notFailures;

  ReasonAggregator(
      Expression[] inputs, int samples, HashSet<String> skipped, int mutableOffset, int inputOffset) {
    super(inputs, mutableOffset, inputOffset);
    this.samples = samples;
    this.notFailures = skipped;
  }

  /**
   * Counts by {@code reason} (null: decoded) and the first {@code samples} failed records.
   *
   * @param skipped reasons that mean "skipped": counted, never sampled as failures
   */
  public static Column of(Column reason, Column raw, int samples, String[] skipped) {
    return new ReasonAggregator(
            exprs(reason, raw), samples, new HashSet<>(Arrays.asList(skipped)), 0, 0)
        .column();
  }

  @Override
  JsonAggregate<Buffer> copyWith(Expression[] inputs, int mutableOffset, int inputOffset) {
    return new ReasonAggregator(inputs, samples, notFailures, mutableOffset, inputOffset);
  }

  static final class Buffer {
    LinkedHashMap<String, Long> counts = new LinkedHashMap<>();
    ArrayList<String[]> samples = new ArrayList<>();
  }

  @Override
  public Buffer createAggregationBuffer() {
    return new Buffer();
  }

  private void count(Buffer buffer, String reason, long n) {
    String key =
        buffer.counts.containsKey(reason) || buffer.counts.size() < MAX_REASONS ? reason : OTHER;
    buffer.counts.merge(key, n, Long::sum);
  }

  @Override
  void add(Buffer buffer, InternalRow row) {
    Object value = inputs[0].eval(row);
    if (value == null) {
      return;
    }
    String reason = value.toString();
    count(buffer, reason, 1L);
    if (buffer.samples.size() < samples && !notFailures.contains(reason)) {
      Object line = inputs[1].eval(row);
      String raw = line == null ? "" : line.toString();
      buffer.samples.add(
          new String[] {reason, raw.length() > RAW_CHARS ? raw.substring(0, RAW_CHARS) : raw});
    }
  }

  @Override
  public Buffer merge(Buffer left, Buffer right) {
    right.counts.forEach((reason, n) -> count(left, reason, n));
    for (String[] sample : right.samples) {
      if (left.samples.size() >= samples) {
        break;
      }
      left.samples.add(sample);
    }
    return left;
  }

  @Override
  String result(Buffer buffer) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("counts", buffer.counts);
    List<List<String>> picked = new ArrayList<>();
    for (String[] sample : buffer.samples) {
      picked.add(Arrays.asList(sample));
    }
    out.put("samples", picked);
    return Json.write(out);
  }

  @Override
  public byte[] serialize(Buffer buffer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(buffer.counts);
      out.writeObject(buffer.samples);
    } catch (IOException err) {
      throw new IllegalStateException("cannot serialise reason counts", err);
    }
    return bytes.toByteArray();
  }

  @Override
  @SuppressWarnings("unchecked")
  public Buffer deserialize(byte[] data) {
    Buffer buffer = new Buffer();
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
      buffer.counts = (LinkedHashMap<String, Long>) in.readObject();
      buffer.samples = (ArrayList<String[]>) in.readObject();
    } catch (IOException | ClassNotFoundException err) {
      throw new IllegalStateException("cannot read reason counts", err);
    }
    return buffer;
  }

}
