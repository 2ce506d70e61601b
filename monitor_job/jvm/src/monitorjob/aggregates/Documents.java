package monitorjob.aggregates;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * A batch transform's JSON documents ({@code SplitType=None}: one request per object, one
 * answer per {@code .out}), each read whole by one task.
 *
 * <p>A row per pair of the listing (an input object, its output, or both): the input's text
 * as it is; the output's with SageMaker's additions taken out of it. {@code
 * SageMakerInferenceId} and {@code SageMakerInferenceTime} (GenerateInferenceId) become the
 * row's id and time; with {@code JoinSource=Input} the model's answer is {@code
 * SageMakerOutput}, and the input's copy is {@code SageMakerInput} (an input that was not an
 * object) or the rest of the document. A document larger than the bound, or an output that
 * is not one JSON document, is a row with its reason and, as {@code raw}, the document's
 * first characters (its name when it is too large).
 */
public final class Documents {
  static final String ID = "SageMakerInferenceId";
  static final String TIME = "SageMakerInferenceTime";
  static final String OUTPUT = "SageMakerOutput";
  static final String INPUT = "SageMakerInput";
  static final int RAW = 1000;
  static final String MISMATCH = "input and output line counts differ";

  private Documents() {}

  /**
   * The documents of {@code listed} ({@code input \0 output \0} per pair, either name empty
   * when that side is not read), each at most {@code limit} characters; with {@code lines},
   * each pair's lines in step instead (JSON Lines, {@code SplitType=Line}), a line on one side
   * only failing with {@link #MISMATCH}.
   */
  public static Dataset<Row> read(SparkSession spark, String listed, long limit, boolean lines) {
    String[] fields = listed.split("\0", -1);
    if (fields.length % 2 != 1 || !fields[fields.length - 1].isEmpty()) {
      throw new IllegalArgumentException("a listing of pairs is input and output per pair");
    }
    List<String[]> pairs = new ArrayList<>();
    for (int i = 0; i + 1 < fields.length; i += 2) {
      pairs.add(new String[] {fields[i], fields[i + 1]});
    }
    SerializableConfiguration conf =
        new SerializableConfiguration(spark.sessionState().newHadoopConf());
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      ids.add(i);
    }
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> rows =
        context
            .parallelize(ids, Math.max(1, ids.size()))
            .mapPartitions(
                part -> {
                  if (!part.hasNext()) {
                    return Collections.emptyIterator();
                  }
                  int id = part.next();
                  String[] pair = pairs.get(id);
                  if (lines) {
                    return new Answers(new PairedLines.Lines(conf.value(), id, pair[0], pair[1]));
                  }
                  Row row = document(conf.value(), id, pair[0], pair[1], limit);
                  return Collections.singletonList(row).iterator();
                });
    StructType schema =
        new StructType()
            .add("pair", DataTypes.IntegerType, false)
            .add("raw", DataTypes.StringType, true)
            .add("input", DataTypes.StringType, true)
            .add("output", DataTypes.StringType, true)
            .add("copy", DataTypes.StringType, true)
            .add("id", DataTypes.StringType, true)
            .add("time", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, true);
    return spark.createDataFrame(rows, schema);
  }

  static Row document(Configuration conf, int pair, String input, String output, long limit) {
    String given = null;
    if (!input.isEmpty()) {
      given = text(conf, input, limit);
      if (given == null) {
        return failed(pair, input, "document larger than " + limit + " characters");
      }
    }
    if (output.isEmpty()) {
      return RowFactory.create(pair, null, given, null, null, null, null, null);
    }
    String answer = text(conf, output, limit);
    if (answer == null) {
      return failed(pair, output, "document larger than " + limit + " characters");
    }
    return answered(mapper(), pair, given, answer, "output is not one JSON document");
  }

  static ObjectMapper mapper() {
    return new ObjectMapper(Json.SPARK_DEFAULTS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** The request and the model's answer, SageMaker's additions taken out of the answer. */
  static Row answered(
      ObjectMapper mapper, int pair, String given, String answer, String malformed) {
    JsonNode doc;
    try {
      doc = mapper.readTree(answer);
    } catch (JsonProcessingException err) {
      return failed(pair, excerpt(answer), malformed);
    }
    if (doc == null || doc.isMissingNode()) {
      return failed(pair, excerpt(answer), malformed);
    }
    if (!doc.isObject()) {
      return RowFactory.create(pair, null, given, answer, null, null, null, null);
    }
    ObjectNode object = (ObjectNode) doc;
    JsonNode id = object.remove(ID);
    JsonNode time = object.remove(TIME);
    JsonNode model = object.remove(OUTPUT);
    String copy = null;
    if (model != null) {
      JsonNode inputCopy = object.remove(INPUT);
      copy = Json.write(inputCopy != null ? inputCopy : object);
    }
    String kept = model != null ? Json.write(model) : Json.write(object);
    return RowFactory.create(
        pair, null, given, kept, copy, id == null ? null : id.asText(),
        time == null ? null : time.asText(), null);
  }

  private static Row failed(int pair, String raw, String reason) {
    return RowFactory.create(pair, raw, null, null, null, null, null, reason);
  }

  private static String excerpt(String text) {
    return text.length() <= RAW ? text : text.substring(0, RAW) + "...";
  }

  /** Paired lines as rows of {@link #read}; lines blank on both sides skipped. */
  private static final class Answers implements Iterator<Row> {
    private final Iterator<Row> lines;
    private final ObjectMapper mapper = mapper();
    private Row next;

    Answers(Iterator<Row> lines) {
      this.lines = lines;
      advance();
    }

    private void advance() {
      next = null;
      while (next == null && lines.hasNext()) {
        Row line = lines.next();
        int pair = line.getInt(0);
        String input = line.getString(2);
        String output = line.getString(3);
        if (blank(input) && blank(output)) {
          continue;
        }
        if (input == null || output == null) {
          next = failed(pair, excerpt(input != null ? input : output), MISMATCH);
        } else {
          next = answered(mapper, pair, input, output, "malformed JSON line");
        }
      }
    }

    private static boolean blank(String text) {
      return text == null || text.trim().isEmpty();
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public Row next() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      Row row = next;
      advance();
      return row;
    }
  }

  /** The file's whole text, or null when it holds more than {@code limit} characters. */
  static String text(Configuration conf, String name, long limit) {
    StringBuilder out = new StringBuilder();
    char[] buffer = new char[1 << 16];
    try (BufferedReader reader = PairedLines.open(conf, name)) {
      int n;
      while ((n = reader.read(buffer)) > 0) {
        if (out.length() + (long) n > limit) {
          return null;
        }
        out.append(buffer, 0, n);
      }
    } catch (IOException err) {
      throw new UncheckedIOException(err);
    }
    return out.toString();
  }
}
