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
  /** The view of the files whose latest outcome is an error ({@link #CURRENT_IMAGE_ERRORS_SQL}). */
  public static final String CURRENT_IMAGE_ERRORS = "current_image_errors";

  /**
   * {@code image_errors} keeps history (a run's error rows stay); this is the latest view: an error
   * row counts only while no {@code images} row of the same path was written at or after it, so a
   * file that errored and later succeeded is no longer an error. Documented in docs/tables.md.
   */
  public static final String CURRENT_IMAGE_ERRORS_SQL = "SELECT e.* FROM image_errors e"
      + " WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.path = e.path AND i.processed_at >= e.failed_at)";

  private SqlQueryJob() {}

  public static void main(String[] args) {
    JobMain.run(SqlCommand.NAME, new SqlCommand(), args);
  }

  /**
   * Registers each Delta table under the lake root as a temporary view ({@link Lake#read}: columns a
   * later job adds read as null until it has run) and drops the view of any VisionLake table it
   * lacks; returns their names. With {@code images} and {@code image_errors} it also registers
   * {@link #CURRENT_IMAGE_ERRORS} (not in the returned list: it is a view, not a table).
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
    if (names.contains(Lake.IMAGES) && names.contains(Lake.IMAGE_ERRORS)) {
      spark.sql(CURRENT_IMAGE_ERRORS_SQL).createOrReplaceTempView(CURRENT_IMAGE_ERRORS);
    } else {
      spark.catalog().dropTempView(CURRENT_IMAGE_ERRORS);
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
