package monitorjob.aggregates;

import com.amazon.deequ.analyzers.ScanShareableAnalyzer;
import com.amazon.deequ.metrics.DoubleMetric;
import com.amazon.deequ.metrics.Entity$;
import com.amazon.deequ.metrics.Metric;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import scala.Option;
import scala.collection.Seq;
import scala.util.Failure;
import scala.util.Success;

/** Deequ's {@code Size} of the decoded records, from the job's one aggregate (its {@link
 * RecordsState} also holds the records that were not decoded, by reason). */
public final class RecordsAnalyzer implements ScanShareableAnalyzer<RecordsState, Metric<?>> {
  private static final long serialVersionUID = 1L;

  final ProfileSpec spec;

  public RecordsAnalyzer(ProfileSpec spec) {
    this.spec = spec;
  }

  @Override
  public Seq<Column> aggregationFunctions() {
    return ProfileAggregator.functions(spec);
  }

  @Override
  public Option<RecordsState> fromAggregationResult(Row result, int offset) {
    Option<ProfileState> state = ProfileState.fromResult(result, offset);
    return state.isEmpty() ? Option.empty() : Option.apply(state.get().records);
  }

  @Override
  public Metric<?> computeMetricFrom(Option<RecordsState> state) {
    double size = state.isEmpty() ? 0.0 : (double) state.get().size;
    return new DoubleMetric(
        Entity$.MODULE$.Dataset(), "Size", "*", new Success<>(size), Option.empty());
  }

  @Override
  public Metric<?> toFailureMetric(Exception failure) {
    return new DoubleMetric(
        Entity$.MODULE$.Dataset(), "Size", "*", new Failure<>(failure), Option.empty());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RecordsAnalyzer;
  }

  @Override
  public int hashCode() {
    return RecordsAnalyzer.class.hashCode();
  }

  @Override
  public String toString() {
    return "Size(*)";
  }
}
