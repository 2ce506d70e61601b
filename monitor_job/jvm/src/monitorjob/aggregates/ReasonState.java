package monitorjob.aggregates;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records that were not decoded, counted by reason, with the first few failed ones kept as
 * samples (skipped reasons are counted, never sampled).
 */
final class ReasonState {
  /** Distinct reasons kept by name (a handler's messages may differ per record). */
  static final int MAX_REASONS = 1000;
  static final String OTHER = "other reasons";
  static final int RAW_CHARS = 500;

  final LinkedHashMap<String, Long> counts = new LinkedHashMap<>();
  final ArrayList<String[]> samples = new ArrayList<>();

  private void count(String reason, long n) {
    String key = counts.containsKey(reason) || counts.size() < MAX_REASONS ? reason : OTHER;
    counts.merge(key, n, Long::sum);
  }

  void add(String reason, String raw, int maxSamples, Set<String> skipped) {
    count(reason, 1L);
    if (samples.size() < maxSamples && !skipped.contains(reason)) {
      String line = raw == null ? "" : raw;
      samples.add(
          new String[] {reason, line.length() > RAW_CHARS ? line.substring(0, RAW_CHARS) : line});
    }
  }

  void merge(ReasonState other, int maxSamples) {
    other.counts.forEach(this::count);
    for (String[] sample : other.samples) {
      if (samples.size() >= maxSamples) {
        break;
      }
      samples.add(sample);
    }
  }

  Map<String, Object> result() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("counts", counts);
    List<List<String>> picked = new ArrayList<>();
    for (String[] sample : samples) {
      picked.add(Arrays.asList(sample));
    }
    out.put("samples", picked);
    return out;
  }

  void write(DataOutputStream out) throws IOException {
    out.writeInt(counts.size());
    for (Map.Entry<String, Long> entry : counts.entrySet()) {
      ColumnState.writeBytes(out, entry.getKey().getBytes(StandardCharsets.UTF_8));
      out.writeLong(entry.getValue());
    }
    out.writeInt(samples.size());
    for (String[] sample : samples) {
      for (String part : sample) {
        ColumnState.writeBytes(out, part.getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  static ReasonState read(DataInputStream in) throws IOException {
    ReasonState state = new ReasonState();
    // a reason: its length (4) and its count (8); a sample: two lengths (8)
    int size = Bounds.count(in, 12, Integer.MAX_VALUE, "reasons");
    for (int i = 0; i < size; i++) {
      String reason = new String(ColumnState.readBytes(in), StandardCharsets.UTF_8);
      state.counts.put(reason, Bounds.tally(in, "a reason's count"));
    }
    int samples = Bounds.count(in, 8, Integer.MAX_VALUE, "failure samples");
    for (int i = 0; i < samples; i++) {
      String reason = new String(ColumnState.readBytes(in), StandardCharsets.UTF_8);
      String raw = new String(ColumnState.readBytes(in), StandardCharsets.UTF_8);
      state.samples.add(new String[] {reason, raw});
    }
    return state;
  }
}
