package monitorjob.aggregates;

import org.apache.datasketches.hll.HllSketch;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The distinct-count sketch as the profile feeds it, for values generated on the spot (a
 * check of the hash at sizes no test can profile: 10^9 distinct values take seconds here,
 * not a scan of 10^9 rows).
 */
public final class Sketches {
  private Sketches() {}

  /**
   * The estimated distinct count of the {@code n} values "0", "1", ... "n-1" fed to a
   * profile's sketch through the current 64-bit hash ({@code wide}) or through version 1's
   * 32-bit {@code UTF8String.hashCode}.
   */
  public static double estimate(long n, boolean wide) {
    HllSketch sketch = new HllSketch(ColumnState.HLL_LG_K);
    int hash = wide ? ProfileState.HASH_XXH64 : ProfileState.HASH_UTF8_32;
    byte[] digits = new byte[20];
    for (long i = 0; i < n; i++) {
      int at = digits.length;
      long rest = i;
      do {
        digits[--at] = (byte) ('0' + rest % 10);
        rest /= 10;
      } while (rest > 0);
      UTF8String value = UTF8String.fromBytes(digits, at, digits.length - at);
      ColumnState.feed(sketch, value, hash);
    }
    return sketch.getCompositeEstimate();
  }
}
