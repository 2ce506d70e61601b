package monitorjob.aggregates;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Deequ's KLL sketch ({@code QuantileNonSample} with its {@code NonSampleCompactor}) on
 * primitive doubles: the same compactor capacities ({@code 2 * (ceil(k * c^h / 2) + 1)}),
 * the same condense and merge rules, and Deequ's deterministic compaction offsets (they
 * alternate 0, 1, 1, 0, 0, 1, ... per compactor; Deequ has the random draw commented out).
 * So a sketch is a function of the values and the order they arrive in: a rerun over the
 * same partitions, merged in the same order, is the same sketch to the bit, and one
 * partition's sketch equals Deequ's own {@code KLLSketch} analyzer's (tested).
 *
 * <p>Deequ's original keeps boxed values in Scala {@code ArrayBuffer}s and copies a buffer
 * per appended item; measured at 1M records x 26 columns as an aggregate it cost 53 s. This
 * keeps one growable {@code double[]} per compactor.
 */
final class Quantiles {
  static final double SHRINKING_FACTOR = 0.64;

  final int k;
  final double c;
  private Level[] levels = new Level[0];
  private int count; // items held in all compactors
  private int capacity; // their total capacity

  Quantiles(int k, double c) {
    this.k = k;
    this.c = c;
    expand();
  }

  private static final class Level {
    double[] items = new double[16];
    int size;
    int compactions;
    int offset;

    void add(double value) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      items[size++] = value;
    }

    void addAll(Level other) {
      if (size + other.size > items.length) {
        items = Arrays.copyOf(items, Math.max(size + other.size, items.length * 2));
      }
      System.arraycopy(other.items, 0, items, size, other.size);
      size += other.size;
    }

