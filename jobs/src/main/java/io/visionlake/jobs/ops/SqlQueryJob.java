package io.visionlake.jobs.ops;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.lake.Lake;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The analysts' way in: runs Spark SQL with every Delta table of a lake registered as a view by
 * its directory name, and prints the result as a table, CSV or JSON lines.
 */
public final class SqlQueryJob {
  private SqlQueryJob() {}

  public static void main(String[] args) {
    JobMain.run(SqlCommand.NAME, new SqlCommand(), args);
  }

  /** Registers each Delta table under the lake root as a temporary view; returns their names. */
  public static List<String> registerTables(SparkSession spark, Lake lake) {
    List<String> names = new ArrayList<>();
    try {
      org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(lake.root());
      org.apache.hadoop.fs.FileSystem fs = root.getFileSystem(spark.sessionState().newHadoopConf());
      if (!fs.exists(root)) {
        throw new IllegalArgumentException("Lake " + lake.root() + " does not exist; run a job with --lake " + lake.root() + " first");
      }
      for (org.apache.hadoop.fs.FileStatus status : fs.listStatus(root)) {
        String name = status.getPath().getName();
        if (status.isDirectory() && lake.exists(spark, name)) {
          spark.read().format("delta").load(lake.path(name)).createOrReplaceTempView(name);
          names.add(name);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot list lake " + lake.root(), e);
    }
    return names;
  }

  public static void print(Dataset<Row> result, String format, int limit) {
    switch (format) {
      case "csv":
        System.out.println(String.join(",", result.columns()));
        for (Row row : result.collectAsList()) {
          List<String> cells = new ArrayList<>();
          for (int i = 0; i < row.size(); i++) {
            cells.add(csvCell(row.get(i)));
          }
          System.out.println(String.join(",", cells));
        }
        break;
      case "json":
        result.toJSON().collectAsList().forEach(System.out::println);
        break;
      default:
        result.show(limit, false);
    }
  }

  private static String csvCell(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
