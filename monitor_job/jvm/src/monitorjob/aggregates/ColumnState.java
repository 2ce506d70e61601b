package monitorjob.aggregates;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllDoublesSketchIterator;
import org.apache.datasketches.kll.KllSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * What the job learns about one column's values in the scan: Deequ's data-type histogram
 * ({@link DeequTypes}), exact value counts up to {@code cap} distinct values (categorical
 * buckets, exact distinct count) and past the cap a distinct-count estimate (Apache
 * DataSketches HLL), and a KLL sketch (Apache DataSketches {@code KllDoublesSketch}) of the
 * numbers among the values (parsed by Spark by Deequ's rule, the numbers Deequ's numeric
 * analyzers see).
 */
final class ColumnState {
  static final int HLL_LG_K = 12;
  /** DataSketches' KLL compacts each level to 2/3 of the one above. */
  static final double SHRINKING_FACTOR = 2.0 / 3.0;
  /** Seed for the KLL compaction coin flips (see {@link #compactionRandom}). */
  static final long SEED = 20261123L;

  private static final Random COIN = compactionRandom();

  final long[] types = new long[DeequTypes.NAMES.length];
  HashMap<UTF8String, long[]> counts = new HashMap<>();
  HllSketch hll;
  KllDoublesSketch kll;

  private ColumnState(KllDoublesSketch kll) {
    this.kll = kll;
  }

  static ColumnState empty(int k) {
    return new ColumnState(KllDoublesSketch.newHeapInstance(k));
  }

  /**
   * DataSketches 3.3 draws every KLL compaction offset from one static {@code Random}
   * ({@code KllSketch.random}, package-private) and offers no way to seed it. Seeding it
   * when a task's buffer is created makes a single-task sketch reproducible (a rerun over
   * one partition writes byte-identical files). Across concurrent partitions the flips
   * interleave and a sketch may differ within its rank error.
   */
  private static Random compactionRandom() {
    try {
      java.lang.reflect.Field field = KllSketch.class.getDeclaredField("random");
      field.setAccessible(true);
      return (Random) field.get(null);
    } catch (ReflectiveOperationException | RuntimeException err) {
      return null; // another DataSketches layout: sketches stay valid, not reproducible
    }
  }

  static void seedCompaction() {
    if (COIN != null) {
      COIN.setSeed(SEED);
    }
  }

  /**
   * One value and the number Spark parsed from it by the same rule ({@code hasNumber}).
   * Works on the value's bytes: the row's buffer is reused, so a value is copied only when
   * it becomes a new key of the counts.
   */
  void add(UTF8String value, boolean hasNumber, double number, int cap) {
    if (value == null) {
      types[DeequTypes.UNKNOWN]++;
      return;
    }
    types[DeequTypes.classify(value.getBytes())]++;
    if (hasNumber && !Double.isNaN(number)) {
      kll.update(number);
    }
    if (counts != null) {
      long[] seen = counts.get(value);
      if (seen != null) {
        seen[0]++;
        return;
      }
      counts.put(value.clone(), new long[] {1L});
      if (counts.size() > cap) {
        overflow();
      }
    } else {
      // A 32-bit hash of the bytes per value is plenty for an estimate.
      hll.update(value.hashCode());
    }
  }

  private void overflow() {
    hll = new HllSketch(HLL_LG_K);
    for (UTF8String value : counts.keySet()) {
      hll.update(value.hashCode());
    }
    counts = null;
  }

  void merge(ColumnState other, int cap) {
    for (int i = 0; i < types.length; i++) {
      types[i] += other.types[i];
    }
    kll.merge(other.kll);
    if (counts != null && other.counts != null) {
      other.counts.forEach(
          (value, n) -> counts.computeIfAbsent(value, v -> new long[1])[0] += n[0]);
      if (counts.size() > cap) {
        overflow();
      }
      return;
    }
    if (counts != null) {
      overflow();
    }
    if (other.counts != null) {
      other.overflow();
    }
    Union union = new Union(HLL_LG_K);
    union.update(hll);
    union.update(other.hll);
    hll = union.getResult();
  }

  Map<String, Object> result() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Long> named = new LinkedHashMap<>();
    for (int i = 0; i < types.length; i++) {
      named.put(DeequTypes.NAMES[i], types[i]);
    }
    out.put("types", named);
    out.put("overflow", counts == null);
    if (counts != null) {
      Map<String, Long> byValue = new LinkedHashMap<>();
      counts.forEach((value, n) -> byValue.put(value.toString(), n[0]));
      out.put("distinct", counts.size());
      out.put("counts", byValue);
    } else {
      out.put("distinct", hll.getEstimate());
    }
    out.put("kll", kllResult());
    return out;
  }

  /** {@code {"n", "k", "c", "min", "max", "levels": [[weight-1 items], [weight-2], ...]}}. */
  private Map<String, Object> kllResult() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("n", kll.getN());
    out.put("k", kll.getK());
    out.put("c", SHRINKING_FACTOR);
    List<List<Double>> levels = new ArrayList<>();
    out.put("levels", levels);
    if (kll.isEmpty()) {
      return out;
    }
    out.put("min", kll.getMinValue());
    out.put("max", kll.getMaxValue());
    // Items of level i weigh 2^i: group the retained items by weight, lowest level first.
    TreeMap<Long, List<Double>> byWeight = new TreeMap<>();
    KllDoublesSketchIterator it = kll.iterator();
    while (it.next()) {
      byWeight.computeIfAbsent(it.getWeight(), w -> new ArrayList<>()).add(it.getValue());
    }
    for (long weight = 1; weight <= byWeight.lastKey(); weight <<= 1) {
      List<Double> level = byWeight.getOrDefault(weight, new ArrayList<>());
      level.sort(null);
      levels.add(level);
    }
    return out;
  }

  void write(DataOutputStream out) throws IOException {
    for (long n : types) {
      out.writeLong(n);
    }
    out.writeBoolean(counts != null);
    if (counts != null) {
      out.writeInt(counts.size());
      for (Map.Entry<UTF8String, long[]> entry : counts.entrySet()) {
        writeBytes(out, entry.getKey().getBytes());
        out.writeLong(entry.getValue()[0]);
      }
    } else {
      writeBytes(out, hll.toCompactByteArray());
    }
    writeBytes(out, kll.toByteArray());
  }

  static ColumnState read(DataInputStream in) throws IOException {
    long[] types = new long[DeequTypes.NAMES.length];
    for (int i = 0; i < types.length; i++) {
      types[i] = in.readLong();
    }
    HashMap<UTF8String, long[]> counts = null;
    HllSketch hll = null;
    if (in.readBoolean()) {
      int size = in.readInt();
      counts = new HashMap<>(size * 2);
      for (int i = 0; i < size; i++) {
        counts.put(UTF8String.fromBytes(readBytes(in)), new long[] {in.readLong()});
      }
    } else {
      hll = HllSketch.heapify(readBytes(in));
    }
    ColumnState state = new ColumnState(KllDoublesSketch.heapify(Memory.wrap(readBytes(in))));
    System.arraycopy(types, 0, state.types, 0, types.length);
    state.counts = counts;
    state.hll = hll;
    return state;
  }

  static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    return bytes;
  }
}
