package io.visionlake.jobs.ops;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import io.visionlake.jobs.lake.Lake;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code scripts/sql}: Spark SQL over a lake's tables, each registered as a view by its directory name. */
@Command(name = SqlCommand.NAME, mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Runs Spark SQL with every Delta table of the lake registered as a view by its directory name, and"
        + " prints each result as a table, CSV or JSON lines.")
final class SqlCommand implements Callable<Integer> {
  static final String NAME = "sql";

  @Mixin
  SharedOptions.Lake lake;

  @Mixin
  SharedOptions.Format format;

  @Option(names = "--limit", paramLabel = "<n>", defaultValue = "1000", description = "rows to print in table format (default: ${DEFAULT-VALUE})")
  int limit;

  @Parameters(arity = "1..*", paramLabel = "SQL", description = "statements, each quoted as one argument; run in order in one session")
  List<String> statements;

  @Override
  public Integer call() {
    String fmt = format.value();
    SparkSession spark = Sessions.getOrCreate("visionlake-sql");
    SqlQueryJob.registerTables(spark, new Lake(lake.root));
    // Several statements share one session (one JVM start), printed in order.
    for (String sql : statements) {
      if ("table".equals(fmt)) {
        heading(sql).ifPresent(System.out::println);
      }
      SqlQueryJob.print(spark.sql(sql), fmt, limit);
    }
    spark.stop();
    return JobMain.DONE;
  }

  /**
   * A statement's leading block comment, {@code /* title *}{@code /}, as {@code == title ==}: what a
   * script running several statements in one call prints above each table (CSV and JSON output
   * stay data only). A block comment, not {@code --}: an argument starting with a dash is an option.
   */
  static java.util.Optional<String> heading(String sql) {
    String t = sql.strip();
    int end = t.indexOf("*/");
    if (!t.startsWith("/*") || end < 0) {
      return java.util.Optional.empty();
    }
    String text = t.substring(2, end).strip().replaceAll("\\s+", " ");
    return text.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of("== " + text + " ==");
  }

}
