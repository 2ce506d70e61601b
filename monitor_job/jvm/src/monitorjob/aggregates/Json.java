package monitorjob.aggregates;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Aggregate results leave the JVM as JSON text (Jackson ships with Spark). */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException err) {
      throw new IllegalStateException("cannot write aggregate result as JSON", err);
    }
  }
}
