package io.visionlake.jobs.backfill;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.DayFolders;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * One day whose write fails for real (its {@code images} partition folder is taken by a plain
 * file, so the executors' writes fail with a checked SparkException) does not stop the other days:
 * they are done, the failed day's job_runs row says FAILED with the cause (never a dangling
 * RUNNING), and the exit code says "partial" (4), distinct from "nothing succeeded" (1).
 */
@IntegrationTest
class BackfillPartialFailureTest extends DeltaTestBase {
  static final LocalDate DAY1 = LocalDate.parse("2024-04-01");
  static final LocalDate DAY2 = DAY1.plusDays(1);
  static final LocalDate DAY3 = DAY1.plusDays(2);

  @Test
  void oneFailingDayLeavesTheOthersDoneAndExitsPartial() throws IOException {
    Path input = DayFolders.fashion(tmp.resolve("input"), DayLayout.HIVE, DAY1, 3, 2);
    Path lake = tmp.resolve("lake");
    BackfillJob.Result first = BackfillJob.run(spark, new BackfillJob.Settings(input.toString(), lake.toString(), DAY1, DAY1).quiet(true));
    assertThat(first.exitCode()).isEqualTo(JobMain.DONE);
    // Day 2's partition folder is a file: a real write failure on the executors, for that day only.
    Files.write(lake.resolve(Lake.IMAGES).resolve("ingest_date=" + DAY2), new byte[] {1});

    BackfillJob.Result result = BackfillJob.run(spark, new BackfillJob.Settings(input.toString(), lake.toString(), DAY1, DAY3).quiet(true));

    Map<LocalDate, String> status = new TreeMap<>();
    result.days().forEach(d -> status.put(d.day(), d.status()));
    assertThat(status).as("day 1 done before, day 2 failed, day 3 processed")
        .containsExactly(Map.entry(DAY1, "SKIPPED"), Map.entry(DAY2, "FAILED"), Map.entry(DAY3, "SUCCEEDED"));
    assertThat(result.exitCode()).as("some days failed, others are done: partial").isEqualTo(BackfillJob.PARTIAL_EXIT);

    Map<LocalDate, Row> latest = new TreeMap<>();
    spark.read().format("delta").load(lake.resolve(Lake.JOB_RUNS).toString()).filter(col("job").equalTo("backfill"))
        .orderBy(col("started"), col("finished").asc_nulls_first()).collectAsList()
        .forEach(r -> latest.put(r.<java.sql.Date>getAs("run_date").toLocalDate(), r));
    assertThat(latest.get(DAY2).<String>getAs("status")).as("the failed day records itself").isEqualTo("FAILED");
    assertThat(latest.get(DAY2).<String>getAs("message")).as("with its cause").contains("ingest_date=" + DAY2);
    assertThat(latest.get(DAY3).<String>getAs("status")).isEqualTo("SUCCEEDED");
    assertThat(spark.read().format("delta").load(lake.resolve(Lake.IMAGES).toString()).filter(col("ingest_date").equalTo(DAY3.toString())).count())
        .as("day 3's images are written").isEqualTo(2);

    BackfillJob.Result onlyFailed = new BackfillJob.Result(result.days().stream().filter(d -> d.day().equals(DAY2)).toList(), 0, 0);
    assertThat(onlyFailed.exitCode()).as("nothing of the range done: failed").isEqualTo(JobMain.FAILED);
  }
}
