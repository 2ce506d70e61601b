package monitorjob.aggregates;

import java.io.IOException;
import java.io.StringWriter;
import java.util.HashMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import org.apache.spark.sql.api.java.UDF1;

/**
 * One row of a JSON-object payload: the values of the sampled keys, in their order, as
 * text; a key whose value is a list gives its first {@code length} elements. Null when the
 * payload is not a JSON object (a list, a number, broken or blank text).
 *
 * <p>One streaming pass (Jackson, as Spark reads JSON, with Spark's reader defaults: single
 * quotes and NaN/Infinity allowed). Spark's {@code from_json(x, 'map<string,string>')}
 * gives the same values but writes every non-string value out through a new Jackson
 * generator; here a number is its own text, as the endpoint sent it ({@code 1.50} stays
 * {@code 1.50}), and only a nested object or list is written out (as Spark writes it).
 * A key given twice keeps its last value (Spark's map refuses the payload).
 */
public final class JsonObjectRow implements UDF1<String, String[]> {
  private static final long serialVersionUID = 1L;
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  private final String[] keys;
  private final int[] lengths; // 0: a scalar key
  private transient HashMap<String, Integer> index;
  private transient int[] offsets;
  private transient int width;

  public JsonObjectRow(String[] keys, int[] lengths) {
    if (keys.length != lengths.length) {
      throw new IllegalArgumentException("one length per key");
    }
    this.keys = keys;
    this.lengths = lengths;
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
  public String[] call(String payload) {
    if (payload == null) {
      return null;
    }
    if (index == null) {
      prepare();
    }
    try (JsonParser parser = FACTORY.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String[] out = new String[width];
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
            String text = text(parser, item);
            if (j < lengths[key]) {
              out[at + j] = text;
            }
            j++;
          }
        } else { // not a list where the sample had one: its positions stay missing
          parser.skipChildren();
        }
      }
      return token == JsonToken.END_OBJECT ? out : null;
    } catch (IOException err) {
      return null; // not JSON
    }
  }

  /** A value as text: a string's content, a number or boolean as written, null for null,
   * and an object or list written out as JSON (consumed whole). */
  private static String text(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
      case VALUE_TRUE:
      case VALUE_FALSE:
        return parser.getText();
      case VALUE_NULL:
        return null;
      default:
        StringWriter writer = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(writer)) {
          generator.copyCurrentStructure(parser);
        }
        return writer.toString();
    }
  }
}
