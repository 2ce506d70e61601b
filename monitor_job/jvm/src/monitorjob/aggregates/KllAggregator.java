package monitorjob.aggregates;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllDoublesSketchIterator;
import org.apache.datasketches.kll.KllSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * A KLL quantile sketch of a double column, as one aggregate of a fused scan.
 *
 * <p>Apache DataSketches' {@code KllDoublesSketch} (primitive doubles, no boxing) replaces
 * Deequ's {@code QuantileNonSample}, whose boxed updates cost ~2 us a value. The result is
 * JSON: {@code {"n", "min", "max", "k", "c", "levels": [[weight-1 items], [weight-2 items], ...]}};
 * the job turns it into SageMaker's KLL shape (buckets by Deequ's rule, sketch data by level).
 */
public final class KllAggregator extends JsonAggregate<KllAggregator.Buffer> {
  private static final long serialVersionUID = 1L;
  /** DataSketches' KLL compacts each level to 2/3 of the one above. */
  public static final double SHRINKING_FACTOR = 2.0 / 3.0;

  private final int k;

  KllAggregator(Expression[] inputs, int k, int mutableOffset, int inputOffset) {
    super(inputs, mutableOffset, inputOffset);
    this.k = k;
  }

  /** The KLL sketch of a double column, with DataSketches' parameter {@code k}. */
  public static Column of(Column value, int k) {
    return new KllAggregator(exprs(value), k, 0, 0).column();
  }

  @Override
  JsonAggregate<Buffer> copyWith(Expression[] inputs, int mutableOffset, int inputOffset) {
    return new KllAggregator(inputs, k, mutableOffset, inputOffset);
  }

  /** The sketch, serialised through DataSketches' own compact format between stages. */
  static final class Buffer {
    final KllDoublesSketch sketch;

    Buffer(KllDoublesSketch sketch) {
      this.sketch = sketch;
    }
  }

  /** Seed for the compaction coin flips: the same rows give the same sketch. */
  static final long SEED = 20261123L;

  private static final Random COIN = compactionRandom();

  /**
   * DataSketches 3.3 draws every KLL compaction offset from one static {@code Random}
   * ({@code KllSketch.random}, package-private) and offers no way to seed it. Seeding it
   * when a task's sketches are created makes a partition's sketch reproducible, so a rerun
   * over the same single-partition input writes byte-identical files, as Deequ's sketch
   * did. Across concurrent partitions the flips interleave and the sketch may differ
   * within its error bound, as Deequ's did when partials merged in another order.
   */
  private static Random compactionRandom() {
    try {
      Field field = KllSketch.class.getDeclaredField("random");
      field.setAccessible(true);
      return (Random) field.get(null);
    } catch (ReflectiveOperationException | RuntimeException err) {
      return null; // another DataSketches layout: sketches stay valid, just not reproducible
    }
  }

  @Override
  public Buffer createAggregationBuffer() {
    if (COIN != null) {
      COIN.setSeed(SEED);
    }
    return new Buffer(KllDoublesSketch.newHeapInstance(k));
  }

  @Override
  void add(Buffer buffer, InternalRow row) {
    Object value = inputs[0].eval(row);
    if (value != null && !Double.isNaN((Double) value)) {
      buffer.sketch.update((Double) value);
    }
  }

  @Override
  public byte[] serialize(Buffer buffer) {
    return buffer.sketch.toByteArray();
  }

  @Override
  public Buffer deserialize(byte[] bytes) {
    return new Buffer(KllDoublesSketch.heapify(Memory.wrap(bytes)));
  }

  @Override
  public Buffer merge(Buffer left, Buffer right) {
    left.sketch.merge(right.sketch);
    return left;
  }

  @Override
  String result(Buffer buffer) {
    KllDoublesSketch sketch = buffer.sketch;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("n", sketch.getN());
    out.put("k", sketch.getK());
    out.put("c", SHRINKING_FACTOR);
    if (sketch.isEmpty()) {
      out.put("levels", new ArrayList<>());
      return Json.write(out);
    }
    out.put("min", sketch.getMinValue());
    out.put("max", sketch.getMaxValue());
    // Items of level i weigh 2^i: group the retained items by weight, lowest level first.
    TreeMap<Long, List<Double>> byWeight = new TreeMap<>();
    KllDoublesSketchIterator it = sketch.iterator();
    while (it.next()) {
      byWeight.computeIfAbsent(it.getWeight(), w -> new ArrayList<>()).add(it.getValue());
    }
    List<List<Double>> levels = new ArrayList<>();
    long weight = 1;
    long top = byWeight.lastKey();
    while (weight <= top) {
      List<Double> level = byWeight.getOrDefault(weight, new ArrayList<>());
      level.sort(null);
      levels.add(level);
      weight <<= 1;
    }
    out.put("levels", levels);
    return Json.write(out);
  }
}
