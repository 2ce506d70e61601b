package monitorjob.aggregates;

import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reading a state file is reading untrusted input (a copy cut short, a flipped bit, a file
 * written by anyone who can write the runs' prefix): every count and length is checked
 * against what remains of the bytes, and against a limit, before anything is allocated or
 * looped over. The readers always read from a byte array, so {@code available()} is exact.
 */
final class Bounds {
  private Bounds() {}

  /** A count of entries that each take at least {@code minBytes}, at most {@code limit}. */
  static int count(DataInputStream in, int minBytes, int limit, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > limit || (long) n * minBytes > in.available()) {
      throw new IOException(
          what + " count " + n + " is past the end of the file or over " + limit);
    }
    return n;
  }

  /** A non-negative tally (a count of values or records). */
  static long tally(DataInputStream in, String what) throws IOException {
    long n = in.readLong();
    if (n < 0) {
      throw new IOException(what + " is negative (" + n + ")");
    }
    return n;
  }

  /** An int within {@code [lo, hi]}. */
  static int within(DataInputStream in, int lo, int hi, String what) throws IOException {
    int n = in.readInt();
    if (n < lo || n > hi) {
      throw new IOException(what + " " + n + " is outside [" + lo + ", " + hi + "]");
    }
    return n;
  }

  /** A length-prefixed byte string that fits in what remains. */
  static byte[] bytes(DataInputStream in, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException(what + " length " + n + " is past the end of the file");
    }
    byte[] bytes = new byte[n];
    in.readFully(bytes);
    return bytes;
  }
}
