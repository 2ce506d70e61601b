package monitorjob.aggregates;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.amazon.deequ.analyzers.Analysis;
import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.StateLoader;
import com.amazon.deequ.analyzers.runners.AnalysisRunner;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.metrics.BucketDistribution;
import com.amazon.deequ.metrics.BucketValue;
import com.amazon.deequ.metrics.Distribution;
import com.amazon.deequ.metrics.DistributionValue;
import com.amazon.deequ.metrics.DoubleMetric;
import com.amazon.deequ.metrics.HistogramMetric;
import com.amazon.deequ.metrics.KLLMetric;
import com.amazon.deequ.metrics.Metric;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * A profile through Deequ: the analyzers ({@link ColumnAnalyzer} per column and statistic,
 * {@link RecordsAnalyzer}) get their states from one scan ({@link StateTree}) or from
 * persisted states, and Deequ's {@code AnalysisRunner.runOnAggregatedStates} sums those
 * states and computes every metric into its {@code AnalyzerContext}.
 *
 * <p>Why not {@code AnalysisRunner.run} on the frame: it puts each analyzer's aggregation
 * functions in one {@code agg}. All analyzers here share one aggregate, so that row would
 * hold the profile's state bytes once per analyzer (11 per column): Spark computes the
 * aggregate once but copies its result into every one of those columns; and its final
 * merge is one task. Computing the state once and handing it to the runner is Deequ's
 * other entry for the same analyzers, the one a rollup of persisted states uses too.
 */
public final class Profiler {
  private final ProfileSpec spec;
  private final List<Analyzer<?, Metric<?>>> analyzers = new ArrayList<>();
  private final ProfileState state;
  private final AnalyzerContext context;
  private final Map<String, Row> observed = new LinkedHashMap<>();

  private Profiler(ProfileSpec spec, List<ProfileState> states) {
    this.spec = spec;
    analyzers.add(new RecordsAnalyzer(spec));
    for (int i = 0; i < spec.width(); i++) {
      for (String statistic : ColumnAnalyzer.STATISTICS) {
        if (!statistic.equals("Compliance") || spec.domains[i] != null) {
          analyzers.add(new ColumnAnalyzer(spec, i, statistic));
        }
      }
    }
    // The states are summed once here (Deequ's State.sum is the same addition, one
    // analyzer at a time); the runner computes the metrics from the one sum.
    ProfileState merged = states.get(0);
    if (states.size() > 1) {
      merged = spec.emptyState();
      for (ProfileState s : states) {
        merged.merge(s);
      }
    }
    List<StateLoader> loaders = new ArrayList<>();
    loaders.add(merged);
    context =
        AnalysisRunner.runOnAggregatedStates(
            new StructType(),
            new Analysis(JavaConverters.asScalaBuffer(analyzers).toList()),
            JavaConverters.asScalaBuffer(loaders).toList(),
            Option.empty(),
            StorageLevel.NONE(),
            Option.empty(),
            Option.empty());
    this.state = merged;
  }

  /** Profile {@code frame} in one scan, its partitions' states merged by {@link StateTree}. */
  public static Profiler run(Dataset<Row> frame, ProfileSpec spec) {
    return run(frame, spec, StateTree.FAN_IN);
  }

  /** As {@link #run(Dataset, ProfileSpec)}, with a given fan-in of the merge levels. */
  public static Profiler run(Dataset<Row> frame, ProfileSpec spec, int fanIn) {
    Map<String, Row> observed = new LinkedHashMap<>();
    Profiler profiler =
        new Profiler(spec, Arrays.asList(StateTree.run(frame, spec, fanIn, observed)));
    profiler.observed.putAll(observed);
    return profiler;
  }

  /** What the profiled frame observed under {@code name} in the scan (null: nothing). */
  public Row observed(String name) {
    return observed.get(name);
  }

  /** {@link StateTree#merge}: the tree on one machine, for a test. */
  public static byte[] mergeTree(
      ProfileSpec spec, int partitions, List<Integer> ids, List<byte[]> states, int fanIn) {
    return StateTree.merge(spec, partitions, ids, states, fanIn);
  }

