package monitorjob.aggregates;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import com.amazon.deequ.analyzers.State;

/**
 * The records of a dataset as a Deequ {@code State}: how many were decoded (Deequ's
 * {@code Size} of the decoded rows) and the ones that were not, by reason with samples.
 */
public final class RecordsState implements State<RecordsState> {
  long size;
  final int samples;
  ReasonState reasons = new ReasonState();

  RecordsState(int samples) {
    this.samples = samples;
  }

  @Override
  public RecordsState sum(RecordsState other) {
    RecordsState out = new RecordsState(samples);
    out.merge(this);
    out.merge(other);
    return out;
  }

  void merge(RecordsState other) {
    size += other.size;
    reasons.merge(other.reasons, samples);
  }

  void write(DataOutputStream out) throws IOException {
    out.writeInt(samples);
    out.writeLong(size);
    reasons.write(out);
  }

  static RecordsState read(DataInputStream in) throws IOException {
    RecordsState state = new RecordsState(Bounds.within(in, 0, 1 << 20, "samples kept"));
    state.size = Bounds.tally(in, "the record count");
    state.reasons = ReasonState.read(in);
    return state;
  }
}
