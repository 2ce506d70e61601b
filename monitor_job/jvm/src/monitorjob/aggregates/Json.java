package monitorjob.aggregates;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * JSON in the JVM: aggregate results leave it as JSON text, and the decoder's readers parse
 * with Spark's reader defaults (Jackson ships with Spark).
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

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

  /** A parser over a Spark string's UTF-8 bytes, in place when they are on the heap. */
  static JsonParser parser(JsonFactory factory, UTF8String text) throws IOException {
    if (text.getBaseObject() instanceof byte[]) {
      int offset = (int) (text.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET);
      return factory.createParser((byte[]) text.getBaseObject(), offset, text.numBytes());
    }
    return factory.createParser(text.getBytes());
  }

  /** The parser's current value (consumed whole) as Spark writes a JSON value into a
   * string: through Jackson's generator. */
  static UTF8String written(JsonParser parser) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator generator = SPARK_DEFAULTS.createGenerator(out)) {
      generator.copyCurrentStructure(parser);
    }
    return UTF8String.fromBytes(out.toByteArray());
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
