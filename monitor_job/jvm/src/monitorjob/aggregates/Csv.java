package monitorjob.aggregates;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.unsafe.types.UTF8String;

/**
 * CSV text as RFC 4180 reads it, for payloads whose values may be quoted: a field in double
 * quotes may hold commas, line breaks and doubled quotes ({@code ""} is one {@code "});
 * spaces around a field are not part of it (a payload written {@code 1, "Smith, John"}
 * reads as the two values it means). An unquoted field is taken as it is written, trimmed of
 * spaces, a quote inside it included. A blank field, quoted or not, is missing (null); a
 * blank line is no row. Bytes are safe to scan: no byte of a multi-byte UTF-8 character is a
 * quote, comma, space or line break.
 */
final class Csv {
  private Csv() {}

  /** True when the text has a double quote: the fast split does not apply. */
  static boolean quoted(byte[] text) {
    for (byte b : text) {
      if (b == '"') {
        return true;
      }
    }
    return false;
  }

  /**
   * The rows of {@code text}, or null when it is not CSV: a quote that is never closed, or
   * something other than spaces between a closing quote and the next comma or line break.
   */
  static List<UTF8String[]> rows(byte[] text) {
    List<UTF8String[]> rows = new ArrayList<>();
    List<UTF8String> row = new ArrayList<>();
    int n = text.length;
    int i = 0;
    while (true) {
      int start = i;
      while (start < n && text[start] == ' ') {
        start++;
      }
      if (start < n && text[start] == '"') {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        int k = start + 1;
        while (true) {
          if (k >= n) {
            return null; // the quote is never closed
          }
          if (text[k] == '"') {
            if (k + 1 < n && text[k + 1] == '"') {
              value.write('"');
              k += 2;
              continue;
            }
            k++;
            break;
          }
          value.write(text[k++]);
        }
        while (k < n && text[k] == ' ') {
          k++;
        }
        if (k < n && text[k] != ',' && text[k] != '\n' && text[k] != '\r') {
          return null; // text after the closing quote
        }
        row.add(value.size() == 0 ? null : UTF8String.fromBytes(value.toByteArray()));
        i = k;
      } else {
        int k = i;
        while (k < n && text[k] != ',' && text[k] != '\n' && text[k] != '\r') {
          k++;
        }
        row.add(trimmed(text, i, k));
        i = k;
      }
      if (i < n && text[i] == ',') {
        i++;
        continue;
      }
      end(rows, row);
      row = new ArrayList<>();
      if (i >= n) {
        return rows;
      }
      i += text[i] == '\r' && i + 1 < n && text[i + 1] == '\n' ? 2 : 1;
      if (i >= n) {
        return rows;
      }
    }
  }

  private static void end(List<UTF8String[]> rows, List<UTF8String> row) {
    if (!(row.size() == 1 && row.get(0) == null)) { // a blank line is no row
      rows.add(row.toArray(new UTF8String[0]));
    }
  }

  /** {@code nullif(trim(text[start:end]), '')}: Spark's trim removes spaces only. */
  static UTF8String trimmed(byte[] text, int start, int end) {
    while (start < end && text[start] == ' ') {
      start++;
    }
    while (end > start && text[end - 1] == ' ') {
      end--;
    }
    return start == end ? null : UTF8String.fromBytes(text, start, end - start);
  }
}
