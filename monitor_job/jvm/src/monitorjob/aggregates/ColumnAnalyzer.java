package monitorjob.aggregates;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.amazon.deequ.analyzers.ScanShareableAnalyzer;
import com.amazon.deequ.metrics.BucketDistribution;
import com.amazon.deequ.metrics.BucketValue;
import com.amazon.deequ.metrics.Distribution;
import com.amazon.deequ.metrics.DistributionValue;
import com.amazon.deequ.metrics.DoubleMetric;
import com.amazon.deequ.metrics.Entity$;
import com.amazon.deequ.metrics.HistogramMetric;
import com.amazon.deequ.metrics.KLLMetric;
import com.amazon.deequ.metrics.Metric;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.util.Failure;
import scala.util.Success;
import scala.util.Try;

/**
 * One statistic of one column, as a Deequ scan-shareable analyzer over one aggregate
 * ({@link ProfileAggregator}; the job computes the same state with {@link StateTree}):
 * every column analyzer of a profile shares that state and reads its column's {@link
 * ColumnState} from it. The metrics are
 * Deequ's: {@code DoubleMetric} for Completeness, Mean, Sum, StandardDeviation, Minimum,
 * Maximum, ApproxCountDistinct and Compliance; {@code HistogramMetric} for DataType and for
 * the value counts (Histogram); {@code KLLMetric} for the sketch, computed as Deequ's
 * {@code KLLSketch} analyzer computes it.
 */
public final class ColumnAnalyzer implements ScanShareableAnalyzer<ColumnState, Metric<?>> {
  private static final long serialVersionUID = 1L;

  public static final List<String> STATISTICS =
      Arrays.asList(
          "Completeness",
          "DataType",
          "Mean",
          "Sum",
          "StandardDeviation",
          "Minimum",
          "Maximum",
          "KLL",
          "ApproxCountDistinct",
          "Histogram",
          "Compliance");
  /** Deequ's default for the KLL buckets SageMaker's statistics carry. */
  static final int KLL_BUCKETS = 10;

  final ProfileSpec spec;
  final int index;
  final String feature;
  final String statistic;

  public ColumnAnalyzer(ProfileSpec spec, int index, String statistic) {
    if (!STATISTICS.contains(statistic)) {
      throw new IllegalArgumentException("no statistic " + statistic);
    }
    this.spec = spec;
    this.index = index;
    this.feature = spec.features[index];
    this.statistic = statistic;
  }

  @Override
  public Seq<Column> aggregationFunctions() {
    return ProfileAggregator.functions(spec);
  }

  @Override
  public Option<ColumnState> fromAggregationResult(Row result, int offset) {
    Option<ProfileState> state = ProfileState.fromResult(result, offset);
    return state.isEmpty() ? Option.empty() : Option.apply(state.get().columns[index]);
  }

  private DoubleMetric number(double value) {
    return new DoubleMetric(
        Entity$.MODULE$.Column(), statistic, feature, new Success<>(value), Option.empty());
  }

  private static <T> Try<T> failure(String message) {
    return new Failure<>(new IllegalStateException(message));
  }

  @Override
  public Metric<?> computeMetricFrom(Option<ColumnState> maybe) {
    if (maybe.isEmpty()) {
      return toFailureMetric(new IllegalStateException("Empty state for analyzer " + this));
    }
    ColumnState s = maybe.get();
    long total = s.present() + s.types[DeequTypes.UNKNOWN];
    boolean numbers = s.numbers > 0;
    switch (statistic) {
      case "Completeness":
        return total == 0 ? toFailureMetric(empty()) : number((double) s.present() / total);
      case "Compliance":
        return total == 0 ? toFailureMetric(empty()) : number((double) s.inDomain / total);
      case "Mean":
        return numbers ? number(s.sum / s.numbers) : toFailureMetric(empty());
      case "Sum":
        return numbers ? number(s.sum) : toFailureMetric(empty());
      case "StandardDeviation":
        return numbers ? number(Math.sqrt(s.m2 / s.numbers)) : toFailureMetric(empty());
      case "Minimum":
        return numbers ? number(s.min) : toFailureMetric(empty());
      case "Maximum":
        return numbers ? number(s.max) : toFailureMetric(empty());
      case "ApproxCountDistinct":
        // The composite estimate reads the sketch's registers only; the default (HIP) one
        // also depends on the order values and merges came in, so it would move with the
        // partition layout and the merge tree.
        return number(s.counts != null ? s.counts.size() : s.hll.getCompositeEstimate());
      case "DataType":
        {
          Map<String, DistributionValue> types = new TreeMap<>();
          for (int i = 0; i < s.types.length; i++) {
            double ratio = total == 0 ? 0.0 : (double) s.types[i] / total;
            types.put(DeequTypes.NAMES[i], new DistributionValue(s.types[i], ratio));
          }
          return new HistogramMetric(feature, new Success<>(distribution(types)));
        }
      case "Histogram":
        {
          if (s.counts == null) {
            return new HistogramMetric(
                feature, failure("more than " + s.cap + " distinct values: not counted"));
          }
          long present = s.present();
          Map<String, DistributionValue> values = new TreeMap<>();
          s.counts.forEach(
              (value, n) ->
                  values.put(
                      value.toString(),
                      new DistributionValue(n[0], present == 0 ? 0.0 : (double) n[0] / present)));
          return new HistogramMetric(feature, new Success<>(distribution(values)));
        }
      default: // KLL
        {
          if (!numbers || s.kll.isEmpty()) {
            return toFailureMetric(empty());
          }
          List<BucketValue> buckets = new ArrayList<>();
          for (double[] b : s.kll.buckets(s.min, s.max, KLL_BUCKETS)) {
            buckets.add(new BucketValue(b[0], b[1], (long) b[2]));
          }
          List<Object> parameters = Arrays.asList((Object) s.kll.c, (Object) (double) s.kll.k);
          return new KLLMetric(
              feature,
              new Success<>(
                  new BucketDistribution(
                      JavaConverters.asScalaBuffer(buckets).toList(),
                      JavaConverters.asScalaBuffer(parameters).toList(),
                      s.kll.data())));
        }
    }
  }

  private static IllegalStateException empty() {
    return new IllegalStateException("Empty state: no values to compute the metric from");
  }

  private static Distribution distribution(Map<String, DistributionValue> values) {
    scala.collection.immutable.Map<String, DistributionValue> map =
        scala.collection.immutable.Map$.MODULE$.<String, DistributionValue>empty();
    for (Map.Entry<String, DistributionValue> entry : values.entrySet()) {
      map = map.updated(entry.getKey(), entry.getValue());
    }
    return new Distribution(map, values.size(), 0L);
  }

  @Override
  public Metric<?> toFailureMetric(Exception failure) {
    switch (statistic) {
      case "DataType":
      case "Histogram":
        return new HistogramMetric(feature, new Failure<>(failure));
      case "KLL":
        return new KLLMetric(feature, new Failure<>(failure));
      default:
        return new DoubleMetric(
            Entity$.MODULE$.Column(), statistic, feature, new Failure<>(failure), Option.empty());
    }
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof ColumnAnalyzer)) {
      return false;
    }
    ColumnAnalyzer that = (ColumnAnalyzer) other;
    return index == that.index && feature.equals(that.feature) && statistic.equals(that.statistic);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, feature, statistic);
  }

  @Override
  public String toString() {
    return statistic + "(" + feature + ")";
  }
}
