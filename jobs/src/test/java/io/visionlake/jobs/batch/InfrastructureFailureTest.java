package io.visionlake.jobs.batch;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A model that cannot run is the run's failure, not every image's: the job throws with a message
 * naming the setting, job_runs records FAILED with that cause, and image_errors gets no row (its
 * rows are for images). Real weights files and a real GPU-less machine; nothing is mocked.
 */
@IntegrationTest
class InfrastructureFailureTest extends DeltaTestBase {

  /** A copy of {@code conf/models/<name>.properties} with {@code weights}, absolute labels, no sha256, plus {@code extra} lines. */
  private Path spec(String name, Path weights, String labels, String... extra) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(TestPaths.required("conf/models/" + name + ".properties"))) {
      if (line.startsWith("uri=")) {
        line = "uri=" + weights;
      } else if (line.startsWith("labels=")) {
        line = "labels=" + TestPaths.required(labels);
      } else if (line.startsWith("sha256=")) {
        continue; // the garbage must reach the engine, not stop at the checksum
      }
      lines.add(line);
    }
    lines.addAll(List.of(extra));
    return Files.write(Files.createDirectories(tmp.resolve("spec")).resolve(name + ".properties"), lines);
  }

  private Path input() throws IOException {
    Path in = Files.createDirectories(tmp.resolve("input"));
    for (String name : List.of("dog.jpg", "horses.jpg")) {
      Files.copy(TestPaths.required("data/samples/photos/" + name), in.resolve(name));
    }
    return in;
  }

  private void assertFailedWithoutImageErrors(Path spec, String expectedInMessage) throws IOException {
    Path in = input();
    Path lake = tmp.resolve("lake");
    Throwable thrown = catchThrowable(() -> BatchInferenceJob.run(spark,
        new BatchInferenceJob.Settings(List.of(in.toString()), lake.toString(), "t", spec.toString(), null, "--model " + spec)));

    assertThat(thrown).as("the run fails").isNotNull();
    assertThat(thrown.getMessage()).as("the message names the setting").contains(expectedInMessage);
    List<Row> runs = spark.read().format("delta").load(new Lake(lake.toString()).path(Lake.JOB_RUNS)).collectAsList();
    assertThat(runs).as("one job_runs row").hasSize(1);
    assertThat(runs.get(0).<String>getAs("status")).isEqualTo("FAILED");
    assertThat(runs.get(0).<String>getAs("message")).as("job_runs carries the cause").contains(expectedInMessage);
    Path errors = lake.resolve(Lake.IMAGE_ERRORS);
    long errorRows = Files.isDirectory(errors.resolve("_delta_log"))
        ? spark.read().format("delta").load(errors.toString()).count() : 0;
    assertThat(errorRows).as("no image_errors rows: the images are fine, the model is not").isZero();
    long imageRows = Files.isDirectory(lake.resolve(Lake.IMAGES).resolve("_delta_log"))
        ? spark.read().format("delta").load(lake.resolve(Lake.IMAGES).toString()).filter(col("path").isNotNull()).count() : 0;
    assertThat(imageRows).as("no images rows either").isZero();
  }

  @Test
  void corruptWeightsFailTheRunNotTheImages() throws IOException {
    byte[] garbage = new byte[4096];
    new Random(7).nextBytes(garbage);
    Path weights = Files.write(Files.createDirectories(tmp.resolve("weights")).resolve("orientation.onnx"), garbage);
    assertFailedWithoutImageErrors(spec("ppocr-orientation", weights, "conf/models/ppocr-orientation.labels"),
        "Cannot load model 'ppocr-orientation'");
  }

  @Test
  void aFileThatErroredAndLaterSucceededIsNoLongerACurrentError() throws IOException {
    Path in = Files.createDirectories(tmp.resolve("retry"));
    byte[] dog = Files.readAllBytes(TestPaths.required("data/samples/photos/dog.jpg"));
    Files.write(in.resolve("dog.jpg"), java.util.Arrays.copyOf(dog, 300)); // still uploading: truncated
    Files.write(in.resolve("broken.jpg"), java.util.Arrays.copyOf(dog, 300)); // stays broken
    Path lake = tmp.resolve("lake");
    BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(in.toString()), lake.toString(), "t"));
    Files.write(in.resolve("dog.jpg"), dog); // the upload completed
    BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(in.toString()), lake.toString(), "t"));

    io.visionlake.jobs.ops.SqlQueryJob.registerTables(spark, new Lake(lake.toString()));
    List<String> history = spark.sql("SELECT path FROM image_errors").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    List<String> current = spark.sql("SELECT path FROM " + io.visionlake.jobs.ops.SqlQueryJob.CURRENT_IMAGE_ERRORS)
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(history).as("image_errors keeps the history: both first-run errors").hasSize(2);
    assertThat(current).as("the latest view: only the file still broken").singleElement().asString().endsWith("/broken.jpg");
  }

  @Test
  void deviceGpuWithoutAGpuFailsTheRunNotTheImages() throws IOException {
    Path spec = spec("fashion-cnn", TestPaths.required("models/fashion-cnn/fashion-cnn-0000.params"), "models/fashion-cnn/labels.txt",
        "device=gpu");
    assertFailedWithoutImageErrors(spec, "device=gpu");
  }
}
