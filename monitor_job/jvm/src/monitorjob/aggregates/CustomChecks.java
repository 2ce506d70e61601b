package monitorjob.aggregates;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.anomalydetection.DataPoint;
import com.amazon.deequ.analyzers.Analyzers$;
import com.amazon.deequ.analyzers.DataType;
import com.amazon.deequ.analyzers.FrequenciesAndNumRows;
import com.amazon.deequ.analyzers.GroupingAnalyzer;
import com.amazon.deequ.analyzers.Histogram;
import com.amazon.deequ.analyzers.Histogram$;
import com.amazon.deequ.analyzers.MutualInformation;
import com.amazon.deequ.analyzers.Preconditions$;
import com.amazon.deequ.analyzers.ScanShareableAnalyzer;
import com.amazon.deequ.analyzers.ScanShareableFrequencyBasedAnalyzer;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.checks.CheckResult;
import com.amazon.deequ.checks.CheckWithLastConstraintFilterable;
import com.amazon.deequ.constraints.ConstrainableDataTypes$;
import com.amazon.deequ.constraints.ConstraintResult;
import com.amazon.deequ.metrics.Distribution;
import com.amazon.deequ.metrics.DistributionValue;
import com.amazon.deequ.metrics.DoubleMetric;
import com.amazon.deequ.metrics.HistogramMetric;
import com.amazon.deequ.metrics.Metric;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import scala.Function1;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.runtime.AbstractFunction1;
import scala.util.Success;

/**
 * A run's custom checks as Deequ runs them: each check is Deequ's own {@code Check} of one
 * constraint (its rule method, then {@code where}), whose analyzer computes the metric and
 * whose constraint picks the value its assertion sees. The assertion given to Deequ only
 * records that value ({@link Recorder}); the job judges it (in Python, never a callback).
 *
 * <p>Scan-shareable analyzers give their aggregation functions to the profile's scan (the
 * job observes them on the frame it profiles: no scan of their own); their results come
 * back in one row ({@link #scanned}). Grouping analyzers get one grouped pass per column set
 * and filter ({@link #grouped}), their row counts taken in the scan as Deequ's
 * {@code computeFrequencies} counts them. Deequ's {@code DataType} is a Spark UDAF, whose
 * state Spark cannot send back from an observed scan: it gets a pass of its own.
 */
public final class CustomChecks {
  /** Deequ's assertion, recording the value it is given and passing it. */
  static final class Recorder extends AbstractFunction1<Object, Object> {
    Double seen;

    @Override
    public Object apply(Object value) {
      seen = ((Number) value).doubleValue();
      return Boolean.TRUE;
    }
  }

  /** One check: its Deequ check, analyzer and recorder; where its results are in the scan. */
  private static final class Entry {
    Check check;
    Object analyzer; // a Deequ Analyzer (its state type differs by rule)
    Recorder recorder = new Recorder();
    boolean fixed; // no assertion (isComplete, isUnique, areComplete): the metric is the value
    boolean own; // a pass of its own (Deequ's DataType: a Spark UDAF, which cannot be observed)
    int[] at; // its aggregations' positions in the scan's row (null: not in the scan)
    Metric<?> metric;
  }

  /**
   * A grouped pass: its columns (and the test that one of them is not null, Deequ's
   * {@code computeFrequencies}'), its filter, its row count and whether a value is null.
   */
  private static final class Group {
    Column[] by;
    Column any;
    String where;
    int rows; // the positions of its row count and of its all-null count in the scan
    int nulls;
    long count;
    boolean anyNull;
    final List<Entry> entries = new ArrayList<>();
  }

  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private final List<Column> scan = new ArrayList<>();

