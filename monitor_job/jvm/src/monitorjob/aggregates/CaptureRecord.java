package monitorjob.aggregates;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * What the capture decoder reads of a capture line, as {@code from_json(line, schema)} reads
 * it with {@link #SCHEMA}: {@code captureData.{endpointInput, endpointOutput}.{data,
 * encoding}}, {@code eventMetadata.{inferenceTime, invocationSource}}, {@code eventVersion}.
 * Null for a line that is not a JSON object (Spark gives a row of nulls; the decoder reads
 * both as a malformed line); a wanted object of another shape is null, the rest read on.
 *
 * <p>Why not {@code from_json}: Spark 3.5 parses its input through a character reader (the
 * JSON data source reads the bytes), looks up Jackson's buffers in a thread-local per record,
 * and rebuilds its filters and defaults for every nested object of every record. Measured at
 * 1M base64-CSV captures, {@code from_json} was about a third of the decoder's CPU time.
 * This one streams the line's UTF-8 bytes once with Jackson (as Spark does, with Spark's
 * reader defaults), skips every other field, and reuses its buffers.
 */
public final class CaptureRecord extends TextFunction {
  private static final long serialVersionUID = 1L;

  private static final StructType PAYLOAD = struct("data", "encoding");
  public static final StructType SCHEMA =
      new StructType(
          new StructField[] {
            field(
                "captureData",
                new StructType(
                    new StructField[] {
                      field("endpointInput", PAYLOAD), field("endpointOutput", PAYLOAD)
                    })),
            field("eventMetadata", struct("inferenceTime", "invocationSource")),
            field("eventVersion", DataTypes.StringType)
          });

  private transient JsonFactory factory;

  CaptureRecord(Expression... args) {
    super(args);
  }

  /** {@code captureRecord(line)} as a column. */
  public static Column column(Column line) {
    return new Column(new CaptureRecord(line.expr()));
  }

  private static StructField field(String name, DataType type) {
    return new StructField(name, type, true, org.apache.spark.sql.types.Metadata.empty());
  }

  private static StructType struct(String... names) {
    StructField[] fields = new StructField[names.length];
    for (int i = 0; i < names.length; i++) {
      fields[i] = field(names[i], DataTypes.StringType);
    }
    return new StructType(fields);
  }

  /** The record of one line, or null. */
  @Override
  public Object call(UTF8String[] values) {
    if (factory == null) {
      factory = Json.reader();
    }
    try (JsonParser parser = Json.parser(factory, values[0])) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Object[] record = new Object[3];
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.getCurrentName();
        JsonToken token = parser.nextToken();
        switch (name) {
          case "captureData":
            record[0] = object(parser, token, "endpointInput", "endpointOutput", true);
            break;
          case "eventMetadata":
            record[1] = object(parser, token, "inferenceTime", "invocationSource", false);
            break;
          case "eventVersion":
            record[2] = text(parser, token);
            break;
          default:
            parser.skipChildren();
        }
      }
      return new GenericInternalRow(record);
    } catch (IOException err) {
      return null; // not JSON
    }
  }

  /**
   * An object with two wanted fields (each a payload when {@code payloads}, else text). Null
   * for JSON null and for any other shape (a string, number or list), the rest of the line
   * read on: Spark 3.5's partial results.
   */
  private static GenericInternalRow object(
      JsonParser parser, JsonToken token, String first, String second, boolean payloads)
      throws IOException {
    if (token != JsonToken.START_OBJECT) {
      parser.skipChildren();
      return null;
    }
    Object[] values = new Object[2];
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.getCurrentName();
      JsonToken value = parser.nextToken();
      int at = name.equals(first) ? 0 : name.equals(second) ? 1 : -1;
      if (at < 0) {
        parser.skipChildren();
      } else if (payloads) {
        values[at] = object(parser, value, "data", "encoding", false);
      } else {
        values[at] = text(parser, value);
      }
    }
    return new GenericInternalRow(values);
  }

  /**
   * A string field as Spark reads it: a string's content, null for null, anything else
   * written out as JSON by Jackson's generator (a number or boolean as its JSON text).
   */
  private static UTF8String text(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
        return UTF8String.fromString(parser.getText());
      case VALUE_NULL:
        return null;
      default:
        return Json.written(parser);
    }
  }

  @Override
  TextFunction copyWith(Expression[] args) {
    return new CaptureRecord(args);
  }

  @Override
  public DataType dataType() {
    return SCHEMA;
  }

  @Override
  public String prettyName() {
    return "capture_record";
  }
}
