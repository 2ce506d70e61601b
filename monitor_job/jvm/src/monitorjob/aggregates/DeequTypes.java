package monitorjob.aggregates;

import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Deequ's data-type rules without a regex per value: a string is Fractional when it matches
 * {@code ^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$}, Integral when it matches
 * {@code ^(-|\+)? ?\d+$}, Boolean when it is {@code true} or {@code false}, else String
 * (Deequ's {@code StatefulDataType}); null is Unknown. One pass over the characters; the
 * tests check it against those regexes on generated strings.
 */
public final class DeequTypes {
  // The rules read bytes: the values arrive as UTF-8 (UTF8String), and every character the
  // patterns accept is ASCII, so a multi-byte character can only ever make a String.
  private DeequTypes() {}

  public static final int UNKNOWN = 0;
  public static final int FRACTIONAL = 1;
  public static final int INTEGRAL = 2;
  public static final int BOOLEAN = 3;
  public static final int STRING = 4;
  static final String[] NAMES = {"Unknown", "Fractional", "Integral", "Boolean", "String"};

  private static boolean digit(byte c) {
    return c >= '0' && c <= '9';
  }

  private static int digits(Object base, long at, int i, int n) {
    while (i < n && digit(Platform.getByte(base, at + i))) {
      i++;
    }
    return i;
  }

  /** The Deequ type class of a value. */
  public static int classify(String value) {
    return value == null
        ? UNKNOWN
        : classify(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The Deequ type class of a value's UTF-8 bytes. */
  public static int classify(byte[] s) {
    return classify(s, Platform.BYTE_ARRAY_OFFSET, s.length);
  }

  /** The Deequ type class of a UTF-8 string, read in place (no copy of its bytes). */
  static int classify(UTF8String value) {
    return classify(value.getBaseObject(), value.getBaseOffset(), value.numBytes());
  }

  private static int classify(Object base, long at, int n) {
    int i = 0;
    byte b = n > 0 ? Platform.getByte(base, at) : 0;
    if (i < n && (b == '-' || b == '+')) {
      i++;
    }
    if (i < n && Platform.getByte(base, at + i) == ' ') {
      i++;
    }
    int start = i;
    i = digits(base, at, i, n);
    if (i > start) {
      if (i == n) {
        return INTEGRAL;
      }
      if (Platform.getByte(base, at + i) == '.') {
        int fraction = i + 1;
        i = digits(base, at, fraction, n);
        if (i == fraction) {
          return other(base, at, n);
        }
        if (i == n) {
          return FRACTIONAL;
        }
      }
      b = Platform.getByte(base, at + i);
      if (b == 'e' || b == 'E') {
        i++;
        if (i < n) {
          b = Platform.getByte(base, at + i);
          if (b == '-' || b == '+') {
            i++;
          }
        }
        int exponent = i;
        i = digits(base, at, exponent, n);
        if (i > exponent && i == n) {
          return FRACTIONAL;
        }
      }
    }
    return other(base, at, n);
  }

  private static final double[] POWERS = new double[23];

  static {
    POWERS[0] = 1.0;
    for (int i = 1; i < POWERS.length; i++) {
      POWERS[i] = POWERS[i - 1] * 10.0;
    }
  }

  /**
   * The double a numeric value (classified Integral or Fractional) stands for: what Spark's
   * cast gives after Deequ's one optional space is dropped ({@code Double.parseDouble}).
   * Plain decimals of at most 15 digits are converted exactly without a string: the digits
   * as a long and one division by a power of ten up to 10^22, both exact doubles, so the
   * quotient is the correctly rounded value, as parseDouble's is. Others go to parseDouble.
   */
  /** {@link #number(UTF8String)} of a Java string (for the tests). */
  public static double number(String value) {
    return number(UTF8String.fromString(value));
  }

  static double number(UTF8String value) {
    Object base = value.getBaseObject();
    long at = value.getBaseOffset();
    int n = value.numBytes();
    int i = 0;
    boolean negative = false;
    byte b = Platform.getByte(base, at);
    if (b == '-' || b == '+') {
      negative = b == '-';
      i++;
    }
    if (i < n && Platform.getByte(base, at + i) == ' ') {
      i++;
    }
    long mantissa = 0;
    int digits = 0;
    int fraction = -1;
    for (; i < n; i++) {
      b = Platform.getByte(base, at + i);
      if (b == '.') {
        fraction = 0;
        continue;
      }
      if (!digit(b) || digits >= 15) {
        return slow(value);
      }
      mantissa = mantissa * 10 + (b - '0');
      if (mantissa != 0 || fraction >= 0) {
        digits++;
      }
      if (fraction >= 0) {
        fraction++;
      }
    }
    // At most 15 digits were read, so fraction <= 15 indexes POWERS.
    double x = fraction > 0 ? mantissa / POWERS[fraction] : (double) mantissa;
    return negative ? -x : x;
  }

  private static double slow(UTF8String value) {
    return Double.parseDouble(value.toString().replace(" ", ""));
  }

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

  private static boolean same(Object base, long at, int n, byte[] word) {
    if (n != word.length) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (Platform.getByte(base, at + i) != word[i]) {
        return false;
      }
    }
    return true;
  }

  private static int other(Object base, long at, int n) {
    return same(base, at, n, TRUE) || same(base, at, n, FALSE) ? BOOLEAN : STRING;
  }
}