  /**
   * The checks of {@code json} ({@code [{"rule", "where", rule arguments}]}, PyDeequ's
   * argument names, {@code where} already including the job's own row filter) over a frame
   * of {@code schema}.
   */
  @SuppressWarnings("unchecked")
  public CustomChecks(String json, StructType schema) throws Exception {
    List<Map<String, Object>> specs = new ObjectMapper().readValue(json, List.class);
    for (Map<String, Object> spec : specs) {
      Entry e = new Entry();
      String rule = (String) spec.get("rule");
      e.fixed = rule.equals("isComplete") || rule.equals("isUnique") || rule.equals("areComplete");
      CheckWithLastConstraintFilterable built = build(rule, spec, e.recorder);
      e.check = spec.get("where") == null ? built : built.where((String) spec.get("where"));
      e.analyzer = JavaConverters.setAsJavaSet(e.check.requiredAnalyzers()).iterator().next();
      Analyzer<?, ?> analyzer = (Analyzer<?, ?>) e.analyzer;
      Option<Exception> failing =
          Preconditions$.MODULE$.findFirstFailing(schema, analyzer.preconditions());
      if (failing.isDefined()) {
        e.metric = analyzer.toFailureMetric(failing.get());
      } else if (e.analyzer instanceof DataType) {
        e.own = true;
      } else if (e.analyzer instanceof ScanShareableAnalyzer) {
        List<Column> aggregations =
            list(((ScanShareableAnalyzer<?, ?>) e.analyzer).aggregationFunctions());
        e.at = new int[aggregations.size()];
        for (int i = 0; i < e.at.length; i++) {
          e.at[i] = add(aggregations.get(i));
        }
      } else {
        group(e, spec);
      }
      entries.add(e);
    }
  }

  private void group(Entry e, Map<String, Object> spec) {
    List<String> columns;
    if (e.analyzer instanceof Histogram) {
      columns = Collections.singletonList(((Histogram) e.analyzer).column());
    } else {
      columns = list(((GroupingAnalyzer<?, ?>) e.analyzer).groupingColumns());
    }
    String where = (String) spec.get("where");
    String key = columns + "|" + where;
    Group g = groups.get(key);
    if (g == null) {
      g = new Group();
      g.by = new Column[columns.size()];
      g.any = functions.lit(false);
      g.where = where;
      Column none = functions.lit(true);
      for (int i = 0; i < g.by.length; i++) {
        g.by[i] = functions.col(columns.get(i));
        g.any = g.any.or(g.by[i].isNotNull());
        none = none.and(g.by[i].isNull());
      }
      Column filter = where == null ? functions.lit(true) : functions.expr(where);
      g.rows = add(functions.count(functions.when(filter.and(g.any), 1)));
      g.nulls = add(functions.count(functions.when(filter.and(none), 1)));
      groups.put(key, g);
    }
    g.entries.add(e);
  }

  /**
   * The position of {@code aggregation} in the scan: one equal to it (the same expression
   * tree: each analyzer of the same filter counts the same rows) is computed once.
   */
  private int add(Column aggregation) {
    for (int i = 0; i < scan.size(); i++) {
      if (scan.get(i).expr().equals(aggregation.expr())) {
        return i;
      }
    }
    scan.add(aggregation);
    return scan.size() - 1;
  }

  /** The aggregation functions to compute in the profile's scan. */
  public Column[] scanColumns() {
    return scan.toArray(new Column[0]);
  }

  /**
   * The same reading the untyped frame, each typed feature of {@code typed} ({@code
   * {"feature": ["source column", "Spark type"]}}) cast where it is read ({@link
   * TypedInline}); null when they cannot be.
   */
  public Column[] scanColumns(String typed) throws Exception {
    return new TypedInline(typed).rewrite(scanColumns());
  }

