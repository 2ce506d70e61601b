package monitorjob.aggregates;

import com.fasterxml.jackson.core.io.doubleparser.JavaDoubleParser;
import org.apache.spark.sql.api.java.UDF1;

/**
 * Deequ's data-type rules without a regex per value: a string is Fractional when it matches
 * {@code ^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$}, Integral when it matches
 * {@code ^(-|\+)? ?\d+$}, Boolean when it is {@code true} or {@code false}, else String
 * (Deequ's {@code StatefulDataType}); null is Unknown. One pass over the characters; the
 * tests check it against those regexes on generated strings.
 *
 * <p>As a UDF it gives the number behind a numeric string (the optional space after the
 * sign dropped), or null: the value Deequ's numeric analyzers then see.
 */
public final class DeequTypes implements UDF1<String, Double> {
  private static final long serialVersionUID = 1L;

  public static final int UNKNOWN = 0;
  public static final int FRACTIONAL = 1;
  public static final int INTEGRAL = 2;
  public static final int BOOLEAN = 3;
  public static final int STRING = 4;
  static final String[] NAMES = {"Unknown", "Fractional", "Integral", "Boolean", "String"};

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int digits(String s, int i) {
    while (i < s.length() && digit(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /** The Deequ type class of a value. */
  public static int classify(String s) {
    if (s == null) {
      return UNKNOWN;
    }
    int n = s.length();
    int i = 0;
    if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      i++;
    }
    if (i < n && s.charAt(i) == ' ') {
      i++;
    }
    int start = i;
    i = digits(s, i);
    if (i > start) {
      if (i == n) {
        return INTEGRAL;
      }
      if (s.charAt(i) == '.') {
        int fraction = i + 1;
        i = digits(s, fraction);
        if (i == fraction) {
          return other(s);
        }
        if (i == n) {
          return FRACTIONAL;
        }
      }
      if (s.charAt(i) == 'e' || s.charAt(i) == 'E') {
        i++;
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
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

  private static int other(String s) {
    return s.equals("true") || s.equals("false") ? BOOLEAN : STRING;
  }

  /** The number behind a Fractional or Integral value, else null. */
  public static Double number(String s) {
    int type = classify(s);
    if (type != FRACTIONAL && type != INTEGRAL) {
      return null;
    }
    int space = s.indexOf(' ');
    String text = space < 0 ? s : s.substring(0, space) + s.substring(space + 1);
    // FastDoubleParser (inside Spark's jackson-core): correctly rounded, ~3x parseDouble.
    return JavaDoubleParser.parseDouble(text);
  }

  @Override
  public Double call(String value) {
    return number(value);
  }
}