    /** Deequ's {@code NonSampleCompactor.compact}: every other item of the sorted even
     * prefix, from the offset; an odd last item (as it arrived, unsorted) stays. */
    double[] compact() {
      int even = size - (size % 2);
      if (compactions % 2 == 1) {
        offset = 1 - offset;
      }
      double[] sorted = Arrays.copyOf(items, even);
      Arrays.sort(sorted);
      double[] out = new double[(even - offset + 1) / 2];
      for (int i = offset, j = 0; i < even; i += 2, j++) {
        out[j] = sorted[i];
      }
      if (size % 2 == 1) {
        items[0] = items[size - 1];
        size = 1;
      } else {
        size = 0;
      }
      compactions++;
      return out;
    }
  }

  private int capacity(int height) {
    return 2 * ((int) Math.ceil(k * Math.pow(c, height) / 2) + 1);
  }

  private void expand() {
    levels = Arrays.copyOf(levels, levels.length + 1);
    levels[levels.length - 1] = new Level();
    capacity += capacity(levels.length - 1);
  }

  void update(double value) {
    levels[0].add(value);
    count++;
    if (count > capacity) {
      condense();
    }
  }

  private void condense() {
    for (int height = 0; height < levels.length; height++) {
      if (levels[height].size >= capacity(height)) {
        if (height + 1 >= levels.length) {
          expand();
        }
        Level next = levels[height + 1];
        for (double v : levels[height].compact()) {
          next.add(v);
        }
        count = items();
        return;
      }
    }
  }

  private int items() {
    int n = 0;
    for (Level level : levels) {
      n += level.size;
    }
    return n;
  }

  /** Deequ's {@code QuantileNonSample.merge}: level by level, then condense to capacity. */
  void merge(Quantiles other) {
    while (levels.length < other.levels.length) {
      expand();
    }
    for (int i = 0; i < other.levels.length; i++) {
      levels[i].addAll(other.levels[i]);
    }
    count = items();
    while (count >= capacity) {
      condense();
    }
  }

  boolean isEmpty() {
    return count == 0;
  }

  /** The items of each compactor as they are held (Deequ's {@code getCompactorItems}); the
   * items of level {@code i} weigh {@code 2^i}. */
  double[][] data() {
    double[][] out = new double[levels.length][];
    for (int i = 0; i < levels.length; i++) {
      out[i] = Arrays.copyOf(levels[i].items, levels[i].size);
    }
    return out;
  }

  /**
   * Deequ's {@code KLLSketch.computeMetricFrom} buckets: {@code buckets} equal widths from
   * {@code lo} to {@code hi}; bucket {@code i} holds the weight in {@code [low, high)}, the
   * last one in {@code [low, high]}. Rows of {@code (low, high, count)}.
   */
  double[][] buckets(double lo, double hi, int buckets) {
    int n = items();
    double[] values = new double[n];
    long[] weights = new long[n];
    int j = 0;
    for (int i = 0; i < levels.length; i++) {
      for (int m = 0; m < levels[i].size; m++) {
        values[j] = levels[i].items[m];
        weights[j++] = 1L << i;
      }
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
    double[] sorted = new double[n];
    long[] cumulative = new long[n + 1];
    for (int i = 0; i < n; i++) {
      sorted[i] = values[order[i]];
      cumulative[i + 1] = cumulative[i] + weights[order[i]];
    }
    double[][] out = new double[buckets][];
    for (int i = 0; i < buckets; i++) {
      double low = lo + (hi - lo) * i / buckets;
      double high = lo + (hi - lo) * (i + 1) / buckets;
      long top =
          i == buckets - 1
              ? cumulative[rank(sorted, high, true)]
              : cumulative[rank(sorted, high, false)];
      out[i] = new double[] {low, high, top - cumulative[rank(sorted, low, false)]};
    }
    return out;
  }

  /** Items strictly below {@code x} (Deequ's {@code getRankExclusive}: {@code <}), or with
   * {@code inclusive} at most {@code x} (Deequ's {@code getRank}: not greater). */
  private static int rank(double[] sorted, double x, boolean inclusive) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < x || (inclusive && sorted[mid] == x)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  void write(DataOutputStream out) throws IOException {
    out.writeInt(k);
    out.writeDouble(c);
    out.writeInt(levels.length);
    for (Level level : levels) {
      out.writeInt(level.compactions);
      out.writeInt(level.offset);
      out.writeInt(level.size);
      for (int i = 0; i < level.size; i++) {
        out.writeDouble(level.items[i]);
      }
    }
  }

  /** A sketch holding {@code levels} as written in a statistics.json ({@code sketch.data}:
   * level {@code i} weighs {@code 2^i}), condensed to its capacity like a merge. */
  static Quantiles fromLevels(int k, double c, double[][] levels) {
    Quantiles sketch = new Quantiles(k, c);
    while (sketch.levels.length < levels.length) {
      sketch.expand();
    }
    for (int i = 0; i < levels.length; i++) {
      for (double v : levels[i]) {
        sketch.levels[i].add(v);
      }
    }
    sketch.count = sketch.items();
    while (sketch.count >= sketch.capacity) {
      sketch.condense();
    }
    return sketch;
  }

  /** Deequ's KLL sketch is at most this tall: a compactor doubles its items' weight. */
  static final int MAX_HEIGHT = 64;

  static final int MAX_K = 1 << 20;

  static Quantiles read(DataInputStream in) throws IOException {
    int k = Bounds.within(in, 1, MAX_K, "the KLL sketch's k");
    double c = in.readDouble();
    if (!(c > 0 && c <= 1)) {
      throw new IOException("the KLL sketch's shrinking factor " + c + " is outside (0, 1]");
    }
    Quantiles sketch = new Quantiles(k, c);
    // each level: compactions, offset and size (12 bytes)
    int height = Bounds.count(in, 12, MAX_HEIGHT, "KLL levels");
    while (sketch.levels.length < height) {
      sketch.expand();
    }
    for (Level level : sketch.levels) {
      level.compactions = Bounds.within(in, 0, Integer.MAX_VALUE, "a level's compactions");
      level.offset = Bounds.within(in, 0, 1, "a level's offset");
      level.size = Bounds.count(in, 8, Integer.MAX_VALUE / 8, "a level's items");
      level.items = new double[Math.max(16, level.size)];
      for (int i = 0; i < level.size; i++) {
        level.items[i] = in.readDouble();
      }
    }
    sketch.count = sketch.items();
    return sketch;
  }
}
