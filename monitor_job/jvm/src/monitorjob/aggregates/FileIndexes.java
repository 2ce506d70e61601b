package monitorjob.aggregates;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.FileStatusCache;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.InMemoryFileIndex;
import org.apache.spark.sql.execution.datasources.text.TextFileFormat;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * The lines of a run's input files as one DataFrame, from the listing the job already made.
 *
 * <p>{@code spark.read.text(paths)} checks that every path exists, then lists each one
 * again to build its file index, and a run that reads its input more than once (a sample,
 * the decode, ground truth) does both each time: on S3, two requests per object per read.
 * Here the index is built from the statuses the job's own listing returned (size and
 * modification time), handed to Spark's {@link InMemoryFileIndex} through its status
 * cache: no path is checked or listed again, and the caller keeps the DataFrame for the
 * run. The relation is Spark's own text source: splits, readers and codecs as {@code
 * spark.read.text}.
 */
public final class FileIndexes {
  /** A block size for the statuses (S3A's default); it only guides locality. */
  private static final long BLOCK = 32L << 20;

  private FileIndexes() {}

  /**
   * A DataFrame of one string column {@code value}, a row per line of the files in {@code
   * listed}: {@code path \0 size \0 modification-ms} per file, each field followed by a NUL
   * (a path holds none: the listing refuses S3 keys with control characters).
   */
  public static Dataset<Row> text(SparkSession spark, String listed) {
    String[] fields = listed.split("\0", -1);
    if (fields.length % 3 != 1 || !fields[fields.length - 1].isEmpty()) {
      throw new IllegalArgumentException("a listing is path, size and time per file");
    }
    Configuration conf = spark.sessionState().newHadoopConf();
    List<Path> roots = new ArrayList<>();
    Map<Path, FileStatus[]> leaves = new HashMap<>();
    try {
      for (int i = 0; i + 2 < fields.length; i += 3) {
        Path path = new Path(fields[i]);
        Path qualified = path.getFileSystem(conf).makeQualified(path);
        long size = Long.parseLong(fields[i + 1]);
        long time = Long.parseLong(fields[i + 2]);
        if (leaves.put(qualified, new FileStatus[] {status(qualified, size, time)}) == null) {
          roots.add(qualified);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    InMemoryFileIndex index =
        new InMemoryFileIndex(
            spark,
            JavaConverters.asScalaBuffer(roots).toList(),
            scala.collection.immutable.Map$.MODULE$.<String, String>empty(),
            Option.<StructType>empty(),
            new Listed(leaves),
            Option.empty(),
            Option.empty());
    StructType schema = new StructType().add("value", DataTypes.StringType, true);
    HadoopFsRelation relation =
        new HadoopFsRelation(
            index,
            index.partitionSchema(),
            schema,
            Option.empty(),
            new TextFileFormat(),
            scala.collection.immutable.Map$.MODULE$.<String, String>empty(),
            spark);
    return spark.baseRelationToDataFrame(relation);
  }

  private static FileStatus status(Path path, long size, long time) {
    return new FileStatus(size, false, 1, BLOCK, time, path);
  }

  /** The listing's statuses, answered for each root path; nothing else is cached. */
  private static final class Listed extends FileStatusCache {
    private final Map<Path, FileStatus[]> leaves;

    Listed(Map<Path, FileStatus[]> leaves) {
      this.leaves = leaves;
    }

    @Override
    public Option<FileStatus[]> getLeafFiles(Path path) {
      return Option.apply(leaves.get(path));
    }

    @Override
    public void putLeafFiles(Path path, FileStatus[] statuses) {}

    @Override
    public void invalidateAll() {}
  }
}
