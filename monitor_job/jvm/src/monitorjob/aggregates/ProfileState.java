package monitorjob.aggregates;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.State;
import com.amazon.deequ.analyzers.StateLoader;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.Row;
import scala.Option;

/**
 * Every state of one profile: a {@link ColumnState} per feature and the {@link
 * RecordsState}. It is the {@code StateLoader} Deequ's runner reads the analyzers' states
 * from, and it is what a run persists beside its outputs ({@link #bytes}): Deequ's
 * file-system state provider serializes only Deequ's own state classes. A later run loads
 * several of these and Deequ's {@code runOnAggregatedStates} sums them, no data read.
 */
public final class ProfileState implements StateLoader {
  /** First bytes of a persisted profile state, with the format's version. */
  static final String MAGIC = "monitor-job analyzer states v1";

  final String[] features;
  final ColumnState[] columns;
  final RecordsState records;
  private final HashMap<String, Integer> index = new HashMap<>();

  ProfileState(String[] features, ColumnState[] columns, RecordsState records) {
    this.features = features;
    this.columns = columns;
    this.records = records;
    for (int i = 0; i < features.length; i++) {
      index.put(features[i], i);
    }
  }

  /** Adds {@code other} (the same features) into this state. */
  void merge(ProfileState other) {
    for (int i = 0; i < columns.length; i++) {
      columns[i].merge(other.columns[i]);
    }
    records.merge(other.records);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <S extends State<?>> Option<S> load(Analyzer<S, ?> analyzer) {
    if (analyzer instanceof RecordsAnalyzer) {
      return Option.apply((S) records);
    }
    if (analyzer instanceof ColumnAnalyzer) {
      Integer i = index.get(((ColumnAnalyzer) analyzer).feature);
      return i == null ? Option.empty() : Option.apply((S) columns[i]);
    }
    return Option.empty();
  }

  /** This state as bytes (the persisted form). */
  public byte[] bytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(MAGIC);
      out.writeInt(features.length);
      for (String feature : features) {
        ColumnState.writeBytes(out, feature.getBytes(StandardCharsets.UTF_8));
      }
      for (ColumnState column : columns) {
        column.write(out);
      }
      records.write(out);
    } catch (IOException err) {
      throw new IllegalStateException("cannot serialise the profile state", err);
    }
    return bytes.toByteArray();
  }

  /** The state in an aggregation result row (an analyzer's {@code fromAggregationResult}). */
  static Option<ProfileState> fromResult(Row result, int offset) {
    return result.isNullAt(offset)
        ? Option.empty()
        : Option.apply(fromBytes((byte[]) result.get(offset)));
  }

  /**
   * The state of a run that left only its statistics.json: {@code {"size": records,
   * "columns": [...]}} with one column per feature of {@code spec}, in its order, as
   * {@link ColumnState#fromJson} reads them.
   */
  public static ProfileState fromJson(String json, ProfileSpec spec) {
    try {
      JsonNode root = Json.MAPPER.readTree(json);
      ProfileState state = spec.emptyState();
      for (int i = 0; i < state.columns.length; i++) {
        state.columns[i] = ColumnState.fromJson(root.get("columns").get(i), spec.k, spec.cap);
      }
      state.records.size = root.get("size").asLong();
      return state;
    } catch (IOException err) {
      throw new IllegalArgumentException("not a statistics description: " + err, err);
    }
  }

  /** The features a persisted state describes, in order, read from its header alone. */
  public static String[] featuresOf(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      String magic = in.readUTF();
      if (!MAGIC.equals(magic)) {
        throw new IllegalArgumentException("not a monitor-job state file (" + magic + ")");
      }
      String[] names = new String[in.readInt()];
      for (int i = 0; i < names.length; i++) {
        names[i] = new String(ColumnState.readBytes(in), StandardCharsets.UTF_8);
      }
      return names;
    } catch (IOException | RuntimeException err) {
      throw new IllegalArgumentException("cannot read a monitor-job state file: " + err, err);
    }
  }

  /** A persisted state; a clear error for bytes that are not one. */
  public static ProfileState fromBytes(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      String magic = in.readUTF();
      if (!MAGIC.equals(magic)) {
        throw new IllegalArgumentException("not a monitor-job state file (" + magic + ")");
      }
      String[] features = new String[in.readInt()];
      for (int i = 0; i < features.length; i++) {
        features[i] = new String(ColumnState.readBytes(in), StandardCharsets.UTF_8);
      }
      ColumnState[] columns = new ColumnState[features.length];
      for (int i = 0; i < columns.length; i++) {
        columns[i] = ColumnState.read(in);
      }
      return new ProfileState(features, columns, RecordsState.read(in));
    } catch (IOException | RuntimeException err) {
      throw new IllegalArgumentException("cannot read a monitor-job state file: " + err, err);
    }
  }
}
