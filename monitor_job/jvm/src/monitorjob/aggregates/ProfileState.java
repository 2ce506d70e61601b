package monitorjob.aggregates;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

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
  static final String MAGIC = "monitor-job analyzer states v2";

  /** Version 1: the body right after the magic, no checksum; still read. */
  static final String MAGIC_V1 = "monitor-job analyzer states v1";

  /**
   * What the distinct-count sketches (HLL) are fed: 32-bit {@code UTF8String.hashCode}, the
   * only hash of version 1 and of the first version-2 states, still read. Sketches fed
   * different hashes estimate different things and are never merged into one count ({@link
   * #merge}).
   */
  static final int HASH_UTF8_32 = 1;

  /** A 64-bit XXH64 of the value's bytes ({@link ColumnState#hash64}): new states'. */
  static final int HASH_XXH64 = 2;

  static final String[] HASH_NAMES = {"", "utf8-hashcode-32", "utf8-xxh64"};

  /** Where a version-2 header's hash byte is: after the magic's 2-byte length and text. */
  private static final int HASH_AT = 2 + MAGIC.length();

  /** Features a state may describe (each name takes at least its 4-byte length). */
  static final int MAX_FEATURES = 100_000;

  final String[] features;
  final ColumnState[] columns;
  final RecordsState records;
  int hash = HASH_XXH64;
  private final HashMap<String, Integer> index = new HashMap<>();

  ProfileState(String[] features, ColumnState[] columns, RecordsState records) {
    this.features = features;
    this.columns = columns;
    this.records = records;
    for (int i = 0; i < features.length; i++) {
      index.put(features[i], i);
    }
  }

  /**
   * Adds {@code other} (the same features) into this state. States of different hashes
   * merge only when one of them has no distinct-count sketch (its exact value counts are
   * free of any hash; the sum keeps the other's hash).
   */
  void merge(ProfileState other) {
    if (other.hash != hash && other.sketched()) {
      if (sketched()) {
        throw new IllegalArgumentException(
            "distinct-count sketches of different hashes cannot merge into one count: "
                + hashName(hash)
                + " and "
                + hashName(other.hash));
      }
      rehash(other.hash);
    }
    for (int i = 0; i < columns.length; i++) {
      columns[i].merge(other.columns[i]);
    }
    records.merge(other.records);
  }

  /** Whether a column holds a distinct-count sketch (its hash then matters). */
  boolean sketched() {
    return sketched(columns);
  }

  private static boolean sketched(ColumnState[] columns) {
    for (ColumnState column : columns) {
      if (column.hll != null) {
        return true;
      }
    }
    return false;
  }

  private void rehash(int to) {
    hash = to;
    for (ColumnState column : columns) {
      column.hash = to;
    }
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

  /**
   * This state as bytes (the persisted form, version 2): the magic, the sketches' hash (a
   * byte), the body's length (an int) and CRC-32, then the body: the features, each
   * column's state, the records' state. The checksum tells a damaged copy from a state.
   */
  public byte[] bytes() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(body)) {
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
    byte[] data = body.toByteArray();
    CRC32 crc = new CRC32();
    crc.update(data);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(data.length + 48);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(MAGIC);
      out.writeByte(hash);
      out.writeInt(data.length);
      out.writeInt((int) crc.getValue());
      out.write(data);
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

  /**
   * The header of a persisted state, its checksum verified (version 2) or its whole body
   * read (version 1, which has none): {@code {"version", "hash", "sketched", "features"}}
   * as JSON ({@code sketched}: a state of an older hash has a distinct-count sketch; false
   * for the current hash). A state that is damaged anywhere is refused here, with the
   * reason, before any merge.
   */
  public static String header(byte[] data) {
    try (DataInputStream in = body(data)) {
      String[] names = readFeatures(in);
      boolean v1 = isV1(data);
      int hash = v1 ? HASH_UTF8_32 : data[HASH_AT];
      boolean sketched = false;
      if (hash != HASH_XXH64) { // whether an older hash matters: read every column
        ColumnState[] columns = readColumns(in, names.length);
        RecordsState.read(in);
        atEnd(in);
        sketched = sketched(columns);
      }
      Map<String, Object> header = new LinkedHashMap<>();
      header.put("version", v1 ? 1 : 2);
      header.put("hash", hashName(hash));
      header.put("sketched", sketched);
      header.put("features", Arrays.asList(names));
      return Json.write(header);
    } catch (IOException | RuntimeException err) {
      throw new IllegalArgumentException("cannot read a monitor-job state file: " + err, err);
    }
  }

  /** A persisted state; a clear error for bytes that are not one, or a damaged one. */
  public static ProfileState fromBytes(byte[] data) {
    try (DataInputStream in = body(data)) {
      int hash = isV1(data) ? HASH_UTF8_32 : data[HASH_AT];
      if (hash != HASH_UTF8_32 && hash != HASH_XXH64) {
        throw new IOException("its distinct-count sketches use hash " + hashName(hash)
            + ", which this version cannot merge");
      }
      String[] features = readFeatures(in);
      ColumnState[] columns = readColumns(in, features.length);
      ProfileState state = new ProfileState(features, columns, RecordsState.read(in));
      atEnd(in);
      state.rehash(hash);
      return state;
    } catch (IOException | RuntimeException err) {
      throw new IllegalArgumentException("cannot read a monitor-job state file: " + err, err);
    }
  }

  private static String hashName(int hash) {
    return hash > 0 && hash < HASH_NAMES.length ? HASH_NAMES[hash] : "unknown (" + hash + ")";
  }

  private static boolean isV1(byte[] data) {
    return startsWith(data, MAGIC_V1);
  }

  private static boolean startsWith(byte[] data, String magic) {
    byte[] want = magic.getBytes(StandardCharsets.UTF_8);
    if (data.length < want.length + 2 || data[0] != 0 || data[1] != want.length) {
      return false;
    }
    for (int i = 0; i < want.length; i++) {
      if (data[i + 2] != want[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The body of a persisted state, past its header; for version 2 its length and checksum
   * verified first.
   */
  private static DataInputStream body(byte[] data) throws IOException {
    if (isV1(data)) {
      int at = 2 + MAGIC_V1.length();
      return new DataInputStream(new ByteArrayInputStream(data, at, data.length - at));
    }
    if (!startsWith(data, MAGIC)) {
      throw new IOException("not a monitor-job state file (no \"" + MAGIC + "\" header)");
    }
    int at = HASH_AT + 1;
    if (data.length < at + 8) {
      throw new IOException("the file is damaged: it ends inside its header");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, at, data.length - at));
    int length = in.readInt();
    int want = in.readInt();
    if (length != in.available()) {
      throw new IOException(
          "the file is damaged: its body is " + in.available() + " bytes, its header says "
              + length);
    }
    CRC32 crc = new CRC32();
    crc.update(data, data.length - length, length);
    if ((int) crc.getValue() != want) {
      throw new IOException("the file is damaged: its checksum does not match");
    }
    return in;
  }

  private static String[] readFeatures(DataInputStream in) throws IOException {
    String[] names = new String[Bounds.count(in, 4, MAX_FEATURES, "features")];
    for (int i = 0; i < names.length; i++) {
      names[i] = new String(Bounds.bytes(in, "a feature name"), StandardCharsets.UTF_8);
    }
    return names;
  }

  private static ColumnState[] readColumns(DataInputStream in, int n) throws IOException {
    ColumnState[] columns = new ColumnState[n];
    for (int i = 0; i < n; i++) {
      columns[i] = ColumnState.read(in);
    }
    return columns;
  }

  private static void atEnd(DataInputStream in) throws IOException {
    if (in.available() != 0) {
      throw new IOException("the file is damaged: " + in.available() + " bytes after its end");
    }
  }
}