  /** The scan's results: the scan-shareable analyzers' metrics, the groups' row counts. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void scanned(Row row) {
    for (Entry e : entries) {
      if (e.at != null) {
        ScanShareableAnalyzer a = (ScanShareableAnalyzer) e.analyzer;
        Object[] own = new Object[e.at.length];
        for (int i = 0; i < own.length; i++) {
          own[i] = row.get(e.at[i]);
        }
        try {
          e.metric = a.computeMetricFrom(a.fromAggregationResult(RowFactory.create(own), 0));
        } catch (Exception err) {
          e.metric = a.toFailureMetric(err);
        }
      }
    }
    for (Group g : groups.values()) {
      g.count = row.getLong(g.rows);
      g.anyNull = row.getLong(g.nulls) > 0;
    }
  }

  /**
   * One pass per group over {@code frame} (the typed rows, not observed again): the
   * frequencies of its column set (Deequ's {@code computeFrequencies}, its row count from
   * the scan) and every shareable analyzer's aggregation over them in one {@code agg}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void grouped(Dataset<Row> frame) {
    for (Entry e : entries) {
      if (e.own) {
        Analyzer a = (Analyzer) e.analyzer;
        e.metric = (Metric<?>) a.calculate(frame, Option.empty(), Option.empty(), Option.empty());
      }
    }
    String count = Analyzers$.MODULE$.COUNT_COL();
    for (Group g : groups.values()) {
      Dataset<Row> rows = frame.select(g.by).where(g.any);
      if (g.where != null) {
        rows = rows.where(g.where);
      }
      Dataset<Row> frequencies =
          rows.groupBy(g.by).agg(functions.count(functions.lit(1)).alias(count));
      List<Column> aggs = new ArrayList<>();
      List<Integer> offsets = new ArrayList<>();
      for (Entry e : g.entries) {
        offsets.add(aggs.size());
        if (e.analyzer instanceof ScanShareableFrequencyBasedAnalyzer) {
          ScanShareableFrequencyBasedAnalyzer a = (ScanShareableFrequencyBasedAnalyzer) e.analyzer;
          aggs.addAll(list(a.aggregationFunctions(g.count)));
        } else if (e.analyzer instanceof Histogram) {
          aggs.add(functions.count(functions.lit(1)));
        }
      }
      Row result =
          aggs.isEmpty() ? null : frequencies.agg(aggs.get(0), tail(aggs)).collectAsList().get(0);
      for (int i = 0; i < g.entries.size(); i++) {
        Entry e = g.entries.get(i);
        try {
          e.metric = metric(e, g, frequencies, result, offsets.get(i));
        } catch (Exception err) {
          e.metric = ((Analyzer<?, ?>) e.analyzer).toFailureMetric(err);
        }
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Metric<?> metric(Entry e, Group g, Dataset<Row> frequencies, Row result, int at) {
    if (e.analyzer instanceof ScanShareableFrequencyBasedAnalyzer) {
      ScanShareableFrequencyBasedAnalyzer a = (ScanShareableFrequencyBasedAnalyzer) e.analyzer;
      return a.fromAggregationResult(result, at, Option.empty());
    }
    if (e.analyzer instanceof Histogram) {
      // Deequ's Histogram counts a null as one more value ("NullValue"); only the number of
      // values is asked for (hasNumberOfDistinctValues), so no bin is collected.
      long bins = result.getLong(at) + (g.anyNull ? 1 : 0);
      scala.collection.immutable.Map<String, DistributionValue> none =
          scala.collection.immutable.Map$.MODULE$.empty();
      return new HistogramMetric(
          ((Histogram) e.analyzer).column(), new Success<>(new Distribution(none, bins, 0L)));
    }
    MutualInformation mi = (MutualInformation) e.analyzer;
    FrequenciesAndNumRows state = new FrequenciesAndNumRows(frequencies, g.count, Option.empty());
    return mi.computeMetricFrom(Option.apply(state));
  }

  /**
   * Each check's value (what its constraint's assertion sees) or why there is none, as
   * JSON: {@code [{"value": v or null, "error": message or null}]}, in the checks' order.
   */
  @SuppressWarnings("unchecked")
  public String json() throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Entry e : entries) {
      Map<String, Object> one = new LinkedHashMap<>();
      Map<Analyzer<?, Metric<?>>, Metric<?>> metrics = new LinkedHashMap<>();
      metrics.put((Analyzer<?, Metric<?>>) e.analyzer, e.metric);
      AnalyzerContext context =
          new AnalyzerContext(
              scala.collection.immutable.Map$.MODULE$.<Analyzer<?, Metric<?>>, Metric<?>>empty()
                  .$plus$plus(JavaConverters.mapAsScalaMap(metrics)));
      e.recorder.seen = null;
      CheckResult result = e.check.evaluate(context);
      ConstraintResult constraint = list(result.constraintResults()).get(0);
      Double value = e.recorder.seen;
      if (e.fixed && e.metric instanceof DoubleMetric && e.metric.value().isSuccess()) {
        value = (Double) e.metric.value().get();
      }
      one.put("value", value);
      one.put(
          "error",
          value == null ? constraint.message().getOrElse(() -> "no value") : null);
      out.add(one);
    }
    return new ObjectMapper().writeValueAsString(out);
  }

  /**
   * A metric's series for Deequ's anomaly detection, from {@code [[epoch millis, value],
   * ...]} in one call (a Py4J call per point costs a round trip each; a history may hold
   * thousands of runs).
   */
  @SuppressWarnings("unchecked")
  public static Seq<DataPoint<Object>> series(String json) throws Exception {
    List<List<Number>> points = new ObjectMapper().readValue(json, List.class);
    List<DataPoint<Object>> out = new ArrayList<>(points.size());
    for (List<Number> p : points) {
      Object value = p.get(1).doubleValue();
      out.add(new DataPoint<>(p.get(0).longValue(), Option.apply(value)));
    }
    return JavaConverters.asScalaBuffer(out).toSeq();
  }

  private static <T> List<T> list(Seq<T> seq) {
    return new ArrayList<>(JavaConverters.seqAsJavaList(seq));
  }

  private static Column[] tail(List<Column> columns) {
    return columns.subList(1, columns.size()).toArray(new Column[0]);
  }

  private static Option<String> none() {
    return Option.empty();
  }

  private static scala.collection.immutable.List<String> seq(Object value) {
    List<String> items = new ArrayList<>();
    for (Object o : (List<?>) value) {
      items.add((String) o);
    }
    return JavaConverters.asScalaBuffer(items).toList();
  }

  /** Deequ's check of the one rule (the assertion records; it is judged elsewhere). */
  private static CheckWithLastConstraintFilterable build(
      String rule, Map<String, Object> spec, Function1<Object, Object> a) {
    Check c = new Check(CheckLevel.Error(), "custom", JavaConverters.asScalaBuffer(
        new ArrayList<com.amazon.deequ.constraints.Constraint>()).toList());
    String col = (String) spec.get("column");
    String ca = (String) spec.get("columnA");
    String cb = (String) spec.get("columnB");
    switch (rule) {
      case "hasSize": return c.hasSize(a, none());
      case "isComplete": return c.isComplete(col, none(), Option.empty());
      case "hasCompleteness": return c.hasCompleteness(col, a, none(), Option.empty());
      case "areComplete": return c.areComplete(seq(spec.get("columns")), none());
      case "isUnique": return c.isUnique(col, none(), Option.empty());
      case "hasUniqueness": return c.hasUniqueness(seq(spec.get("columns")), a);
      case "hasDistinctness": return c.hasDistinctness(seq(spec.get("columns")), a, none());
      case "hasNumberOfDistinctValues":
        return c.hasNumberOfDistinctValues(
            col, a, Option.empty(), Histogram$.MODULE$.MaximumAllowedDetailBins(), none());
      case "hasEntropy": return c.hasEntropy(col, a, none());
      case "hasMutualInformation": return c.hasMutualInformation(ca, cb, a, none());
      case "hasApproxCountDistinct": return c.hasApproxCountDistinct(col, a, none());
      case "hasMin": return c.hasMin(col, a, none(), Option.empty());
      case "hasMax": return c.hasMax(col, a, none(), Option.empty());
      case "hasMean": return c.hasMean(col, a, none());
      case "hasSum": return c.hasSum(col, a, none());
      case "hasStandardDeviation": return c.hasStandardDeviation(col, a, none());
      case "hasApproxQuantile":
        return c.hasApproxQuantile(col, ((Number) spec.get("quantile")).doubleValue(), a, none());
      case "hasCorrelation": return c.hasCorrelation(ca, cb, a, none());
      case "hasMinLength": return c.hasMinLength(col, a, none(), Option.empty());
      case "hasMaxLength": return c.hasMaxLength(col, a, none(), Option.empty());
      case "hasPattern":
        return c.hasPattern(
            col, new scala.util.matching.Regex((String) spec.get("pattern"),
                JavaConverters.asScalaBuffer(new ArrayList<String>()).toList()),
            a, none(), none(), Option.empty());
      case "containsEmail": return c.containsEmail(col, a, none());
      case "containsURL": return c.containsURL(col, a, none());
      case "isNonNegative": return c.isNonNegative(col, a, none());
      case "isPositive": return c.isPositive(col, a, none());
      case "isContainedIn":
        return c.isContainedIn(
            col, ((List<?>) spec.get("allowed_values")).toArray(new String[0]), a, none());
      case "satisfies":
        Object columns = spec.get("columns");
        return c.satisfies(
            (String) spec.get("columnCondition"),
            (String) spec.getOrDefault("constraintName", spec.get("columnCondition")),
            a, none(),
            columns == null ? JavaConverters.asScalaBuffer(new ArrayList<String>()).toList()
                : seq(columns),
            Option.empty());
      case "isLessThan": return c.isLessThan(ca, cb, a, none());
      case "isLessThanOrEqualTo": return c.isLessThanOrEqualTo(ca, cb, a, none());
      case "isGreaterThan": return c.isGreaterThan(ca, cb, a, none());
      case "isGreaterThanOrEqualTo": return c.isGreaterThanOrEqualTo(ca, cb, a, none());
      case "hasDataType":
        return c.hasDataType(
            col, ConstrainableDataTypes$.MODULE$.withName((String) spec.get("datatype")), a,
            none());
      default:
        throw new IllegalArgumentException("unknown rule " + rule);
    }
  }
}
