package monitorjob.aggregates;

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

  private static int digits(byte[] s, int i) {
    while (i < s.length && digit(s[i])) {
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
    int n = s.length;
    int i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
      i++;
    }
    if (i < n && s[i] == ' ') {
      i++;
    }
    int start = i;
    i = digits(s, i);
    if (i > start) {
      if (i == n) {
        return INTEGRAL;
      }
      if (s[i] == '.') {
        int fraction = i + 1;
        i = digits(s, fraction);
        if (i == fraction) {
          return other(s);
        }
        if (i == n) {
          return FRACTIONAL;
        }
      }
      if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) {
          i++;
        }
        int exponent = i;
        i = digits(s, exponent);
        if (i > exponent && i == n) {
          return FRACTIONAL;
        }
      }
    }
    return other(s);
  }

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

  private static int other(byte[] s) {
    return java.util.Arrays.equals(s, TRUE) || java.util.Arrays.equals(s, FALSE) ? BOOLEAN : STRING;
  }
}
