package monitorjob.aggregates;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.types.UTF8String;
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
 * <p>Also registered as a SQL function: the general path's lambdas call it.
 */
public final class JsonObjectRow extends TextFunction {
  private static final long serialVersionUID = 1L;

  private final String[] keys;
  private final int[] lengths; // 0: a scalar key
  private transient HashMap<String, Integer> index;
  private transient int[] offsets;
  private transient int width;

  private transient JsonFactory factory;

  JsonObjectRow(Expression text, String[] keys, int[] lengths) {
    super(text);
    if (keys.length != lengths.length) {
      throw new IllegalArgumentException("one length per key");
    }
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

  /** The row of a payload, or null. */
  @Override
  public Object call(UTF8String[] values) {
    if (index == null) {
      prepare();
      factory = Json.reader();
    }
    try (JsonParser parser = Json.parser(factory, values[0])) {
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
        return Json.written(parser);
    }
  }

  @Override
  TextFunction copyWith(Expression[] args) {
    return new JsonObjectRow(args[0], keys, lengths);
  }

  @Override
  Object[] parameters() {
    return new Object[] {Arrays.asList(keys), Arrays.toString(lengths)};
  }

  @Override
  public DataType dataType() {
    return STRINGS;
  }

  @Override
  public String prettyName() {
    return "json_object_row";
  }
}
