package monitorjob.aggregates;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * A batch transform's JSON documents ({@code SplitType=None}: each input object one request,
 * its {@code .out} the answer), streamed record by record: one task per pair of documents,
 * one record of each held at a time, so memory does not grow with a document's size.
 *
 * <p>Where a document's records are is a <i>path</i> the driver chose from the first
 * document's {@link #outline}: {@code *} then the keys down to a list whose elements are the
 * records ({@code "*\0instances"}, {@code "*"} for a top-level list), or {@code 1} then the
 * keys of the one value that is the record ({@code "1"}: the whole document, SageMaker's
 * additions left out). A scalar record is written as a one-value list.
 *
 * <p>A row per record position: (pair, position, input, output, id, time, reason, raw). The
 * answer's {@code SageMakerInferenceId} and {@code SageMakerInferenceTime} are every row's
 * id and time (found by a first pass over the answer, which also checks it is one JSON
 * document). The request's records come from the input object, or, when only the answers are
 * read, from the joined answer's copy of the input (its own path). A record on one side only
 * fails with {@link #MISMATCH}; a document that breaks fails once with its reason.
 */
public final class DocumentRecords {
  static final String MISMATCH = "input and output record counts differ";
  static final Set<String> ADDED =
      Set.of(JsonLinePairs.ID, JsonLinePairs.TIME, JsonLinePairs.OUTPUT, JsonLinePairs.INPUT);
  private static final int OUTLINE_FIELDS = 1000;

  private DocumentRecords() {}

  /**
   * The records of {@code listed} ({@code input \0 output \0} per pair, "" for a side not
   * read): the request's at {@code inputPath} (in the input object, or in the answer when no
   * input object is listed), the answer's at {@code outputPath}; "" for a side not read.
   */
  public static Dataset<Row> read(
      SparkSession spark, String listed, String inputPath, String outputPath) {
    return frame(
        spark,
        PairedLines.perPair(
            spark,
            listed,
            (conf, id, input, output) -> new Pair(conf, id, input, output, inputPath, outputPath)));
  }

  /** Rows of (pair, position, input, output, id, time, reason, raw) as a frame. */
  static Dataset<Row> frame(SparkSession spark, JavaRDD<Row> rows) {
    StructType schema =
        new StructType()
            .add("pair", DataTypes.IntegerType, false)
            .add("position", DataTypes.LongType, false)
            .add("input", DataTypes.StringType, true)
            .add("output", DataTypes.StringType, true)
            .add("id", DataTypes.StringType, true)
            .add("time", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, true)
            .add("raw", DataTypes.StringType, true);
    return spark.createDataFrame(rows, schema);
  }

  /**
   * The top level of a document, read on the driver without holding it: its type and, for
   * an object, each field's name, type, and (for a list) its first element's type; {@code
   * SageMakerOutput} and {@code SageMakerInput} outlined a level deeper. JSON text.
   */
  public static String outline(SparkSession spark, String file) {
    Configuration conf = spark.sessionState().newHadoopConf();
    try (BufferedReader reader = PairedLines.open(conf, file);
        JsonParser parser = Json.SPARK_DEFAULTS.createParser(reader)) {
      JsonToken token = parser.nextToken();
      return Json.write(token == null ? Map.of("type", "none") : outlined(parser, token, 2));
    } catch (IOException err) {
      return Json.write(Map.of("type", "broken"));
    }
  }

  /**
   * The value at {@code token}: its type, a list's first element's type, and (with {@code
   * depth} above 0) an object's fields, each outlined at depth 0 but SageMaker's additions,
   * a level deeper.
   */
  private static Map<String, Object> outlined(JsonParser parser, JsonToken token, int depth)
      throws IOException {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("type", kind(token));
    if (token == JsonToken.START_ARRAY) {
      JsonToken first = parser.nextToken();
      node.put("first", first == JsonToken.END_ARRAY ? "none" : kind(first));
      if (first != JsonToken.END_ARRAY) {
        parser.skipChildren();
        skipRest(parser);
      }
    } else if (token == JsonToken.START_OBJECT && depth > 0) {
      List<Map<String, Object>> fields = new ArrayList<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.getCurrentName();
        JsonToken value = parser.nextToken();
        if (fields.size() >= OUTLINE_FIELDS) {
          parser.skipChildren();
          continue;
        }
        Map<String, Object> field = outlined(parser, value, ADDED.contains(name) ? depth - 1 : 0);
        field.put("name", name);
        fields.add(field);
      }
      node.put("fields", fields);
    } else {
      parser.skipChildren();
    }
    return node;
  }

  /** Past the end of the list the parser is in (its first element read). */
  private static void skipRest(JsonParser parser) throws IOException {
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY && token != null) {
      parser.skipChildren();
    }
  }

  private static String kind(JsonToken token) {
    if (token == null) {
      return "none";
    }
    switch (token) {
      case START_OBJECT:
        return "object";
      case START_ARRAY:
        return "array";
      default:
        return "scalar";
    }
  }

  /** One pair's rows, both sides in step. */
  private static final class Pair extends LookAhead<Row> {
    private final int pair;
    private final List<JsonRecords> open = new ArrayList<>();
    private JsonRecords input;
    private JsonRecords output;
    private String id;
    private String time;
    private long position;
    private Row pending;  // a failure found before the first record
    private boolean done;

    Pair(
        Configuration conf,
        int pair,
        String inputName,
        String outputName,
        String inputPath,
        String outputPath) {
      this.pair = pair;
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener((TaskCompletionListener) context -> close());
      }
      if (!outputName.isEmpty()) {
        String broken = check(conf, outputName);
        if (broken != null) {
          pending = failed("output is not one JSON document", broken);
          return;
        }
        if (!outputPath.isEmpty()) {
          output = opened(new JsonRecords(conf, outputName, outputPath, "output"));
        }
      }
      if (!inputPath.isEmpty()) {
        String from = inputName.isEmpty() ? outputName : inputName;
        input = opened(new JsonRecords(conf, from, inputPath, "input"));
      }
    }

    private JsonRecords opened(JsonRecords records) {
      open.add(records);
      return records;
    }

    /** Null, or the answer's first characters when it is not one JSON document. */
    private String check(Configuration conf, String name) {
      try (BufferedReader reader = PairedLines.open(conf, name);
          JsonParser parser = Json.SPARK_DEFAULTS.createParser(reader)) {
        JsonToken token = parser.nextToken();
        if (token == null) {
          return "";
        }
        if (token == JsonToken.START_OBJECT) {
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.getCurrentName();
            JsonToken value = parser.nextToken();
            if (value.isScalarValue() && field.equals(JsonLinePairs.ID)) {
              id = parser.getText();
            } else if (value.isScalarValue() && field.equals(JsonLinePairs.TIME)) {
              time = parser.getText();
            } else {
              parser.skipChildren();
            }
          }
        } else {
          parser.skipChildren();
        }
        return parser.nextToken() == null ? null : JsonRecords.excerpt(conf, name);
      } catch (IOException err) {
        return JsonRecords.excerpt(conf, name);
      }
    }

    @Override
    protected Row ahead() {
      if (pending != null || done) {  // a failure ends the pair
        Row row = pending;
        pending = null;
        done = true;
        close();
        return row;
      }
      String request = input == null ? null : input.next();
      String answer = output == null ? null : output.next();
      for (JsonRecords side : new JsonRecords[] {input, output}) {
        if (side != null && side.error != null) {
          done = true;
          close();
          return failed(side.error, side.raw);
        }
      }
      boolean inputEnded = input != null && request == null;
      boolean outputEnded = output != null && answer == null;
      if ((input == null || inputEnded) && (output == null || outputEnded)) {
        done = true;
        close();
        return null;
      }
      if (inputEnded || outputEnded) {
        String raw = request != null ? request : answer;
        return RowFactory.create(pair, position++, null, null, id, time, MISMATCH, raw);
      }
      return RowFactory.create(pair, position++, request, answer, id, time, null, null);
    }

    private Row failed(String reason, String raw) {
      return RowFactory.create(pair, position, null, null, id, time, reason, raw);
    }

    private void close() {
      for (JsonRecords records : open) {
        records.close();
      }
      open.clear();
    }

  }

}
