package monitorjob.aggregates;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;

import com.amazon.deequ.analyzers.State;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * What the job learns about one column's values in the scan, as a Deequ {@code State} (it
 * merges: the state of two datasets is the sum of theirs): Deequ's data-type histogram
 * ({@link DeequTypes}); the numbers among the values (parsed by Deequ's rule) as count,
 * sum, mean and m2 (Deequ's {@code StandardDeviationState}), min and max, and a KLL sketch
 * ({@link Quantiles}, Deequ's algorithm); exact value counts up to {@code cap} distinct
 * values and past the cap a distinct-count estimate (Apache DataSketches HLL); and, when
 * the run gives one, the count of values inside a domain.
 */
public final class ColumnState implements State<ColumnState> {
  static final int HLL_LG_K = 12;
  static final long HASH_SEED = 42L;

  final long[] types = new long[DeequTypes.NAMES.length];
  long numbers;
  double sum;
  double mean;
  double m2;
  double min = Double.POSITIVE_INFINITY;
  double max = Double.NEGATIVE_INFINITY;
  long inDomain;
  final int cap;
  HashMap<UTF8String, long[]> counts = new HashMap<>();
  HllSketch hll;
  /** The hash {@link #hll} is fed ({@link ProfileState#hash}, the state's). */
  int hash = ProfileState.HASH_XXH64;
  Quantiles kll;

  private ColumnState(Quantiles kll, int cap) {
    this.kll = kll;
    this.cap = cap;
  }

  static ColumnState empty(int k, int cap) {
    return new ColumnState(new Quantiles(k, Quantiles.SHRINKING_FACTOR), cap);
  }

  /**
   * One value. Works on the value's bytes in place: the row's buffer is reused, so a value
   * is copied only when it becomes a new key of the counts.
   */
  void add(UTF8String value, HashSet<UTF8String> domain) {
    if (value == null) {
      types[DeequTypes.UNKNOWN]++;
      return;
    }
    int type = DeequTypes.classify(value);
    types[type]++;
    if (type == DeequTypes.INTEGRAL || type == DeequTypes.FRACTIONAL) {
      addNumber(DeequTypes.number(value));
    }
    if (domain != null && domain.contains(value)) {
      inDomain++;
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
      hll.update(hash64(value));
    }
  }

  private void addNumber(double x) {
    numbers++;
    sum += x;
    double delta = x - mean;
    mean += delta / numbers;
    m2 += delta * (x - mean);
    min = Math.min(min, x);
    max = Math.max(max, x);
    kll.update(x);
  }

  /** Values that are present (not null). */
  long present() {
    long n = 0;
    for (int i = 0; i < types.length; i++) {
      n += i == DeequTypes.UNKNOWN ? 0 : types[i];
    }
    return n;
  }

  private void overflow() {
    hll = sketchOf(counts, hash);
    counts = null;
  }

  /**
   * What the distinct-count sketch is fed for a value: a 64-bit hash of its bytes (XXH64,
   * Spark's). A 32-bit hash would collide so often that counts run about 11% low at 10^9
   * distinct values, and could never pass 2^32.
   */
  static long hash64(UTF8String value) {
    return XXH64.hashUnsafeBytes(
        value.getBaseObject(), value.getBaseOffset(), value.numBytes(), HASH_SEED);
  }

  /** Feeds {@code value} to {@code sketch} through {@code hash} (a state's hash). */
  static void feed(HllSketch sketch, UTF8String value, int hash) {
    if (hash == ProfileState.HASH_UTF8_32) { // an earlier state's own hash, kept for it
      sketch.update(value.hashCode());
    } else {
      sketch.update(hash64(value));
    }
  }

  private static HllSketch sketchOf(HashMap<UTF8String, long[]> counts, int hash) {
    HllSketch sketch = new HllSketch(HLL_LG_K);
    for (UTF8String value : counts.keySet()) {
      feed(sketch, value, hash);
    }
    return sketch;
  }

  /** The state of both datasets: a new state, neither input changed (Deequ's contract). */
  @Override
  public ColumnState sum(ColumnState other) {
    ColumnState out = copy();
    out.merge(other);
    return out;
  }

  ColumnState copy() {
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        write(out);
      }
      ColumnState out =
          read(new DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
      out.hash = hash;
      return out;
    } catch (IOException err) {
      throw new IllegalStateException("cannot copy a column state", err);
    }
  }

  /** Adds {@code other} into this state (Deequ's {@code StandardDeviationState.sum} for
   * the moments, Deequ's sketch merge for the KLL). */
  void merge(ColumnState other) {
    for (int i = 0; i < types.length; i++) {
      types[i] += other.types[i];
    }
    if (numbers == 0) { // an empty side leaves the other's moments exactly as they are
      mean = other.mean;
      m2 = other.m2;
      sum = other.sum;
      numbers = other.numbers;
    } else if (other.numbers > 0) {
      long n = numbers + other.numbers;
      double delta = other.mean - mean;
      double deltaN = delta / n;
      m2 = m2 + other.m2 + delta * deltaN * numbers * other.numbers;
      mean = mean + deltaN * other.numbers;
      numbers = n;
      sum += other.sum;
    }
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    inDomain += other.inDomain;
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
    Union union = new Union(HLL_LG_K);
    union.update(hll);
    union.update(other.counts != null ? sketchOf(other.counts, hash) : other.hll);
    hll = union.getResult();
  }

  /**
   * A column's state rebuilt from what a statistics.json says of it (a run that left no
   * state file, such as SageMaker's own container): {@code types} (Deequ type class to
   * count), the moments ({@code numbers, sum, mean, m2, min, max}), {@code counts} (every
   * value's count, or null when the file has only some) with {@code known} (the values
   * the file names, for the distinct-count sketch when the counts are not all there), and
   * {@code kll} ({@code c, k, levels}, or null).
   */
  static ColumnState fromJson(JsonNode node, int k, int cap) {
    JsonNode kll = node.get("kll");
    Quantiles sketch = new Quantiles(k, Quantiles.SHRINKING_FACTOR);
    if (kll != null && !kll.isNull()) {
      JsonNode levels = kll.get("levels");
      double[][] data = new double[levels.size()][];
      for (int i = 0; i < data.length; i++) {
        data[i] = new double[levels.get(i).size()];
        for (int j = 0; j < data[i].length; j++) {
          data[i][j] = levels.get(i).get(j).asDouble();
        }
      }
      sketch = Quantiles.fromLevels(kll.get("k").asInt(), kll.get("c").asDouble(), data);
    }
    ColumnState state = new ColumnState(sketch, cap);
    for (int i = 0; i < DeequTypes.NAMES.length; i++) {
      state.types[i] = node.path("types").path(DeequTypes.NAMES[i]).asLong(0);
    }
    state.numbers = node.path("numbers").asLong(0);
    if (state.numbers > 0) {
      state.sum = node.get("sum").asDouble();
      state.mean = node.get("mean").asDouble();
      state.m2 = node.get("m2").asDouble();
      state.min = node.get("min").asDouble();
      state.max = node.get("max").asDouble();
    }
    JsonNode counts = node.get("counts");
    if (counts != null && !counts.isNull() && counts.size() <= cap) {
      counts.fields().forEachRemaining(
          e -> state.counts.put(UTF8String.fromString(e.getKey()), new long[] {e.getValue().asLong()}));
    } else {
      state.counts = null;
      state.hll = new HllSketch(HLL_LG_K);
      for (JsonNode value : node.path("known")) {
        state.hll.update(hash64(UTF8String.fromString(value.asText())));
      }
    }
    return state;
  }

  void write(DataOutputStream out) throws IOException {
    out.writeInt(cap);
    for (long n : types) {
      out.writeLong(n);
    }
    out.writeLong(numbers);
    out.writeDouble(sum);
    out.writeDouble(mean);
    out.writeDouble(m2);
    out.writeDouble(min);
    out.writeDouble(max);
    out.writeLong(inDomain);
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
    kll.write(out);
  }

  static ColumnState read(DataInputStream in) throws IOException {
    int cap = Bounds.within(in, 0, Integer.MAX_VALUE, "value-count cap");
    long[] types = new long[DeequTypes.NAMES.length];
    for (int i = 0; i < types.length; i++) {
      types[i] = Bounds.tally(in, "a type count");
    }
    long numbers = Bounds.tally(in, "the count of numbers");
    double[] moments = new double[5];
    for (int i = 0; i < moments.length; i++) {
      moments[i] = in.readDouble();
    }
    long inDomain = Bounds.tally(in, "the in-domain count");
    HashMap<UTF8String, long[]> counts = null;
    HllSketch hll = null;
    if (in.readBoolean()) {
      // each entry: a length (4) and a count (8)
      int size = Bounds.count(in, 12, Integer.MAX_VALUE / 2, "value counts");
      counts = new HashMap<>(size * 2);
      for (int i = 0; i < size; i++) {
        counts.put(
            UTF8String.fromBytes(Bounds.bytes(in, "a value")),
            new long[] {Bounds.tally(in, "a value's count")});
      }
    } else {
      hll = HllSketch.heapify(Bounds.bytes(in, "the distinct-count sketch"));
    }
    ColumnState state = new ColumnState(Quantiles.read(in), cap);
    System.arraycopy(types, 0, state.types, 0, types.length);
    state.numbers = numbers;
    state.sum = moments[0];
    state.mean = moments[1];
    state.m2 = moments[2];
    state.min = moments[3];
    state.max = moments[4];
    state.inDomain = inDomain;
    state.counts = counts;
    state.hll = hll;
    return state;
  }

  static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    return Bounds.bytes(in, "a byte string");
  }
}