  /** {@link StateTree#partitions}: every input partition's state, for a test. */
  public static List<byte[]> partitionStates(Dataset<Row> frame, ProfileSpec spec) {
    return StateTree.partitions(frame, spec);
  }

  /**
   * Persisted states folded one at a time, in the order they are added (no data read): a
   * rollup of any number of runs holds the sum so far and the state being added, never
   * every run's state at once. One state alone is profiled as it is; two or more are summed
   * into an empty state, as {@link #Profiler} sums a list.
   */
  public static final class Fold {
    private final ProfileSpec spec;
    private ProfileState first;
    private ProfileState sum;

    public Fold(ProfileSpec spec) {
      this.spec = spec;
    }

    /** Adds a persisted state (refused, with the reason, when it is not one of the spec's). */
    public void add(byte[] bytes) {
      ProfileState state = ProfileState.fromBytes(bytes);
      if (!Arrays.equals(state.features, spec.features)) {
        throw new IllegalArgumentException(
            "a state of features "
                + Arrays.toString(state.features)
                + " cannot merge into "
                + Arrays.toString(spec.features));
      }
      if (first == null) {
        first = state;
        return;
      }
      if (sum == null) {
        sum = spec.emptyState();
        sum.merge(first);
      }
      sum.merge(state);
    }

    public Profiler profile() {
      if (first == null) {
        throw new IllegalArgumentException("no states to merge");
      }
      return new Profiler(spec, Arrays.asList(sum != null ? sum : first));
    }
  }

  public AnalyzerContext context() {
    return context;
  }

  /** The states to persist beside the run's outputs. */
  public byte[] states() {
    return state.bytes();
  }

  /**
   * The context's metrics (and the records that were not decoded) as JSON for the job:
   * {@code {"size", "reasons": {"counts", "samples"}, "columns": [{statistic: value or
   * null (a failed metric)}, ...]}}.
   */
  public String json() {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> columns = new ArrayList<>();
    for (int i = 0; i < spec.width(); i++) {
      columns.add(new LinkedHashMap<>());
    }
    Map<Analyzer<?, Metric<?>>, Metric<?>> metrics =
        JavaConverters.mapAsJavaMap(context.metricMap());
    for (Analyzer<?, Metric<?>> analyzer : analyzers) {
      Metric<?> metric = metrics.get(analyzer);
      if (analyzer instanceof RecordsAnalyzer) {
        out.put("size", metric.value().isSuccess() ? metric.value().get() : 0.0);
        continue;
      }
      ColumnAnalyzer column = (ColumnAnalyzer) analyzer;
      columns.get(column.index).put(column.statistic, value(metric));
    }
    out.put("reasons", state.records.reasons.result());
    out.put("columns", columns);
    return Json.write(out);
  }

  private static Object value(Metric<?> metric) {
    if (metric == null || metric.value().isFailure()) {
      return null;
    }
    if (metric instanceof DoubleMetric) {
      return metric.value().get();
    }
    if (metric instanceof HistogramMetric) {
      Distribution distribution = ((HistogramMetric) metric).value().get();
      Map<String, Long> counts = new LinkedHashMap<>();
      for (Map.Entry<String, DistributionValue> entry :
          JavaConverters.mapAsJavaMap(distribution.values()).entrySet()) {
        counts.put(entry.getKey(), entry.getValue().absolute());
      }
      return counts;
    }
    BucketDistribution kll = ((KLLMetric) metric).value().get();
    List<double[]> buckets = new ArrayList<>();
    for (BucketValue b : JavaConverters.seqAsJavaList(kll.buckets())) {
      buckets.add(new double[] {b.lowValue(), b.highValue(), b.count()});
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("buckets", buckets);
    out.put("parameters", JavaConverters.seqAsJavaList(kll.parameters()));
    out.put("data", kll.data());
    return out;
  }
}
