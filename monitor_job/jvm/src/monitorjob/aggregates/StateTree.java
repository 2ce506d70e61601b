package monitorjob.aggregates;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.types.DataTypes;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * The profile's scan and merge, spread over the cluster with memory flat in the number of
 * partitions.
 *
 * <p>Each input partition's task profiles its rows into one state (partitions without rows
 * give none). The states are then merged in levels: at each level, the states whose ids
 * fall in one range of {@code fanIn} ids (ids {@code g * fanIn} to {@code g * fanIn +
 * fanIn - 1}) are one group, shuffled to one task, sorted by id there (Spark's external
 * sort, which spills) and folded one at a time into an empty state; the group's number is
 * its id at the next level. The last level has one group: the profile.
 *
 * <p><b>Same input, same bytes.</b> KLL compaction and floating-point sums depend on the
 * order of merges. The tree's shape depends only on the partition ids, and each group is
 * folded in id order, so the result is the same whatever order the shuffle blocks arrive
 * in, and whichever task ran again. A task holds the state it folds into and the one it
 * adds, never a group's states at once; the driver receives one state. With at most
 * {@code fanIn} partitions there is one level, the fold of {@link ProfileAggregator} (every
 * partition in id order into an empty state): the same bytes.
 */
final class StateTree {
  static final int FAN_IN = 32;

  private StateTree() {}

  /**
   * The profile state of {@code frame}: scanned once, merged in levels of {@code fanIn}. What
   * the frame observes ({@code Dataset.observe}: metrics computed as the scan passes) is put
   * in {@code observed} by name.
   */
  static ProfileState run(
      Dataset<Row> frame, ProfileSpec spec, int fanIn, Map<String, Row> observed) {
    if (fanIn < 2) {
      throw new IllegalArgumentException("a merge level needs a fan-in of 2 or more");
    }
    QueryExecution execution = inputs(frame, spec);
    JavaRDD<InternalRow> rows = execution.toRdd().toJavaRDD();
    int span = rows.getNumPartitions();
    JavaPairRDD<Integer, byte[]> level = states(rows, spec);
    do {
      int groups = (span + fanIn - 1) / fanIn;
      level =
          level
              .repartitionAndSortWithinPartitions(new Groups(fanIn, groups))
              .mapPartitionsToPair(sorted -> new Folds(spec, sorted, fanIn));
      span = groups;
    } while (span > 1);
    List<Tuple2<Integer, byte[]>> out = level.collect();
    observed.putAll(JavaConverters.mapAsJavaMap(execution.observedMetrics()));
    return out.isEmpty() ? spec.emptyState() : ProfileState.fromBytes(out.get(0)._2());
  }

  /** The query of the profile's input columns of {@code frame}. */
  private static QueryExecution inputs(Dataset<Row> frame, ProfileSpec spec) {
    return frame.select(ProfileAggregator.inputs(spec)).queryExecution();
  }

  private static JavaPairRDD<Integer, byte[]> states(JavaRDD<InternalRow> rows, ProfileSpec spec) {
    return rows.mapPartitionsWithIndex((id, it) -> scan(spec, id, it), true)
        .mapToPair(pair -> pair);
  }

  /** Every input partition's state by partition id (null: no rows), on the driver. */
  static List<byte[]> partitions(Dataset<Row> frame, ProfileSpec spec) {
    JavaRDD<InternalRow> rows = inputs(frame, spec).toRdd().toJavaRDD();
    byte[][] out = new byte[rows.getNumPartitions()][];
    for (Tuple2<Integer, byte[]> state : states(rows, spec).collect()) {
      out[state._1()] = state._2();
    }
    return Arrays.asList(out);
  }

  /** One input partition's state (none when it had no rows). */
  private static Iterator<Tuple2<Integer, byte[]>> scan(
      ProfileSpec spec, int id, Iterator<InternalRow> it) {
    if (!it.hasNext()) {
      return Collections.emptyIterator();
    }
    Expression[] inputs = new Expression[spec.width() + 2];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = new BoundReference(i, DataTypes.StringType, true);
    }
    ProfileAggregator.Rows update = new ProfileAggregator.Rows(spec, inputs);
    ProfileState state = spec.emptyState();
    while (it.hasNext()) {
      update.add(state, it.next());
    }
    return Collections.singletonList(new Tuple2<>(id, state.bytes())).iterator();
  }

  /**
   * The tree on one machine, for the states of a frame of {@code partitions} partitions given
   * in any order (each id once): the same levels and folds as {@link #run}, which a test
   * compares it with.
   */
  static byte[] merge(
      ProfileSpec spec, int partitions, List<Integer> ids, List<byte[]> states, int fanIn) {
    List<Tuple2<Integer, byte[]>> level = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      level.add(new Tuple2<>(ids.get(i), states.get(i)));
    }
    int span = partitions;
    do {
      level.sort(Comparator.comparing(Tuple2::_1));
      List<Tuple2<Integer, byte[]>> next = new ArrayList<>();
      new Folds(spec, level.iterator(), fanIn).forEachRemaining(next::add);
      level = next;
      span = (span + fanIn - 1) / fanIn;
    } while (span > 1);
    return level.isEmpty() ? spec.emptyState().bytes() : level.get(0)._2();
  }

  /** A level's groups: ids {@code g * fanIn ..} go to the task of group {@code g}. */
  static final class Groups extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int fanIn;
    private final int groups;

    Groups(int fanIn, int groups) {
      this.fanIn = fanIn;
      this.groups = groups;
    }

    @Override
    public int numPartitions() {
      return groups;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key / fanIn;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Groups
          && ((Groups) other).fanIn == fanIn
          && ((Groups) other).groups == groups;
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(new int[] {fanIn, groups});
    }
  }

  /**
   * States sorted by id, folded group by group as they are read: each group's states in id
   * order into an empty state, given out as {@code (group, state)}.
   */
  static final class Folds implements Iterator<Tuple2<Integer, byte[]>> {
    private final ProfileSpec spec;
    private final Iterator<Tuple2<Integer, byte[]>> sorted;
    private final int fanIn;
    private Tuple2<Integer, byte[]> ahead;

    Folds(ProfileSpec spec, Iterator<Tuple2<Integer, byte[]>> sorted, int fanIn) {
      this.spec = spec;
      this.sorted = sorted;
      this.fanIn = fanIn;
      ahead = sorted.hasNext() ? sorted.next() : null;
    }

    @Override
    public boolean hasNext() {
      return ahead != null;
    }

    @Override
    public Tuple2<Integer, byte[]> next() {
      if (ahead == null) {
        throw new NoSuchElementException();
      }
      int group = ahead._1() / fanIn;
      ProfileState folded = spec.emptyState();
      int last = -1;
      while (ahead != null && ahead._1() / fanIn == group) {
        if (ahead._1() == last) {
          throw new IllegalStateException("partition " + last + " gave two states");
        }
        last = ahead._1();
        folded.merge(ProfileState.fromBytes(ahead._2()));
        ahead = sorted.hasNext() ? sorted.next() : null;
      }
      return new Tuple2<>(group, folded.bytes());
    }
  }
}
