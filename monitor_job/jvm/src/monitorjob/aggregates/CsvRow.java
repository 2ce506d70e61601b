package monitorjob.aggregates;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeBlock;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.expressions.codegen.JavaCode;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.IndexedSeq;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The capture decoder's fast path for a CSV side, in one expression: {@code csvRow(data,
 * encoding)} is the payload's text (base64 strictly decoded; CSV and JSON encodings as they
 * are), and when that text is one non-blank line, its values split on commas, each trimmed of
 * spaces (Spark's {@code trim}) and missing when blank. Null for anything else (several lines,
 * a blank or undecodable payload, an unknown encoding): such a record takes the general path,
 * which finds its reason.
 *
 * <p>A Catalyst expression rather than a UDF: it reads the payload's UTF-8 bytes and returns
 * its values as slices of one decoded buffer. Measured at 1M records as a Java UDF, the
 * conversions around the call (every payload to a Java string, every value back, through
 * Scala collections) were about a tenth of the job's CPU time.
 */
public final class CsvRow extends Expression implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final DataType TYPE = DataTypes.createArrayType(DataTypes.StringType, true);

  private final Expression data;
  private final Expression encoding;

  public CsvRow(Expression data, Expression encoding) {
    this.data = data;
    this.encoding = encoding;
  }

  /** {@code csvRow(data, encoding)} as a column. */
  public static Column column(Column data, Column encoding) {
    return new Column(new CsvRow(data.expr(), encoding.expr()));
  }

  @Override
  public Object eval(InternalRow row) {
    UTF8String payload = (UTF8String) data.eval(row);
    UTF8String name = payload == null ? null : (UTF8String) encoding.eval(row);
    return name == null ? null : values(payload, name);
  }

  /** The values of a payload (both arguments present), or null; called by generated code. */
  public static ArrayData values(UTF8String data, UTF8String encoding) {
    byte[] text = text(data, encoding);
    return text == null ? null : split(text);
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
      values.add(trimmed(text, start, end));
      if (end == text.length) {
        break;
      }
      start = end + 1;
    }
    return new GenericArrayData(values.toArray());
  }

  /** {@code nullif(trim(text[start:end]), '')}: Spark's trim removes spaces only. */
  private static UTF8String trimmed(byte[] text, int start, int end) {
    while (start < end && text[start] == ' ') {
      start++;
    }
    while (end > start && text[end - 1] == ' ') {
      end--;
    }
    return start == end ? null : UTF8String.fromBytes(text, start, end - start);
  }

  /**
   * A call of {@link #values} in the generated code. Not {@code CodegenFallback}: in whole-stage
   * code that passes the whole input row to {@code eval}, which Spark then builds for every
   * record (measured: the capture line copied once more per record, slower than a UDF).
   */
  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    ExprCode d = data.genCode(ctx);
    ExprCode e = encoding.genCode(ctx);
    String code =
        d.code()
            + "\n"
            + e.code()
            + "\nboolean "
            + ev.isNull()
            + " = true;\n"
            + ArrayData.class.getName()
            + " "
            + ev.value()
            + " = null;\nif (!"
            + d.isNull()
            + " && !"
            + e.isNull()
            + ") {\n  "
            + ev.value()
            + " = "
            + CsvRow.class.getName()
            + ".values("
            + d.value()
            + ", "
            + e.value()
            + ");\n  "
            + ev.isNull()
            + " = "
            + ev.value()
            + " == null;\n}\n";
    return ev.copy(block(code), ev.isNull(), ev.value());
  }

  /** Generated Java code as a block of Spark's code generator (no inputs to track). */
  static CodeBlock block(String code) {
    return new CodeBlock(
        JavaConverters.asScalaBuffer(Arrays.asList(code)).toList(),
        JavaConverters.asScalaBuffer(new ArrayList<JavaCode>()).toList());
  }

  @Override
  public Seq<Expression> children() {
    return JavaConverters.asScalaBuffer(Arrays.asList(data, encoding)).toList();
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return new CsvRow(children.apply(0), children.apply(1));
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public DataType dataType() {
    return TYPE;
  }

  @Override
  public String prettyName() {
    return "csv_row";
  }

  @Override
  public int productArity() {
    return 2;
  }

  @Override
  public Object productElement(int n) {
    return n == 0 ? data : encoding;
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof CsvRow;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CsvRow
        && data.equals(((CsvRow) other).data)
        && encoding.equals(((CsvRow) other).encoding);
  }

  @Override
  public int hashCode() {
    return 31 * data.hashCode() + encoding.hashCode();
  }
}
