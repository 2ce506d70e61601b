package monitorjob.aggregates;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.hadoop.conf.Configuration;

/**
 * The records at a path of one JSON document, one at a time, streamed (Jackson): {@code *}
 * and the keys down to a list whose elements are the records, or {@code 1} and the keys of
 * the one value that is the record (at the top level, SageMaker's additions left out). A
 * scalar record is written as a one-value list. A path that is not there, or a document that
 * breaks, sets {@link #error} and ends the records.
 */
final class JsonRecords implements Closeable {
  private final BufferedReader reader;
  private final JsonParser parser;
  private final String side;
  private final boolean list;
  private final boolean root;
  private boolean done;
  String error;
  String raw;

  JsonRecords(Configuration conf, String name, String path, String side) {
    this.side = side;
    String[] keys = path.split("\0", -1);
    this.list = keys[0].equals("*");
    this.root = keys.length == 1;
    try {
      reader = PairedLines.open(conf, name);
      parser = Json.SPARK_DEFAULTS.createParser(reader);
    } catch (IOException err) {
      throw new UncheckedIOException(err);
    }
    try {
      JsonToken token = parser.nextToken();
      for (int i = 1; i < keys.length && error == null; i++) {
        token = field(token, keys[i]);
      }
      if (error == null && token == null) {
        fail("no JSON document in the " + side, "");
      } else if (error == null && list && token != JsonToken.START_ARRAY) {
        fail("no list of records at " + where(keys) + " in the " + side, "");
      }
    } catch (IOException err) {
      fail(side + " is not one JSON document", "");
    }
    if (error != null) {
      raw = excerpt(conf, name);
    }
  }

  private static String where(String[] keys) {
    if (keys.length == 1) {
      return "its top level";
    }
    return String.join(".", List.of(keys).subList(1, keys.length));
  }

  /** The value of field {@code key} of the object at {@code token}, or an error. */
  private JsonToken field(JsonToken token, String key) throws IOException {
    if (token != JsonToken.START_OBJECT) {
      fail("no object holding " + key + " in the " + side, "");
      return null;
    }
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.getCurrentName();
      JsonToken value = parser.nextToken();
      if (name.equals(key)) {
        return value;
      }
      parser.skipChildren();
    }
    fail("no " + key + " in the " + side, "");
    return null;
  }

  private void fail(String reason, String text) {
    error = reason;
    raw = text;
    done = true;
  }

  /** The next record's JSON text; null at the end, or on an error (then set). */
  String next() {
    if (done) {
      return null;
    }
    try {
      if (!list) {
        done = true;
        return written(root && parser.currentToken() == JsonToken.START_OBJECT);
      }
      JsonToken token = parser.nextToken();
      if (token == JsonToken.END_ARRAY || token == null) {
        done = true;
        return null;
      }
      return written(false);
    } catch (IOException err) {
      fail(side + " is not one JSON document", "");
      return null;
    }
  }

  /** The current value as JSON text: a scalar as a one-value list; SageMaker's additions
   * left out of a whole document. */
  private String written(boolean whole) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = Json.SPARK_DEFAULTS.createGenerator(out)) {
      if (parser.currentToken().isScalarValue()) {
        generator.writeStartArray();
        generator.copyCurrentEvent(parser);
        generator.writeEndArray();
      } else if (whole) {
        generator.writeStartObject();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.getCurrentName();
          parser.nextToken();
          if (DocumentRecords.ADDED.contains(name)) {
            parser.skipChildren();
          } else {
            generator.writeFieldName(name);
            generator.copyCurrentStructure(parser);
          }
        }
        generator.writeEndObject();
      } else {
        generator.copyCurrentStructure(parser);
      }
    }
    return out.toString();
  }

  @Override
  public void close() {
    try {
      parser.close();
      reader.close();
    } catch (IOException err) {
      throw new UncheckedIOException(err);
    }
  }

  /** The first characters of a file (its name when it cannot be read). */
  static String excerpt(Configuration conf, String name) {
    char[] buffer = new char[JsonLinePairs.RAW];
    try (BufferedReader reader = PairedLines.open(conf, name)) {
      int n = reader.read(buffer);
      return n <= 0 ? "" : new String(buffer, 0, n);
    } catch (IOException err) {
      return name;
    }
  }
}
