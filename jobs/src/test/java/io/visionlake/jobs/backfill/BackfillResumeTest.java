package io.visionlake.jobs.backfill;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.lake.RunLog;
import io.visionlake.jobs.testing.ChildJvm;
import io.visionlake.jobs.testing.DayFolders;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Resume after a crash: the backfill runs in a child JVM (the job's own main) over four days, is
 * killed with SIGKILL as soon as its first day is recorded done, and the next run in this JVM
 * skips the finished days and redoes the rest. No day is ever half visible in a table.
 */
@IntegrationTest
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class BackfillResumeTest extends DeltaTestBase {
  static final LocalDate DAY1 = LocalDate.parse("2024-06-01");
  static final int DAYS = 4;
  static final int PER_DAY = 40;

  @Test
  void killMinus9MidRangeThenResume() throws Exception {
    Path input = DayFolders.fashion(tmp.resolve("input"), DayLayout.NESTED, DAY1, DAYS, PER_DAY);
    Path lake = tmp.resolve("lake");
    String[] jobArgs = {"--input", input.toString(), "--layout", "YYYY/MM/DD", "--from", DAY1.toString(),
        "--to", DAY1.plusDays(DAYS - 1).toString(), "--lake", lake.toString(), "--quiet"};

    Path log = tmp.resolve("backfill.log");
    // The job logs a day's line right after its SUCCEEDED row is committed; reading the log
    // (not the table) keeps the poll from competing with the child for the CPU.
    ChildJvm.killWhenReady(BackfillJob.class, jobArgs, log, () -> dayLogged(log), Duration.ofSeconds(900), 200);

    long doneBeforeKill = daysSucceeded(lake);
    assertThat(doneBeforeKill).as("killed mid-range").isBetween(1L, DAYS - 1L);
    imagesPerDay(lake).forEach((day, n) ->
        assertThat(n).as("day %s is all or nothing in images", day).isIn(0L, (long) PER_DAY));

    BackfillJob.Result resumed = BackfillJob.run(spark, new BackfillJob.Settings(input.toString(), lake.toString(), DAY1,
        DAY1.plusDays(DAYS - 1)).layout(DayLayout.NESTED).quiet(true));
    assertThat(resumed.skipped()).as("days finished before the kill").isEqualTo(doneBeforeKill);
    assertThat(resumed.processed()).as("the rest, the killed day included").isEqualTo(DAYS - doneBeforeKill);
    Map<String, Long> expected = new TreeMap<>();
    for (int d = 0; d < DAYS; d++) {
      expected.put(DAY1.plusDays(d).toString(), (long) PER_DAY);
    }
    assertThat(imagesPerDay(lake)).isEqualTo(expected);
    Dataset<Row> images = spark.read().format("delta").load(lake.resolve(Lake.IMAGES).toString());
    assertThat(images.select("path").distinct().count()).as("no image twice").isEqualTo((long) DAYS * PER_DAY);
    Map<LocalDate, Row> latest = RunLog.of(spark, new Lake(lake.toString())).latestDays(BackfillJob.JOB, "backfill", DAY1, DAY1.plusDays(DAYS - 1),
        d -> DayInputs.list(spark.sessionState().newHadoopConf(), d, DayLayout.NESTED.dayDir(input.toString(), d)).dir);
    assertThat(latest).hasSize(DAYS);
    latest.forEach((day, row) -> assertThat((String) row.getAs("status")).as("latest row of %s", day).isEqualTo("SUCCEEDED"));
  }

  private static boolean dayLogged(Path log) throws java.io.IOException {
    return Files.exists(log) && java.util.regex.Pattern.compile("Backfill \\d{4}-\\d\\d-\\d\\d: \\d+ files = ")
        .matcher(Files.readString(log)).find();
  }

  private static long daysSucceeded(Path lake) {
    Path table = lake.resolve(Lake.JOB_RUNS);
    if (!Files.isDirectory(table.resolve("_delta_log"))) {
      return 0;
    }
    try {
      return spark.read().format("delta").load(table.toString()).filter(col("status").equalTo("SUCCEEDED")).count();
    } catch (RuntimeException e) {
      return 0; // the table is being created
    }
  }

  private static Map<String, Long> imagesPerDay(Path lake) {
    Map<String, Long> out = new TreeMap<>();
    Path table = lake.resolve(Lake.IMAGES);
    if (Files.isDirectory(table.resolve("_delta_log"))) {
      spark.read().format("delta").load(table.toString()).groupBy("ingest_date").count().collectAsList()
          .forEach(r -> out.put(r.get(0).toString(), r.getLong(1)));
    }
    return out;
  }
}
