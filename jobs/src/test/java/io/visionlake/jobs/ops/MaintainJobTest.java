package io.visionlake.jobs.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * {@code maintain} finds its tables under the lake root: an ML table (near_duplicates, whose schema
 * lives in Lake) is Z-ORDERed by its Lake columns, a Delta table a user keeps in the lake is
 * compacted and reported as unknown, a folder that is not a Delta table is left alone; every table
 * keeps its rows and VACUUM leaves only the files the latest version references.
 */
@IntegrationTest
class MaintainJobTest extends DeltaTestBase {
  static final String USER_TABLE = "analyst_notes";

  @Test
  void maintainsEveryDeltaTableUnderTheRootKnownOrNot() throws IOException {
    Lake lake = new Lake(tmp.resolve("lake").toString());
    lake.ensure(spark, Lake.NEAR_DUPLICATES, Lake.NEAR_DUPLICATES_SCHEMA);
    Timestamp found = Timestamp.valueOf("2024-05-01 12:00:00");
    for (int run = 0; run < 3; run++) { // three appends, three small files
      List<Row> pairs = List.of(
          RowFactory.create("a" + run, "b" + run, "/in/a" + run + ".jpg", "/in/b" + run + ".jpg", 0.01 * run, "tiny", found),
          RowFactory.create("c" + run, "d" + run, "/in/c" + run + ".jpg", "/in/d" + run + ".jpg", 0.02 * run, "tiny", found));
      spark.createDataFrame(pairs, Lake.NEAR_DUPLICATES_SCHEMA).coalesce(1).write().format("delta").mode("append")
          .save(lake.path(Lake.NEAR_DUPLICATES));
    }
    for (int run = 0; run < 3; run++) {
      spark.range(run * 10, run * 10 + 10).selectExpr("id", "concat('note ', id) AS note").coalesce(1)
          .write().format("delta").mode("append").save(lake.path(USER_TABLE));
    }
    Path notATable = Files.createDirectories(tmp.resolve("lake").resolve("checkpoints"));
    Files.writeString(notATable.resolve("offsets"), "0");

    Set<Row> pairsBefore = rows(lake, Lake.NEAR_DUPLICATES);
    Set<Row> notesBefore = rows(lake, USER_TABLE);
    // Maintain changes two Delta settings for its run; a session's own values (a user's --conf,
    // here the opposite of Delta's defaults) are what they were afterwards, not unset.
    String check = "spark.databricks.delta.retentionDurationCheck.enabled";
    String ignore = "spark.databricks.delta.vacuum.retentionWindowIgnore.enabled";
    spark.conf().set(check, "false");
    spark.conf().set(ignore, "false");
    List<MaintainJob.TableReport> report;
    try {
      report = MaintainJob.run(spark, lake, 0L);
      assertThat(spark.conf().get(check)).as("the session's own setting, back").isEqualTo("false");
      assertThat(spark.conf().get(ignore)).as("the session's own setting, back").isEqualTo("false");
    } finally {
      spark.conf().unset(check);
      spark.conf().unset(ignore);
    }
    String text = MaintainJob.TableReport.format(report);
    System.out.println(text);

    assertThat(report).extracting(r -> r.table).as("every Delta table under the root, by name; not the checkpoints folder")
        .containsExactly(USER_TABLE, Lake.NEAR_DUPLICATES);
    MaintainJob.TableReport pairs = report.get(1);
    assertThat(pairs.known).isTrue();
    assertThat(pairs.zorder).as("Z-ORDER columns from Lake.ZORDER").isEqualTo("image_id_a,image_id_b");
    MaintainJob.TableReport notes = report.get(0);
    assertThat(notes.known).as("a user's table is not one of ours").isFalse();
    assertThat(notes.zorder).isEqualTo("-");
    for (MaintainJob.TableReport r : report) {
      assertThat(r.filesCompacted).as("%s: the three small files were rewritten", r.table).isEqualTo(3);
      assertThat(r.files).as("%s: one file after OPTIMIZE", r.table).isEqualTo(1);
      assertThat(r.version).as("%s: create/appends then OPTIMIZE (and VACUUM's commits)", r.table).isGreaterThanOrEqualTo(3);
      assertThat(parquetFiles(Path.of(lake.path(r.table)))).as("%s: VACUUM removed the unreferenced files", r.table).isEqualTo(r.files);
    }
    assertThat(rows(lake, Lake.NEAR_DUPLICATES)).as("near_duplicates rows unchanged").isEqualTo(pairsBefore);
    assertThat(rows(lake, USER_TABLE)).as("user table rows unchanged").isEqualTo(notesBefore);
    assertThat(text).contains("near_duplicates").contains("image_id_a,image_id_b")
        .containsPattern(USER_TABLE + " .* - \\(not a VisionLake table: compacted only\\)")
        .doesNotContain("checkpoints");
    assertThat(text.lines().findFirst().orElseThrow()).as("report header unchanged")
        .matches("table\\s+version\\s+files\\s+bytes\\s+compacted\\s+z-order");
  }

  static Set<Row> rows(Lake lake, String table) {
    return new HashSet<>(spark.read().format("delta").load(lake.path(table)).collectAsList());
  }

  static long parquetFiles(Path table) throws IOException {
    try (Stream<Path> files = Files.walk(table)) {
      return files.filter(p -> p.toString().endsWith(".parquet") && !p.toString().contains("_delta_log")).count();
    }
  }
}
