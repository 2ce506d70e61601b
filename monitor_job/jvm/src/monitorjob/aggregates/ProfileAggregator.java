package monitorjob.aggregates;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.TaskContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.functions;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The analyzers' aggregate: every column's {@link ColumnState} and the {@link
 * RecordsState}, one update per row (measured at 1M records, 53 separate aggregates cost
 * more in per-row dispatch than in their work). Its result is the {@link ProfileState} as
 * bytes, which the analyzers ({@link ColumnAnalyzer}, {@link RecordsAnalyzer}) read. It is
 * their aggregation function for Deequ's {@code AnalysisRunner.run}; the job's own scan is
 * {@link StateTree}, which shares its row update ({@link Rows}) and merges in levels (this
 * aggregate's single final task holds the states that wait for their turn).
 *
 * <p><b>Same input, same bytes.</b> Spark merges the partitions' buffers in the order they
 * arrive, which varies between runs; KLL compaction and floating-point sums depend on that
 * order. So a buffer keeps each partition's state by partition id and folds them strictly
 * in id order (partition 0, then 1, ...): as soon as the next partition in line is there
 * it is folded in, the others wait, and the result is the same however they arrived.
 */
public final class ProfileAggregator extends ObjectAggregate<ProfileAggregator.Buffer> {
  private static final long serialVersionUID = 1L;

  private final ProfileSpec spec;
  private transient Rows rows;

  ProfileAggregator(ProfileSpec spec, Expression[] inputs, int mutableOffset, int inputOffset) {
    super(inputs, mutableOffset, inputOffset);
    this.spec = spec;
  }

  /** The aggregate as an analyzer's aggregation functions. */
  static Seq<Column> functions(ProfileSpec spec) {
    return JavaConverters.asScalaBuffer(Arrays.asList(of(spec))).toList();
  }

  /** The aggregate over the spec's columns of the frame it is applied to. */
  public static Column of(ProfileSpec spec) {
    return new ProfileAggregator(spec, exprs(inputs(spec)), 0, 0).column();
  }

  /** The aggregate's inputs: the spec's columns, then its reason and raw record. */
  static Column[] inputs(ProfileSpec spec) {
    Column[] all = new Column[spec.width() + 2];
    for (int i = 0; i < spec.width(); i++) {
      all[i] = functions.col(spec.columns[i]);
    }
    all[spec.width()] = functions.col(spec.reason);
    all[spec.width() + 1] = functions.col(spec.raw);
    return all;
  }

  @Override
  ObjectAggregate<Buffer> copyWith(Expression[] inputs, int mutableOffset, int inputOffset) {
    return new ProfileAggregator(spec, inputs, mutableOffset, inputOffset);
  }

  /** Partitions' states waiting for their turn, and the fold of those whose turn came. */
  static final class Buffer {
    final ProfileSpec spec;
    int next; // partitions 0 .. next-1 are in {@code folded}
    ProfileState folded;
    final TreeMap<Integer, ProfileState> pending = new TreeMap<>();
    ProfileState current; // the partition this task updates (partial aggregation)

    Buffer(ProfileSpec spec) {
      this.spec = spec;
    }

    void fold() {
      ProfileState state;
      while ((state = pending.remove(next)) != null) {
        add(state);
        next++;
      }
    }

    private void add(ProfileState state) {
      if (folded == null) {
        // The first partition merges into an empty state, as Deequ's own aggregates
        // merge into their initial buffer: one partition's sketch is then Deequ's.
        folded = spec.emptyState();
      }
      folded.merge(state);
    }

    /** Everything, in partition order (partitions that had no rows leave gaps). */
    ProfileState all() {
      fold();
      for (Map.Entry<Integer, ProfileState> entry : pending.entrySet()) {
        add(entry.getValue());
      }
      pending.clear();
      return folded == null ? spec.emptyState() : folded;
    }
  }

  @Override
  public Buffer createAggregationBuffer() {
    return new Buffer(spec);
  }

  @Override
  void add(Buffer buffer, InternalRow row) {
    ProfileState state = buffer.current;
    if (state == null) {
      // Only the partial aggregation updates: its task's partition is the key.
      if (rows == null) {
        rows = new Rows(spec, inputs);
      }
      state = buffer.current = spec.emptyState();
      TaskContext task = TaskContext.get();
      buffer.pending.put(task == null ? 0 : task.partitionId(), state);
    }
    rows.add(state, row);
  }

  /**
   * Rows into a partition's state: {@code inputs} are the spec's columns, then its reason
   * and raw record (the profile's one update, shared by this aggregate and {@link
   * StateTree}).
   */
  static final class Rows {
    private final ProfileSpec spec;
    private final Expression[] inputs;
    private final HashSet<String> skipped;
    private final HashSet<UTF8String>[] domains;

    @SuppressWarnings("unchecked")
    Rows(ProfileSpec spec, Expression[] inputs) {
      this.spec = spec;
      this.inputs = inputs;
      skipped = spec.skippedSet();
      domains = new HashSet[spec.width()];
      for (int i = 0; i < domains.length; i++) {
        domains[i] = spec.domain(i);
      }
    }

    void add(ProfileState state, InternalRow row) {
      int width = spec.width();
      Object reason = inputs[width].eval(row);
      if (reason != null) {
        // A record that was not decoded: its values are all null and not the features'.
        Object raw = inputs[width + 1].eval(row);
        state.records.reasons.add(
            reason.toString(), raw == null ? null : raw.toString(), spec.samples, skipped);
        return;
      }
      state.records.size++;
      for (int i = 0; i < width; i++) {
        state.columns[i].add((UTF8String) inputs[i].eval(row), domains[i]);
      }
    }
  }

  @Override
  public Buffer merge(Buffer left, Buffer right) {
    for (Map.Entry<Integer, ProfileState> entry : right.pending.entrySet()) {
      ProfileState mine = left.pending.putIfAbsent(entry.getKey(), entry.getValue());
      if (mine != null) {
        mine.merge(entry.getValue()); // not seen from Spark: one partial buffer a partition
      }
    }
    if (right.folded != null) { // a buffer that folded already (not seen from Spark either)
      if (left.folded == null) { // then left.next is 0: nothing folded yet
        left.folded = right.folded;
        left.next = right.next;
      } else {
        left.folded.merge(right.folded);
      }
    }
    left.fold();
    return left;
  }

  @Override
  Object result(Buffer buffer) {
    return buffer.all().bytes();
  }

  @Override
  public byte[] serialize(Buffer buffer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(buffer.next);
      writeState(out, buffer.folded);
      out.writeInt(buffer.pending.size());
      for (Map.Entry<Integer, ProfileState> entry : buffer.pending.entrySet()) {
        out.writeInt(entry.getKey());
        writeState(out, entry.getValue());
      }
    } catch (IOException err) {
      throw new IllegalStateException("cannot serialise the profile", err);
    }
    return bytes.toByteArray();
  }

  private static void writeState(DataOutputStream out, ProfileState state) throws IOException {
    out.writeBoolean(state != null);
    if (state != null) {
      ColumnState.writeBytes(out, state.bytes());
    }
  }

  private static ProfileState readState(DataInputStream in) throws IOException {
    return in.readBoolean() ? ProfileState.fromBytes(ColumnState.readBytes(in)) : null;
  }

  @Override
  public Buffer deserialize(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      Buffer buffer = new Buffer(spec);
      buffer.next = in.readInt();
      buffer.folded = readState(in);
      int pending = in.readInt();
      for (int i = 0; i < pending; i++) {
        int id = in.readInt();
        buffer.pending.put(id, readState(in));
      }
      return buffer;
    } catch (IOException err) {
      throw new IllegalStateException("cannot read the profile", err);
    }
  }
}
