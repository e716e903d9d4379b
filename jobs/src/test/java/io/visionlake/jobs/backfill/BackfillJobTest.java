package io.visionlake.jobs.backfill;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.cli.ProgressReporter;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.ops.MaintainJob;
import io.visionlake.jobs.testing.DayFolders;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backfill over three days of real PNGs (plus a damaged file and a missing day): each day lands in
 * its partition, re-runs skip done days and change nothing, changed inputs, --force and a new model
 * version re-process exactly the days they should, and the batch job keeps working on the lake.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class BackfillJobTest extends DeltaTestBase {
  static final LocalDate DAY1 = LocalDate.parse("2024-03-01");
  static final int PER_DAY = 30; // real PNGs per day folder

  @TempDir
  static Path tmp;
  static Path input;
  static Path lake;

  @BeforeAll
  static void inputs() throws IOException {
    input = DayFolders.fashion(tmp.resolve("input"), DayLayout.HIVE, DAY1, 3, PER_DAY);
    // a damaged file on day 2, and a hidden temp file that is not an input
    Path day2 = DayFolders.dayDir(input, DayLayout.HIVE, DAY1.plusDays(1));
    Files.write(day2.resolve("truncated.png"), java.util.Arrays.copyOf(Files.readAllBytes(day2.resolve("test-00030.png")), 60));
    Files.write(day2.resolve(".upload-in-progress.png"), new byte[10]);
    lake = tmp.resolve("lake");
  }

  static Dataset<Row> table(String name) {
    return spark.read().format("delta").load(new Lake(lake.toString()).path(name));
  }

  static BackfillJob.Settings range(LocalDate from, LocalDate to) {
    return new BackfillJob.Settings(input.toString(), lake.toString(), from, to).quiet(true);
  }

  static Map<String, Long> imagesPerDay() {
    Map<String, Long> out = new TreeMap<>();
    table(Lake.IMAGES).groupBy("ingest_date").count().collectAsList().forEach(r -> out.put(r.get(0).toString(), r.getLong(1)));
    return out;
  }

  static Set<Row> rows(String t) {
    return new HashSet<>(table(t).collectAsList());
  }

  @Test
  @Order(1)
  void eachDayLandsInItsOwnPartitionWithEveryFileAccountedFor() {
    BackfillJob.Result result = BackfillJob.run(spark, range(DAY1, DAY1.plusDays(3)).parallelDays(2));
    System.out.println(result.summary());

    assertThat(result.processed()).as("three days with files").isEqualTo(3);
    assertThat(result.noInput()).as("the fourth day has no folder").isEqualTo(1);
    assertThat(result.failed()).isZero();
    assertThat(imagesPerDay()).as("ingest_date is the day of the folder")
        .isEqualTo(Map.of("2024-03-01", 30L, "2024-03-02", 30L, "2024-03-03", 30L));
    List<Row> errors = table(Lake.IMAGE_ERRORS).collectAsList();
    assertThat(errors).hasSize(1);
    assertThat((String) errors.get(0).getAs("path")).endsWith("date=2024-03-02/truncated.png");
    assertThat(table(Lake.IMAGES).filter(col("path").contains(".upload")).count()).as("hidden files are not inputs").isZero();
    assertThat(table(Lake.IMAGES).filter(col("source").equalTo("backfill")).count()).isEqualTo(90);
    assertThat(table(Lake.IMAGES).select("path").distinct().count()).as("no file twice").isEqualTo(90);

    Map<String, Long> stats = new TreeMap<>();
    table(Lake.LABEL_STATS).groupBy("ingest_date").sum("images").collectAsList()
        .forEach(r -> stats.put(r.get(0).toString(), r.getLong(1)));
    assertThat(stats).as("label_stats recomputed for each day").isEqualTo(imagesPerDay());

    List<Row> done = table(Lake.JOB_RUNS).filter(col("status").equalTo("SUCCEEDED")).orderBy("run_date").collectAsList();
    assertThat(done).hasSize(3);
    Row day2 = done.get(1);
    assertThat((long) day2.getAs("inputs_seen")).isEqualTo(31);
    assertThat((long) day2.getAs("images_written") + (long) day2.getAs("errors_written")).isEqualTo(31);
    assertThat((String) day2.getAs("inputs_fingerprint")).startsWith("files=31;bytes=");
    assertThat((String) day2.getAs("model")).isEqualTo("fashion-cnn@1.0.0");
    assertThat((String) day2.getAs("model_sha256")).hasSize(64);
    assertThat(table(Lake.JOB_RUNS).filter(col("status").equalTo("RUNNING")).count()).as("each day announced when it started").isEqualTo(3);
  }

  @Test
  @Order(2)
  void rerunSkipsDoneDaysAndChangesNoTable() {
    Map<String, Set<Row>> before = new TreeMap<>();
    for (String t : List.of(Lake.IMAGES, Lake.IMAGE_ERRORS, Lake.LABEL_STATS)) {
      before.put(t, rows(t));
    }
    long versionBefore = spark.sql("DESCRIBE HISTORY delta.`" + lake.resolve(Lake.IMAGES) + "` LIMIT 1").first().getLong(0);
    BackfillJob.Result again = BackfillJob.run(spark, range(DAY1, DAY1.plusDays(2)));
    assertThat(again.skipped()).as("same inputs, same model").isEqualTo(3);
    assertThat(again.processed()).isZero();
    before.forEach((t, rows) -> assertThat(rows(t)).as("table %s unchanged", t).isEqualTo(rows));
    assertThat(spark.sql("DESCRIBE HISTORY delta.`" + lake.resolve(Lake.IMAGES) + "` LIMIT 1").first().getLong(0))
        .as("no commit at all on images").isEqualTo(versionBefore);
  }

  @Test
  @Order(3)
  void changedInputsAndForceReprocessOnlyTheirDaysWithoutDuplicates() throws IOException {
    Path day3 = DayFolders.dayDir(input, DayLayout.HIVE, DAY1.plusDays(2));
    Files.copy(TestPaths.required("data/samples/fashion/test-01000.png"), day3.resolve("test-01000.png"));
    BackfillJob.Result changed = BackfillJob.run(spark, range(DAY1, DAY1.plusDays(2)));
    assertThat(changed.processed()).as("only the day whose fingerprint changed").isEqualTo(1);
    assertThat(changed.days().get(2).status()).isEqualTo("SUCCEEDED");
    assertThat(imagesPerDay()).isEqualTo(Map.of("2024-03-01", 30L, "2024-03-02", 30L, "2024-03-03", 31L));

    Set<Row> day1Before = new HashSet<>(table(Lake.IMAGES).filter(col("ingest_date").equalTo("2024-03-01"))
        .select("path", "image_id", "top_label").collectAsList());
    BackfillJob.Result forced = BackfillJob.run(spark, range(DAY1, DAY1).force(true));
    assertThat(forced.processed()).isEqualTo(1);
    assertThat(new HashSet<>(table(Lake.IMAGES).filter(col("ingest_date").equalTo("2024-03-01"))
        .select("path", "image_id", "top_label").collectAsList())).as("forced day replaced, not appended").isEqualTo(day1Before);
    assertThat(table(Lake.IMAGES).filter(col("ingest_date").equalTo("2024-03-01")).select("job_run_id").distinct().count())
        .as("one run's rows").isEqualTo(1);
  }

  @Test
  @Order(4)
  void aNewModelVersionReprocessesTheDaysAsked(@TempDir Path dir) throws IOException {
    Path spec = dir.resolve("fashion-cnn-v2.properties");
    String text = Files.readString(TestPaths.required("conf/models/fashion-cnn.properties"))
        .replace("version=1.0.0", "version=2.0.0")
        .replace("uri=models/", "uri=" + TestPaths.home().resolve("models") + "/")
        .replace("labels=models/", "labels=" + TestPaths.home().resolve("models") + "/");
    Files.writeString(spec, text);
    BackfillJob.Result v2 = BackfillJob.run(spark, range(DAY1.plusDays(1), DAY1.plusDays(2)).model(spec.toString()));
    assertThat(v2.processed()).as("both days asked, model changed").isEqualTo(2);
    Map<String, Long> versions = new TreeMap<>();
    table(Lake.IMAGES).groupBy("ingest_date", "model_version").count().collectAsList()
        .forEach(r -> versions.put(r.get(0) + " " + r.getString(1), r.getLong(2)));
    assertThat(versions).isEqualTo(Map.of("2024-03-01 1.0.0", 30L, "2024-03-02 2.0.0", 30L, "2024-03-03 2.0.0", 31L));
    assertThat(table(Lake.IMAGE_ERRORS).count()).as("the damaged file's error replaced, not duplicated").isEqualTo(1);

    BackfillJob.Result same = BackfillJob.run(spark, range(DAY1.plusDays(1), DAY1.plusDays(2)).model(spec.toString()));
    assertThat(same.skipped()).isEqualTo(2);
  }

  @Test
  @Order(5)
  void theBatchJobKeepsWorkingOnABackfilledLake(@TempDir Path dir) throws IOException {
    Path photos = Files.createDirectories(dir.resolve("photos"));
    Files.copy(TestPaths.required("data/samples/photos/dog.jpg"), photos.resolve("dog.jpg"));
    BatchInferenceJob.Result batch = BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(photos.toString()), lake.toString(), "cams"));
    assertThat(batch.imagesInserted).isEqualTo(1);
    Row run = table(Lake.JOB_RUNS).filter(col("id").equalTo(batch.runId)).first();
    assertThat((Object) run.getAs("run_date")).as("batch rows keep nulls in the backfill's columns").isNull();
    assertThat(table(Lake.IMAGES).count()).isEqualTo(92);
  }

  @Test
  @Order(6)
  void maintainCompactsZOrdersAndVacuumsWithoutChangingRows() throws IOException {
    Map<String, Set<Row>> before = new TreeMap<>();
    for (String t : List.of(Lake.IMAGES, Lake.IMAGE_ERRORS, Lake.LABEL_STATS, Lake.JOB_RUNS)) {
      before.put(t, rows(t));
    }
    List<MaintainJob.TableReport> report = MaintainJob.run(spark, new Lake(lake.toString()), 0L);
    System.out.println(MaintainJob.TableReport.format(report));
    before.forEach((t, rows) -> assertThat(rows(t)).as("rows of %s unchanged", t).isEqualTo(rows));
    MaintainJob.TableReport images = report.stream().filter(r -> r.table.equals(Lake.IMAGES)).findFirst().orElseThrow();
    long partitions = table(Lake.IMAGES).select("ingest_date").distinct().count();
    assertThat(images.files).as("one file per partition after OPTIMIZE").isEqualTo(partitions);
    assertThat(images.filesCompacted).as("small files were rewritten").isPositive();
    assertThat(images.zorder).isEqualTo("source,top_label");
    assertThat(images.bytes).isPositive();
    long onDisk;
    try (var files = Files.walk(lake.resolve(Lake.IMAGES))) {
      onDisk = files.filter(p -> p.toString().endsWith(".parquet") && !p.toString().contains("_delta_log")).count();
    }
    assertThat(onDisk).as("VACUUM removed every file the latest version does not reference").isEqualTo(images.files);
    assertThat(report).extracting(r -> r.table).contains(Lake.IMAGES, Lake.IMAGE_ERRORS, Lake.LABEL_STATS, Lake.JOB_RUNS);
  }

  @Test
  @Order(7)
  void theProgressBarCountsStagesAndTasksAndQuietPrintsNothing() {
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream loud = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream quiet = new java.io.ByteArrayOutputStream();
    try {
      System.setErr(new java.io.PrintStream(loud, true));
      org.apache.spark.util.LongAccumulator done = spark.sparkContext().longAccumulator("test.images");
      try (ProgressReporter progress = new ProgressReporter(spark, "test", done, 8, 1, false)) {
        spark.range(0, 8, 1, 4).foreach((org.apache.spark.api.java.function.ForeachFunction<Long>) x -> done.add(1));
        progress.finish();
        assertThat(progress.tasksDone()).as("the listener saw the 4 tasks").isGreaterThanOrEqualTo(4);
        assertThat(progress.stagesDone()).isGreaterThanOrEqualTo(1);
      }
      System.setErr(new java.io.PrintStream(quiet, true));
      try (ProgressReporter progress = new ProgressReporter(spark, "test", done, 8, 1, true)) {
        spark.range(0, 8, 1, 4).count();
        progress.finish();
      }
    } finally {
      System.setErr(err);
    }
    assertThat(loud.toString()).contains("[test] [########################] 100.0% 8/8 images").contains("tasks 4/4").contains("ETA 0s");
    assertThat(quiet.toString()).as("--quiet").isEmpty();
  }
}
