package monitorjob.aggregates;

import java.io.IOException;
import java.util.ArrayList;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The capture decoder's fast path for a JSON batch of one row: {@code {"instances": [[1,
 * "a"]]}} (a wrapper key) or {@code [[1, "a"]]} (a top-level list), whose one element is a
 * list of values ({@code lists}) or one value. Gives that row's values as the general path
 * reads them ({@code from_json} into {@code map<string,array<string>>} or {@code
 * array<string>}, then each list element into {@code array<string>}): a string's content,
 * null for null, anything else as Jackson's generator writes it ({@code 1.50} becomes {@code
 * 1.5}, as Spark writes it).
 *
 * <p>Null for anything else (a batch of several rows, another shape, broken text, a wrapper
 * object with a value that is not a list or a key given twice, which Spark's map refuses):
 * such a record takes the general path, which finds its rows or its reason.
 */
public final class JsonBatchRow extends TextFunction {
  private static final long serialVersionUID = 1L;

  private final String key; // null: a top-level list
  private final boolean lists;
  private transient JsonFactory factory;

  JsonBatchRow(Expression text, String key, boolean lists) {
    super(text);
    this.key = key;
    this.lists = lists;
  }

  /** {@code jsonBatchRow(text)} as a column; {@code key} null for a top-level list. */
  public static Column column(Column text, String key, boolean lists) {
    return new Column(new JsonBatchRow(text.expr(), key, lists));
  }

  /** The one row of a payload, or null. */
  @Override
  public Object call(UTF8String[] args) {
    if (factory == null) {
      factory = Json.reader();
    }
    try (JsonParser parser = Json.parser(factory, args[0])) {
      JsonToken first = parser.nextToken();
      Object[] values = null;
      if (key == null) {
        values = first == JsonToken.START_ARRAY ? batch(parser) : null;
      } else if (first == JsonToken.START_OBJECT) {
        boolean seen = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          boolean mine = key.equals(parser.getCurrentName());
          if (parser.nextToken() != JsonToken.START_ARRAY || (mine && seen)) {
            return null; // Spark's map<string,array<string>> refuses the payload
          }
          if (mine) {
            seen = true;
            values = batch(parser);
            if (values == null) {
              return null;
            }
          } else {
            parser.skipChildren();
          }
        }
      }
      JsonToken last = key == null ? JsonToken.END_ARRAY : JsonToken.END_OBJECT;
      if (values == null || parser.currentToken() != last) {
        return null;
      }
      return parser.nextToken() == null ? new GenericArrayData(values) : null;
    } catch (IOException err) {
      return null; // not JSON: the general path says so
    }
  }

  /** The values of a batch of exactly one element (the parser on its opening bracket). */
  private Object[] batch(JsonParser parser) throws IOException {
    JsonToken element = parser.nextToken();
    if (element == null || element == JsonToken.END_ARRAY) {
      return null;
    }
    Object[] values;
    if (lists) {
      if (element != JsonToken.START_ARRAY) {
        return null;
      }
      ArrayList<Object> row = new ArrayList<>();
      for (JsonToken item = parser.nextToken();
          item != JsonToken.END_ARRAY;
          item = parser.nextToken()) {
        if (item == null) {
          return null;
        }
        // Spark writes the list out first, quoting NaN and infinities, then reads the
        // quoted text back as a string: its content
        row.add(text(parser, item, false));
      }
      values = row.toArray();
    } else {
      values = new Object[] {text(parser, element, true)};
    }
    return parser.nextToken() == JsonToken.END_ARRAY ? values : null; // one element only
  }

  /**
   * A value as Spark reads it into a string: a string's content, null for null, anything else
   * as Jackson's generator writes it (an integer's value, a double's {@code
   * Double.toString}, a non-finite double quoted when {@code quoteNonFinite}); objects and
   * lists through the generator itself.
   */
  private static UTF8String text(JsonParser parser, JsonToken token, boolean quoteNonFinite)
      throws IOException {
    switch (token) {
      case VALUE_STRING:
      case VALUE_TRUE:
      case VALUE_FALSE:
        return UTF8String.fromString(parser.getText());
      case VALUE_NULL:
        return null;
      case VALUE_NUMBER_INT:
        return UTF8String.fromString(
            parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                ? parser.getBigIntegerValue().toString()
                : Long.toString(parser.getLongValue()));
      case VALUE_NUMBER_FLOAT:
        double value = parser.getDoubleValue();
        String written = Double.toString(value);
        boolean quoted = quoteNonFinite && (Double.isNaN(value) || Double.isInfinite(value));
        return UTF8String.fromString(quoted ? '"' + written + '"' : written);
      default:
        return Json.written(parser);
    }
  }

  @Override
  TextFunction copyWith(Expression[] args) {
    return new JsonBatchRow(args[0], key, lists);
  }

  @Override
  Object[] parameters() {
    return new Object[] {String.valueOf(key), lists};
  }

  @Override
  public DataType dataType() {
    return STRINGS;
  }

  @Override
  public String prettyName() {
    return "json_batch_row";
  }
}
