package monitorjob.aggregates;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The capture decoder's fast path for a CSV side, in one expression: {@code csvRow(data,
 * encoding)} is the payload's text (base64 strictly decoded; CSV and JSON encodings as they
 * are), and when that text is one non-blank line, its values split on commas, each trimmed of
 * spaces (Spark's {@code trim}) and missing when blank. A payload with a double quote is read
 * by {@link Csv} (quoted fields may hold commas and line breaks) and taken here when it is one
 * row. Null for anything else (several rows, a blank or undecodable payload, an unknown
 * encoding, a quote never closed): such a record takes the general path, which finds its
 * reason.
 */
public final class CsvRow extends TextFunction {
  private static final long serialVersionUID = 1L;

  CsvRow(Expression... args) {
    super(args);
  }

  /** {@code csvRow(data, encoding)} as a column. */
  public static Column column(Column data, Column encoding) {
    return new Column(new CsvRow(data.expr(), encoding.expr()));
  }

  @Override
  public Object call(UTF8String[] values) {
    byte[] text = text(values[0], values[1]);
    return text == null ? null : split(text);
  }

  @Override
  TextFunction copyWith(Expression[] args) {
    return new CsvRow(args);
  }

  @Override
  public DataType dataType() {
    return STRINGS;
  }

  @Override
  public String prettyName() {
    return "csv_row";
  }

  /** The payload's text as UTF-8 bytes, or null for an unknown encoding or bad base64. */
  private static byte[] text(UTF8String data, UTF8String encoding) {
    String name = encoding.toString();
    if (name.equalsIgnoreCase("BASE64")) {
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(data.getBytes());
      } catch (IllegalArgumentException err) {
        return null;
      }
      for (byte b : bytes) {
        if (b < 0) { // not ASCII: invalid UTF-8 is replaced, as Java's decoder does
          return new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        }
      }
      return bytes;
    }
    if (name.equalsIgnoreCase("CSV") || name.equalsIgnoreCase("JSON")) {
      return data.getBytes();
    }
    return null;
  }

  /**
   * One line's values, or null for several lines or a blank line. Bytes are safe to split
   * on: no byte of a multi-byte UTF-8 character is a comma, a space or a newline.
   */
  private static GenericArrayData split(byte[] text) {
    if (Csv.quoted(text)) {
      List<UTF8String[]> rows = Csv.rows(text);
      return rows == null || rows.size() != 1 ? null : new GenericArrayData(rows.get(0));
    }
    boolean blank = true;
    for (byte b : text) {
      if (b == '\n') {
        return null;
      }
      blank &= b == ' ';
    }
    if (blank) {
      return null;
    }
    ArrayList<Object> values = new ArrayList<>();
    int start = 0;
    while (true) {
      int end = start;
      while (end < text.length && text[end] != ',') {
        end++;
      }
      values.add(Csv.trimmed(text, start, end));
      if (end == text.length) {
        break;
      }
      start = end + 1;
    }
    return new GenericArrayData(values.toArray());
  }
}
