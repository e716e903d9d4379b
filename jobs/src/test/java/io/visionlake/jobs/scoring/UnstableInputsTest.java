package io.visionlake.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Inputs that are not regular files, or that change under the job: a FIFO (whose read would block
 * forever), symlinks to devices (/dev/zero reads without end), a /proc file (stat says 0 bytes, a
 * read returns more), a file deleted between the listing and the read. Each becomes one {@code
 * image_errors} row with its own class; the good photos still become images. The timeouts only
 * turn a hang into a failure; no assertion is about time.
 */
@IntegrationTest
class UnstableInputsTest extends DeltaTestBase {
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void nonRegularInputsAreErrorRowsAndTheJobFinishes() throws Exception {
      Path input = Files.createDirectories(tmp.resolve("input"));
      Files.copy(TestPaths.required("data/samples/photos/dog.jpg"), input.resolve("dog.jpg"));
      Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
      Files.copy(TestPaths.required("data/samples/photos/horses.jpg"), elsewhere.resolve("horses.jpg"));
      // A symlink to a regular file is an ordinary input (cameras' "latest.jpg" links).
      Files.createSymbolicLink(input.resolve("latest.jpg"), elsewhere.resolve("horses.jpg"));
      Process mkfifo = new ProcessBuilder("mkfifo", input.resolve("pipe.jpg").toString()).inheritIO().start();
      assertThat(mkfifo.waitFor()).as("mkfifo").isZero();
      Files.createSymbolicLink(input.resolve("zero.jpg"), Paths.get("/dev/zero"));
      Files.createSymbolicLink(input.resolve("null.jpg"), Paths.get("/dev/null"));
      Files.createSymbolicLink(input.resolve("proc.jpg"), Paths.get("/proc/self/status"));
      Path lake = tmp.resolve("lake");

      BatchInferenceJob.Result result = BatchInferenceJob.run(spark,
          BatchInferenceJob.Settings.of(List.of(input.toString()), lake.toString(), "test"));

      Lake l = new Lake(lake.toString());
      List<String> images = spark.read().format("delta").load(l.path(Lake.IMAGES)).select("path")
          .as(org.apache.spark.sql.Encoders.STRING()).collectAsList().stream().map(UnstableInputsTest::name).sorted()
          .collect(Collectors.toList());
      assertThat(images).as("the regular photo and the symlink to one").containsExactly("dog.jpg", "latest.jpg");
      Map<String, Row> errors = spark.read().format("delta").load(l.path(Lake.IMAGE_ERRORS)).collectAsList().stream()
          .collect(Collectors.toMap(r -> name(r.getAs("path")), r -> r));
      assertThat(errors.keySet()).containsExactlyInAnyOrder("pipe.jpg", "zero.jpg", "null.jpg", "proc.jpg");
      assertThat(errorClass(errors.get("pipe.jpg"))).isEqualTo("read/NotARegularFile");
      assertThat(errorClass(errors.get("zero.jpg"))).isEqualTo("read/NotARegularFile");
      assertThat(errorClass(errors.get("null.jpg"))).isEqualTo("read/NotARegularFile");
      assertThat(errorClass(errors.get("proc.jpg"))).isEqualTo("read/FileChanged");
      assertThat((String) errors.get("pipe.jpg").getAs("message")).as("says what the file is").contains("FIFO");
      assertThat((String) errors.get("zero.jpg").getAs("message")).contains("/dev/zero");
      assertThat(result.inputsSeen).isEqualTo(6);
    }
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFileDeletedBetweenListingAndReadIsFileVanished() throws Exception {
      Path input = Files.createDirectories(tmp.resolve("input"));
      Files.copy(TestPaths.required("data/samples/photos/dog.jpg"), input.resolve("dog.jpg"));
      Files.copy(TestPaths.required("data/samples/photos/horses.jpg"), input.resolve("gone.jpg"));
      ModelCatalog catalog = ModelCatalog.fromEnvironment();
      ScoringPlan plan = ScoringPlan.prepare(spark, JobConf.forJob(catalog, null, spark), catalog, null,
          List.of(), false, ScoringPlan.Workload.FILES);
      List<String> listed = InputFiles.list(spark.sessionState().newHadoopConf(), List.of(input.toString())).files();
      assertThat(listed).hasSize(2);
      Files.delete(input.resolve("gone.jpg")); // the real window: listed on the driver, gone before the executor reads

      Dataset<Row> results = plan.score(spark, listed, null);
      Map<String, Row> byName = results.collectAsList().stream().collect(Collectors.toMap(r -> name(r.getAs("path")), r -> r));
      results.unpersist();

      assertThat((boolean) byName.get("dog.jpg").getAs("ok")).isTrue();
      Row gone = byName.get("gone.jpg");
      assertThat((boolean) gone.getAs("ok")).isFalse();
      assertThat(errorClass(gone)).isEqualTo("read/FileVanished");
    }

  private static String errorClass(Row r) {
    return r.getAs("stage") + "/" + r.getAs("error_class");
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
