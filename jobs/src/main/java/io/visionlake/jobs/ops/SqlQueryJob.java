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

  /**
   * Registers each Delta table under the lake root as a temporary view ({@link Lake#read}: columns a
   * later job adds read as null until it has run) and drops the view of any VisionLake table it
   * lacks; returns their names.
   */
  public static List<String> registerTables(SparkSession spark, Lake lake) {
    List<String> names = lake.tables(spark);
    for (String name : names) {
      lake.read(spark, name).createOrReplaceTempView(name);
    }
    // A session that saw another lake must not answer for a table this one lacks.
    for (String name : Lake.TABLES) {
      if (!names.contains(name)) {
        spark.catalog().dropTempView(name);
      }
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
