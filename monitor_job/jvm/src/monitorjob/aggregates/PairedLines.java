package monitorjob.aggregates;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;

/**
 * A batch transform's input objects paired with their outputs, line by line.
 *
 * <p>SageMaker writes {@code <object>.out} for each input object of a transform with
 * {@code SplitType=Line} and {@code AssembleWith=Line}: its line <i>i</i> is the model's
 * answer to the input's line <i>i</i>. Each pair is read by one task, both files in step
 * through Hadoop's filesystem (S3A, EMRFS, local; compressed files through their codec),
 * one line of each held at a time. A row is (pair, line, input, output): the pair's number
 * in the listing, the 0-based line, and the two lines; when one file ends first, the other's
 * remaining lines come with a null on the side that ended.
 */
public final class PairedLines {
  private PairedLines() {}

  /** The paired lines of {@code listed}: {@code input \0 output \0} per pair. */
  public static Dataset<Row> read(SparkSession spark, String listed) {
    JavaRDD<Row> rows = perPair(spark, listed, Lines::new);
    StructType schema =
        new StructType()
            .add("pair", DataTypes.IntegerType, false)
            .add("line", DataTypes.LongType, false)
            .add("input", DataTypes.StringType, true)
            .add("output", DataTypes.StringType, true);
    return spark.createDataFrame(rows, schema);
  }

  /** The rows one pair of a listing gives (a function Spark ships to its task). */
  interface PairReader extends Serializable {
    Iterator<Row> rows(Configuration conf, int pair, String input, String output);
  }

  /**
   * One task per pair of {@code listed} ({@code input \0 output \0} per pair, a name ""
   * when that side is not read), each giving the rows {@code reader} reads from its pair.
   */
  static JavaRDD<Row> perPair(SparkSession spark, String listed, PairReader reader) {
    String[] fields = listed.split("\0", -1);
    if (fields.length % 2 != 1 || !fields[fields.length - 1].isEmpty()) {
      throw new IllegalArgumentException("a listing of pairs is input and output per pair");
    }
    List<String[]> pairs = new ArrayList<>();
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i + 1 < fields.length; i += 2) {
      ids.add(pairs.size());
      pairs.add(new String[] {fields[i], fields[i + 1]});
    }
    SerializableConfiguration conf =
        new SerializableConfiguration(spark.sessionState().newHadoopConf());
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return context
        .parallelize(ids, Math.max(1, ids.size()))
        .mapPartitions(
            part -> {
              if (!part.hasNext()) {
                return Collections.emptyIterator();
              }
              int id = part.next();
              String[] pair = pairs.get(id);
              return reader.rows(conf.value(), id, pair[0], pair[1]);
            });
  }

  static BufferedReader open(Configuration conf, String name) throws IOException {
    Path path = new Path(name);
    InputStream in = path.getFileSystem(conf).open(path);
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
    if (codec != null) {
      in = codec.createInputStream(in);
    }
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
  }

  /** Both files' lines in step; the readers are closed at the end or with the task. */
  static final class Lines implements Iterator<Row> {
    private final int pair;
    private final BufferedReader input;
    private final BufferedReader output;
    private long line;
    private String nextInput;
    private String nextOutput;
    private boolean done;

    Lines(Configuration conf, int pair, String inputName, String outputName) {
      this.pair = pair;
      try {
        this.input = open(conf, inputName);
        this.output = open(conf, outputName);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener((TaskCompletionListener) context -> close());
      }
      advance();
    }

    private void advance() {
      try {
        nextInput = input.readLine();
        nextOutput = output.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (nextInput == null && nextOutput == null) {
        done = true;
        close();
      }
    }

    private void close() {
      try {
        input.close();
        output.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public boolean hasNext() {
      return !done;
    }

    @Override
    public Row next() {
      if (done) {
        throw new NoSuchElementException();
      }
      Row row = RowFactory.create(pair, line++, nextInput, nextOutput);
      advance();
      return row;
    }
  }
}
