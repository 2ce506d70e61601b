package monitorjob.aggregates;

import java.util.ArrayList;
import java.util.Locale;

import org.apache.spark.sql.api.java.UDF2;

/**
 * The capture decoder's fast path for a CSV side, in one call: the payload's text (base64
 * by {@link StrictBase64}; CSV and JSON encodings as they are), and when that text is one
 * non-blank line, its values split on commas, each trimmed of spaces (Spark's {@code trim})
 * and missing when blank. Null for anything else (several lines, a blank or undecodable
 * payload, an unknown encoding): such a record takes the general path, which finds its
 * reason. Replaces a base64 UDF, {@code split} and a {@code trim}/{@code nullif} per column,
 * each of which converted every value between Spark's and Java's strings.
 */
public final class CsvRow implements UDF2<String, String, String[]> {
  private static final long serialVersionUID = 1L;
  private static final StrictBase64 BASE64 = new StrictBase64();

  @Override
  public String[] call(String data, String encoding) {
    if (data == null || encoding == null) {
      return null;
    }
    String text;
    switch (encoding.toUpperCase(Locale.ROOT)) {
      case "BASE64":
        text = BASE64.call(data);
        break;
      case "CSV":
      case "JSON":
        text = data;
        break;
      default:
        return null;
    }
    if (text == null || text.indexOf('\n') >= 0 || onlySpaces(text)) {
      return null; // several lines, or a blank payload
    }
    ArrayList<String> values = new ArrayList<>();
    int start = 0;
    while (true) {
      int comma = text.indexOf(',', start);
      int end = comma < 0 ? text.length() : comma;
      values.add(trimSpaces(text, start, end));
      if (comma < 0) {
        break;
      }
      start = comma + 1;
    }
    return values.toArray(new String[0]);
  }

  private static boolean onlySpaces(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) != ' ') {
        return false;
      }
    }
    return true;
  }

  /** {@code nullif(trim(text[start:end]), '')}: Spark's trim removes spaces only. */
  private static String trimSpaces(String text, int start, int end) {
    while (start < end && text.charAt(start) == ' ') {
      start++;
    }
    while (end > start && text.charAt(end - 1) == ' ') {
      end--;
    }
    return start == end ? null : text.substring(start, end);
  }
}
