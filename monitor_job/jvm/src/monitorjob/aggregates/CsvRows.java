package monitorjob.aggregates;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The capture decoder's general path for a CSV payload: every row of the text ({@link Csv}:
 * quoted fields, blank lines skipped), or null when the text is not CSV (a quote never
 * closed). The fast path ({@link CsvRow}) takes the payloads of one row.
 */
public final class CsvRows implements UDF1<String, List<List<String>>> {
  private static final long serialVersionUID = 1L;

  @Override
  public List<List<String>> call(String text) {
    if (text == null) {
      return null;
    }
    List<UTF8String[]> rows = Csv.rows(text.getBytes(StandardCharsets.UTF_8));
    if (rows == null) {
      return null;
    }
    List<List<String>> out = new ArrayList<>(rows.size());
    for (UTF8String[] row : rows) {
      String[] values = new String[row.length];
      for (int i = 0; i < row.length; i++) {
        values[i] = row[i] == null ? null : row[i].toString();
      }
      out.add(Arrays.asList(values));
    }
    return out;
  }
}
