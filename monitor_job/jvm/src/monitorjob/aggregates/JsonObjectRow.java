package monitorjob.aggregates;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.IndexedSeq;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.runtime.AbstractFunction1;

/**
 * One row of a JSON-object payload: the values of the sampled keys, in their order, as
 * text; a key whose value is a list gives its first {@code length} elements. Null when the
 * payload is not a JSON object (a list, a number, broken or blank text).
 *
 * <p>One streaming pass over the payload's UTF-8 bytes (Jackson, as Spark reads JSON, with
 * Spark's reader defaults: single quotes and NaN/Infinity allowed). Spark's {@code
 * from_json(x, 'map<string,string>')} gives the same values but writes every non-string
 * value out through a new Jackson generator; here a number is its own text, as the endpoint
 * sent it ({@code 1.50} stays {@code 1.50}), and only a nested object or list is written out
 * (as Spark writes it). A key given twice keeps its last value (Spark's map refuses the
 * payload).
 *
 * <p>A Catalyst expression registered as a SQL function (it is also called inside the
 * general path's lambdas), not a UDF: a UDF converts the payload to a Java string and every
 * value back through Scala collections.
 */
public final class JsonObjectRow extends Expression implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final DataType TYPE = DataTypes.createArrayType(DataTypes.StringType, true);

  private final Expression text;
  private final String[] keys;
  private final int[] lengths; // 0: a scalar key
  private transient HashMap<String, Integer> index;
  private transient int[] offsets;
  private transient int width;

  private transient JsonFactory factory;

  JsonObjectRow(Expression text, String[] keys, int[] lengths) {
    if (keys.length != lengths.length) {
      throw new IllegalArgumentException("one length per key");
    }
    this.text = text;
    this.keys = keys;
    this.lengths = lengths;
  }

  /** Registers {@code name(text)} on the session: this reader of {@code keys}. */
  public static void register(SparkSession spark, String name, String[] keys, int[] lengths) {
    spark
        .sessionState()
        .functionRegistry()
        .registerFunction(
            FunctionIdentifier.apply(name),
            new ExpressionInfo(JsonObjectRow.class.getName(), name),
            new Builder(keys, lengths));
  }

  private static final class Builder extends AbstractFunction1<Seq<Expression>, Expression>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final String[] keys;
    private final int[] lengths;

    Builder(String[] keys, int[] lengths) {
      this.keys = keys;
      this.lengths = lengths;
    }

    @Override
    public Expression apply(Seq<Expression> args) {
      if (args.size() != 1) {
        throw new IllegalArgumentException("a JSON object reader takes one argument");
      }
      return new JsonObjectRow(args.apply(0), keys, lengths);
    }
  }

  private void prepare() {
    index = new HashMap<>();
    offsets = new int[keys.length];
    int at = 0;
    for (int i = 0; i < keys.length; i++) {
      index.put(keys[i], i);
      offsets[i] = at;
      at += Math.max(lengths[i], 1);
    }
    width = at;
  }

  @Override
  public Object eval(InternalRow row) {
    UTF8String payload = (UTF8String) text.eval(row);
    return payload == null ? null : read(payload);
  }

  /** The row of a payload, or null; called by generated code. */
  public ArrayData read(UTF8String payload) {
    if (index == null) {
      prepare();
      factory = Json.reader();
    }
    byte[] bytes;
    int offset;
    if (payload.getBaseObject() instanceof byte[]) {
      bytes = (byte[]) payload.getBaseObject();
      offset = (int) (payload.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET);
    } else {
      bytes = payload.getBytes();
      offset = 0;
    }
    try (JsonParser parser = factory.createParser(bytes, offset, payload.numBytes())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Object[] out = new Object[width];
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        Integer key = index.get(parser.getCurrentName());
        JsonToken value = parser.nextToken();
        if (key == null) {
          parser.skipChildren();
          continue;
        }
        int at = offsets[key];
        if (lengths[key] == 0) {
          out[at] = text(parser, value);
        } else if (value == JsonToken.START_ARRAY) {
          int j = 0;
          for (JsonToken item = parser.nextToken();
              item != JsonToken.END_ARRAY;
              item = parser.nextToken()) {
            UTF8String element = text(parser, item);
            if (j < lengths[key]) {
              out[at + j] = element;
            }
            j++;
          }
        } else { // not a list where the sample had one: its positions stay missing
          parser.skipChildren();
        }
      }
      return token == JsonToken.END_OBJECT ? new GenericArrayData(out) : null;
    } catch (IOException err) {
      return null; // not JSON
    }
  }

  /** A value as text: a string's content, a number or boolean as written, null for null,
   * and an object or list written out as JSON (consumed whole). */
  private static UTF8String text(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
      case VALUE_TRUE:
      case VALUE_FALSE:
        return UTF8String.fromString(parser.getText());
      case VALUE_NULL:
        return null;
      default:
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator generator = Json.SPARK_DEFAULTS.createGenerator(out)) {
          generator.copyCurrentStructure(parser);
        }
        return UTF8String.fromBytes(out.toByteArray());
    }
  }

  /** A call of {@link #read} in the generated code (see {@code CsvRow.doGenCode}). */
  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    ExprCode in = text.genCode(ctx);
    String self = ctx.addReferenceObj("jsonObjectRow", this, JsonObjectRow.class.getName());
    String code =
        in.code()
            + "\nboolean "
            + ev.isNull()
            + " = true;\n"
            + ArrayData.class.getName()
            + " "
            + ev.value()
            + " = null;\nif (!"
            + in.isNull()
            + ") {\n  "
            + ev.value()
            + " = "
            + self
            + ".read("
            + in.value()
            + ");\n  "
            + ev.isNull()
            + " = "
            + ev.value()
            + " == null;\n}\n";
    return ev.copy(CsvRow.block(code), ev.isNull(), ev.value());
  }

  @Override
  public Seq<Expression> children() {
    return JavaConverters.asScalaBuffer(Arrays.asList(text)).toList();
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return new JsonObjectRow(children.apply(0), keys, lengths);
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
    return "json_object_row";
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    return n == 0 ? text : n == 1 ? Arrays.asList(keys) : Arrays.toString(lengths);
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof JsonObjectRow;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof JsonObjectRow)) {
      return false;
    }
    JsonObjectRow that = (JsonObjectRow) other;
    return text.equals(that.text)
        && Arrays.equals(keys, that.keys)
        && Arrays.equals(lengths, that.lengths);
  }

  @Override
  public int hashCode() {
    return 31 * text.hashCode() + Arrays.hashCode(keys);
  }
}
