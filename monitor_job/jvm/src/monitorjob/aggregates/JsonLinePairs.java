package monitorjob.aggregates;

import java.util.Iterator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

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
    return DocumentRecords.frame(
        spark,
        PairedLines.perPair(
            spark,
            listed,
            (conf, id, input, output) ->
                new Answers(new PairedLines.Lines(conf, id, input, output))));
  }

  static ObjectMapper mapper() {
    return new ObjectMapper(Json.SPARK_DEFAULTS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** The request and the model's answer, SageMaker's additions taken out of the answer. */
  static Row answered(
      ObjectMapper mapper, int pair, long line, String given, String answer, String malformed) {
    JsonNode doc;
    try {
      doc = mapper.readTree(answer);
    } catch (JsonProcessingException err) {
      return failed(pair, line, excerpt(answer), malformed);
    }
    if (doc == null || doc.isMissingNode()) {
      return failed(pair, line, excerpt(answer), malformed);
    }
    if (!doc.isObject()) {
      return RowFactory.create(pair, line, given, answer, null, null, null, null);
    }
    ObjectNode object = (ObjectNode) doc;
    JsonNode id = object.remove(ID);
    JsonNode time = object.remove(TIME);
    JsonNode model = object.remove(OUTPUT);
    object.remove(INPUT);
    String kept = model != null ? Json.write(model) : Json.write(object);
    return RowFactory.create(
        pair, line, given, kept, id == null ? null : id.asText(),
        time == null ? null : time.asText(), null, null);
  }

  private static Row failed(int pair, long line, String raw, String reason) {
    return RowFactory.create(pair, line, null, null, null, null, reason, raw);
  }

  private static String excerpt(String text) {
    return text.length() <= RAW ? text : text.substring(0, RAW) + "...";
  }

  /** Paired lines as rows of {@link #read}; lines blank on both sides skipped. */
  private static final class Answers extends LookAhead<Row> {
    private final Iterator<Row> lines;
    private final ObjectMapper mapper = mapper();

    Answers(Iterator<Row> lines) {
      this.lines = lines;
    }

    @Override
    protected Row ahead() {
      while (lines.hasNext()) {
        Row line = lines.next();
        int pair = line.getInt(0);
        long at = line.getLong(1);
        String input = line.getString(2);
        String output = line.getString(3);
        if (blank(input) && blank(output)) {
          continue;
        }
        if (input == null || output == null) {
          return failed(pair, at, excerpt(input != null ? input : output), MISMATCH);
        }
        return answered(mapper, pair, at, input, output, "malformed JSON line");
      }
      return null;
    }

    private static boolean blank(String text) {
      return text == null || text.trim().isEmpty();
    }
  }
}
