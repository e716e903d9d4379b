package io.visionlake.jobs.backfill;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.delta.tables.DeltaTable;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.LabelStats;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.jobs.testing.DayFolders;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Date;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * What a backfill day owns and when it counts as done: two input roots backfilled under one
 * {@code --source} keep each other's rows; the "done" fingerprint sees a file swapped for another
 * of the same name and size, a changed analyser list and a changed decode limit; and a day whose
 * {@code label_stats} no longer matches {@code images} is healed by the next (skipping) run.
 * Two or three Fashion-MNIST PNGs per day and four job runs in all: backfill runs are the cost here.
 */
@IntegrationTest
class BackfillSlicesTest extends DeltaTestBase {
  static final LocalDate DAY = LocalDate.parse("2024-05-10");

  private Dataset<Row> table(Path lake, String name) {
    return spark.read().format("delta").load(new Lake(lake.toString()).path(name));
  }

  private BackfillJob.Settings day(Path input, Path lake) {
    return new BackfillJob.Settings(input.toString(), lake.toString(), DAY, DAY).quiet(true);
  }

  @Test
  void twoRootsUnderOneSourceKeepEachOthersRowsLabelStatsHealsAndAnalysersRerun() throws Exception {
    Path a = DayFolders.fashion(tmp.resolve("mnt-a"), DayLayout.HIVE, DAY, 1, 2);
    Path b = DayFolders.fashion(tmp.resolve("mnt-b"), DayLayout.HIVE, DAY, 1, 3);
    // one damaged file per root: image_errors must keep both roots' rows too
    Files.write(DayFolders.dayDir(a, DayLayout.HIVE, DAY).resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    Files.write(DayFolders.dayDir(b, DayLayout.HIVE, DAY).resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    Path lake = tmp.resolve("lake");

    assertThat(BackfillJob.run(spark, day(a, lake).source("cam")).processed()).isEqualTo(1);
    assertThat(BackfillJob.run(spark, day(b, lake).source("cam")).processed()).isEqualTo(1);
    Dataset<Row> images = table(lake, Lake.IMAGES).filter(col("source").equalTo("cam"));
    assertThat(images.filter(col("path").contains("/mnt-a/")).count()).as("root A's rows after root B's run").isEqualTo(2);
    assertThat(images.filter(col("path").contains("/mnt-b/")).count()).as("root B's rows").isEqualTo(3);
    assertThat(table(lake, Lake.IMAGE_ERRORS).count()).as("one error per root").isEqualTo(2);
    assertThat(table(lake, Lake.LABEL_STATS).groupBy().sum("images").first().getLong(0)).as("label_stats counts both roots").isEqualTo(5);

    // A crash between the images commit and the label_stats commit, as the tables see it: images
    // has the day, label_stats does not.
    DeltaTable.forPath(spark, new Lake(lake.toString()).path(Lake.LABEL_STATS)).delete("ingest_date = '" + DAY + "'");

    BackfillJob.Result again = BackfillJob.run(spark, day(a, lake).source("cam"));
    assertThat(again.skipped()).as("root A is done: root B's run of the same day and source does not undo it").isEqualTo(1);
    assertThat(new HashSet<>(table(lake, Lake.LABEL_STATS).collectAsList())).as("label_stats recomputed from images")
        .isEqualTo(new HashSet<>(LabelStats.of(spark, new Lake(lake.toString()), List.of(Date.valueOf(DAY))).collectAsList()))
        .isNotEmpty();
    assertThat(table(lake, Lake.IMAGES).count()).isEqualTo(5);

    BackfillJob.Result classifyOnly = BackfillJob.run(spark, day(a, lake).source("cam").analyzers("classify"));
    assertThat(classifyOnly.processed()).as("same files, analysers changed from classify,embed to classify").isEqualTo(1);
    assertThat(table(lake, Lake.IMAGES).filter(col("path").contains("/mnt-a/").and(col("embedding").isNotNull())).count())
        .as("root A's day re-run without embed").isZero();
    assertThat(table(lake, Lake.IMAGES).filter(col("path").contains("/mnt-b/").and(col("embedding").isNotNull())).count())
        .as("root B's rows untouched").isEqualTo(3);
  }

  /**
   * Driver-side only (no job runs): the fingerprint changes for a file swapped for another of the
   * same name and size with an older mtime, and for a changed decode limit or analyser list.
   */
  @Test
  void theDoneFingerprintCoversFileIdentityAnalysersAndLimits() throws Exception {
    Path input = DayFolders.fashion(tmp.resolve("input"), DayLayout.HIVE, DAY, 1, 3);
    Path dayDir = DayFolders.dayDir(input, DayLayout.HIVE, DAY);
    Configuration hadoop = spark.sessionState().newHadoopConf();
    String settings = plan(null, List.of()).resultSettings();
    String before = DayInputs.list(hadoop, DAY, dayDir.toString()).fingerprint(settings);
    assertThat(DayInputs.list(hadoop, DAY, dayDir.toString()).fingerprint(settings)).as("same files, same settings").isEqualTo(before);

    // Another file under the same name, with the same size, and an older mtime (rsync -t, cp -p):
    // file count, total bytes and the newest mtime all stay what they were.
    Path first = dayDir.resolve("test-00000.png");
    byte[] bytes = Files.readAllBytes(first);
    bytes[bytes.length - 1] ^= 0x5A; // the PNG's IEND CRC: same size, other content
    FileTime older = FileTime.fromMillis(Files.getLastModifiedTime(first).toMillis() - 86_400_000L);
    Files.write(first, bytes);
    Files.setLastModifiedTime(first, older);
    String swapped = DayInputs.list(hadoop, DAY, dayDir.toString()).fingerprint(settings);
    assertThat(swapped).as("a file replaced by another of the same name and size, older mtime").isNotEqualTo(before)
        .startsWith("files=3;bytes=");

    Path conf = tmp.resolve("small.properties");
    Files.writeString(conf, JobOptions.MAX_PIXELS + "=100\n");
    assertThat(DayInputs.list(hadoop, DAY, dayDir.toString()).fingerprint(plan(conf, List.of()).resultSettings()))
        .as("decode.maxPixels changed").isNotEqualTo(swapped);
    assertThat(DayInputs.list(hadoop, DAY, dayDir.toString()).fingerprint(plan(null, List.of("classify")).resultSettings()))
        .as("analysers changed").isNotEqualTo(swapped);
  }

  private static ScoringPlan plan(Path confFile, List<String> analyzers) {
    ModelCatalog catalog = ModelCatalog.fromEnvironment();
    return ScoringPlan.prepare(spark, JobConf.forJob(catalog, confFile, spark), catalog, null, analyzers, false, ScoringPlan.Workload.FILES);
  }
}
