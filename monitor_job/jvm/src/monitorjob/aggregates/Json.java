package monitorjob.aggregates;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JSON in the JVM: aggregate results leave it as JSON text, and the decoder's readers parse
 * with Spark's reader defaults (Jackson ships with Spark).
 */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Spark's JSON reader defaults: single quotes and NaN/Infinity allowed. */
  static final JsonFactory SPARK_DEFAULTS =
      JsonFactory.builder()
          .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  private Json() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException err) {
      throw new IllegalStateException("cannot write aggregate result as JSON", err);
    }
  }

  /**
   * A reader with Spark's defaults and buffers of its own, for one expression instance: each
   * parser of Jackson 2.15's shared factory looks its buffers up in a thread-local, which
   * measured as the largest single cost of Spark's {@code from_json} at 1M records.
   */
  static JsonFactory reader() {
    return new OwnBuffers(new BufferRecycler());
  }

  private static final class OwnBuffers extends JsonFactory {
    private static final long serialVersionUID = 1L;
    private final transient BufferRecycler recycler;

    OwnBuffers(BufferRecycler recycler) {
      super(SPARK_DEFAULTS, null);
      this.recycler = recycler;
    }

    @Override
    public BufferRecycler _getBufferRecycler() {
      return recycler;
    }
  }
}
