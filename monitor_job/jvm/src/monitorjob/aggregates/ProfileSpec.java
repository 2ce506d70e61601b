package monitorjob.aggregates;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashSet;

import org.apache.spark.unsafe.types.UTF8String;

/**
 * What a profile computes, parsed once: the frame's value columns and the features they
 * are, the failure columns, the KLL size, the cap on exact value counts, the failed
 * records kept as samples, the reasons that mean "skipped", and per column an optional
 * domain whose members are counted (monitoring runs: the baseline's categories).
 */
public final class ProfileSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  final String[] columns;
  final String[] features;
  final String reason;
  final String raw;
  final int k;
  final int cap;
  final int samples;
  final String[] skipped;
  final String[][] domains; // per column; null: no domain

  public ProfileSpec(
      String[] columns,
      String[] features,
      String reason,
      String raw,
      int k,
      int cap,
      int samples,
      String[] skipped,
      String[][] domains) {
    if (columns.length != features.length || domains.length != columns.length) {
      throw new IllegalArgumentException("one feature and one domain slot per column");
    }
    this.columns = columns;
    this.features = features;
    this.reason = reason;
    this.raw = raw;
    this.k = k;
    this.cap = cap;
    this.samples = samples;
    this.skipped = skipped;
    this.domains = domains;
  }

  int width() {
    return columns.length;
  }

  HashSet<String> skippedSet() {
    return new HashSet<>(Arrays.asList(skipped));
  }

  HashSet<UTF8String> domain(int i) {
    if (domains[i] == null) {
      return null;
    }
    HashSet<UTF8String> out = new HashSet<>();
    for (String value : domains[i]) {
      out.add(UTF8String.fromString(value));
    }
    return out;
  }

  ProfileState emptyState() {
    ColumnState[] states = new ColumnState[width()];
    for (int i = 0; i < states.length; i++) {
      states[i] = ColumnState.empty(k, cap);
    }
    return new ProfileState(features.clone(), states, new RecordsState(samples));
  }
}
