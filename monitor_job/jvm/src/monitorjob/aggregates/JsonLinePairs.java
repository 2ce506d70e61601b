package monitorjob.aggregates;

import java.util.Iterator;
import java.util.NoSuchElementException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A batch transform's JSON Lines inputs paired with their outputs ({@code SplitType=Line}):
 * each pair of objects read by one task, line <i>i</i> of each in step ({@link PairedLines}).
 *
 * <p>A row per pair of lines: the input's line as it is; the output's with SageMaker's
 * additions taken out of it. {@code SageMakerInferenceId} and {@code SageMakerInferenceTime}
 * (GenerateInferenceId) become the row's id and time; with {@code JoinSource=Input} the
 * model's answer is {@code SageMakerOutput} (the input's copy beside it is not kept: the
 * input line is read). An output line that is not one JSON value, or a line on one side
 * only, is a row with its reason and, as {@code raw}, the line's first characters.
 */
public final class JsonLinePairs {
  static final String ID = "SageMakerInferenceId";
  static final String TIME = "SageMakerInferenceTime";
  static final String OUTPUT = "SageMakerOutput";
  static final String INPUT = "SageMakerInput";
  static final int RAW = 1000;
  static final String MISMATCH = "input and output line counts differ";

  private JsonLinePairs() {}

  /**
   * The lines of {@code listed} ({@code input \0 output \0} per pair), each pair's in step,
   * a line on one side only failing with {@link #MISMATCH}.
   */
  public static Dataset<Row> read(SparkSession spark, String listed) {
    JavaRDD<Row> rows =
        PairedLines.perPair(
            spark, listed, (conf, id, input, output) -> new Answers(new PairedLines.Lines(conf, id, input, output)));
    StructType schema =
        new StructType()
            .add("pair", DataTypes.IntegerType, false)
            .add("raw", DataTypes.StringType, true)
            .add("input", DataTypes.StringType, true)
            .add("output", DataTypes.StringType, true)
            .add("id", DataTypes.StringType, true)
            .add("time", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, true);
    return spark.createDataFrame(rows, schema);
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
      return RowFactory.create(pair, null, given, answer, null, null, null);
    }
    ObjectNode object = (ObjectNode) doc;
    JsonNode id = object.remove(ID);
    JsonNode time = object.remove(TIME);
    JsonNode model = object.remove(OUTPUT);
    object.remove(INPUT);
    String kept = model != null ? Json.write(model) : Json.write(object);
    return RowFactory.create(
        pair, null, given, kept, id == null ? null : id.asText(),
        time == null ? null : time.asText(), null);
  }

  private static Row failed(int pair, String raw, String reason) {
    return RowFactory.create(pair, raw, null, null, null, null, reason);
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
}
