package io.visionlake.jobs.batch;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.ops.SqlQueryJob;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.BadInputCorpus;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class BatchInferenceJobTest extends DeltaTestBase {
  @TempDir
  static Path tmp;
  static Path input;
  static Path lake;
  static Map<String, Boolean> corpus;

  @BeforeAll
  static void corpus() throws IOException {
    input = tmp.resolve("input");
    corpus = new HashMap<>(BadInputCorpus.write(input.resolve("bad")));
    // Real photos in a nested folder: reads are recursive.
    Path photos = Files.createDirectories(input.resolve("photos/nested"));
    for (String name : List.of("dog.jpg", "horses.jpg", "scream.jpg")) {
      Files.copy(TestPaths.required("data/samples/photos/" + name), photos.resolve(name));
      corpus.put(name, true);
    }
    lake = tmp.resolve("lake");
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static Dataset<Row> table(String name) {
    return spark.read().format("delta").load(new Lake(lake.toString()).path(name));
  }

  @Test
  @Order(1)
  void everyInputIsExactlyOneImageOrErrorRow() {
    BatchInferenceJob.Result result;
    spark.conf().set(JobOptions.FILES_PER_PARTITION, "2"); // many inference partitions, a few files written
    try {
      result = BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(input.toString()), lake.toString(), "test"));
    } finally {
      spark.conf().unset(JobOptions.FILES_PER_PARTITION);
    }
    int cores = spark.sparkContext().defaultParallelism();
    for (String t : List.of(Lake.IMAGES, Lake.IMAGE_ERRORS)) {
      long files = spark.sql("DESCRIBE DETAIL delta.`" + new Lake(lake.toString()).path(t) + "`").first().getAs("numFiles");
      assertThat(files).as("%s: one file per core for a small run, not one per inference partition (2 files each)", t)
          .isBetween(1L, (long) cores);
    }

    assertThat(result.inputsSeen).as("files under the input, recursively").isEqualTo(corpus.size());
    assertThat(result.imagesWritten + result.errorsWritten).as("accounting").isEqualTo(result.inputsSeen);

    List<String> imagePaths = table(Lake.IMAGES).select("path").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    List<String> errorPaths = table(Lake.IMAGE_ERRORS).select("path").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    List<String> all = Stream.concat(imagePaths.stream(), errorPaths.stream()).map(BatchInferenceJobTest::fileName).collect(Collectors.toList());
    assertThat(all).as("each input file exactly once across images and image_errors").containsExactlyInAnyOrderElementsOf(corpus.keySet());
    Set<String> expectedImages = corpus.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).collect(Collectors.toSet());
    assertThat(imagePaths.stream().map(BatchInferenceJobTest::fileName).collect(Collectors.toSet())).isEqualTo(expectedImages);

    Map<String, Row> errors = table(Lake.IMAGE_ERRORS).collectAsList().stream()
        .collect(Collectors.toMap(r -> fileName(r.getAs("path")), r -> r));
    assertThat((String) errors.get("huge-header.png").getAs("error_class")).isEqualTo("ImageTooLarge");
    assertThat((String) errors.get("zero-bytes.jpg").getAs("error_class")).isEqualTo("EmptyFile");
    assertThat((String) errors.get("text-named.jpg").getAs("error_class")).isEqualTo("UnsupportedFormat");
    assertThat((String) errors.get("truncated.jpg").getAs("error_class")).isEqualTo("Truncated");
    errors.values().forEach(r -> {
      assertThat((String) r.getAs("stage")).isEqualTo("decode");
      assertThat((String) r.getAs("message")).as("an actionable message").isNotBlank();
      assertThat((String) r.getAs("job_run_id")).isEqualTo(result.runId);
    });

    Row rotated = table(Lake.IMAGES).filter(col("path").endsWith("exif-rotated.jpg")).first();
    assertThat((int) rotated.getAs("width")).as("EXIF orientation 6 swaps the displayed size").isEqualTo(240);
    assertThat((int) rotated.getAs("height")).isEqualTo(320);
    Row dog = table(Lake.IMAGES).filter(col("path").endsWith("dog.jpg")).first();
    assertThat((String) dog.getAs("format")).isEqualTo("jpeg");
    assertThat((String) dog.getAs("image_id")).as("sha256 of the bytes").hasSize(64);
    assertThat(dog.<Row>getList(dog.fieldIndex("labels"))).hasSize(5);
    assertThat(dog.<Float>getList(dog.fieldIndex("embedding"))).hasSize(128);
    assertThat((String) dog.getAs("model_name")).isEqualTo("fashion-cnn");
    assertThat((String) dog.getAs("model_sha256")).hasSize(64);

    Row run = table(Lake.JOB_RUNS).filter(col("id").equalTo(result.runId)).first();
    assertThat((String) run.getAs("status")).isEqualTo("SUCCEEDED");
    assertThat((long) run.getAs("inputs_seen")).isEqualTo(corpus.size());
    assertThat((long) run.getAs("images_written")).isEqualTo(expectedImages.size());
    assertThat((long) run.getAs("errors_written")).isEqualTo(corpus.size() - expectedImages.size());
    assertThat((String) run.getAs("layout")).as("the layout the executor measured (or reused) for the model")
        .matches("fashion-cnn: batch=(1|2|4|8|16),threads=1 \\((tuned|cached)\\)"
            + "(; fashion-cnn: batch=(1|2|4|8|16),threads=1 \\((tuned|cached)\\))*") // a later partition with more images measures again
        .isEqualTo(result.layout);

    long statImages = table(Lake.LABEL_STATS).agg(org.apache.spark.sql.functions.sum("images")).first().getLong(0);
    assertThat(statImages).as("label_stats counts every image once").isEqualTo(expectedImages.size());
  }

  @Test
  @Order(2)
  void rerunningTheSameInputChangesNoTable() {
    Map<String, Set<Row>> before = new HashMap<>();
    for (String t : List.of(Lake.IMAGES, Lake.IMAGE_ERRORS, Lake.LABEL_STATS)) {
      before.put(t, new HashSet<>(table(t).collectAsList()));
    }
    long runsBefore = table(Lake.JOB_RUNS).count();
    BatchInferenceJob.Result again;
    spark.conf().set(JobOptions.AUTOTUNE, "false"); // and the layout changes no row
    try {
      again = BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(input.toString()), lake.toString(), "test"));
    } finally {
      spark.conf().unset(JobOptions.AUTOTUNE);
    }
    assertThat(again.layout).as("tuning off: the spec's batch.size, spark.task.cpus threads")
        .isEqualTo("fashion-cnn: batch=64,threads=1 (disabled)");
    assertThat(again.imagesInserted).as("no new image rows").isZero();
    assertThat(again.errorsInserted).as("no new error rows").isZero();
    assertThat(again.imagesWritten + again.errorsWritten).isEqualTo(corpus.size());
    for (String t : before.keySet()) {
      assertThat(new HashSet<>(table(t).collectAsList())).as("table %s unchanged", t).isEqualTo(before.get(t));
      assertThat(table(t).count()).as("table %s has no duplicates", t).isEqualTo(before.get(t).size());
    }
    assertThat(table(Lake.JOB_RUNS).count()).as("job_runs is the audit log: one row per run").isEqualTo(runsBefore + 1);
  }

  @Test
  @Order(3)
  void sqlSeesTheLakeTablesByName() {
    List<String> names = SqlQueryJob.registerTables(spark, new Lake(lake.toString()));
    assertThat(names).as("the tables a batch run writes").containsExactlyInAnyOrder(Lake.IMAGES, Lake.IMAGE_ERRORS, Lake.LABEL_STATS, Lake.JOB_RUNS);
    long images = corpus.values().stream().filter(b -> b).count();
    assertThat(spark.sql("SELECT count(*) FROM images").first().getLong(0)).isEqualTo(images);
    assertThat(spark.sql("SELECT sum(images) FROM label_stats").first().getLong(0)).isEqualTo(images);
  }

  @Test
  @Order(4)
  void classifiesFashionMnistThroughTheWholeJob(@TempDir Path dir) throws IOException {
    Path fashion = Files.createDirectories(dir.resolve("fashion"));
    Map<String, String> truth = new HashMap<>();
    List<String> lines = Files.readAllLines(TestPaths.required("data/samples/labels/fashion.csv"));
    for (String line : lines.subList(1, 501)) {
      String[] parts = line.split(",");
      Path src = Path.of(parts[0]);
      Files.copy(src, fashion.resolve(src.getFileName()));
      truth.put(src.getFileName().toString(), parts[1]);
    }
    Path fashionLake = dir.resolve("lake");
    BatchInferenceJob.Result result = BatchInferenceJob.run(spark,
        BatchInferenceJob.Settings.of(List.of(fashion.toString()), fashionLake.toString(), "fashion"));
    assertThat(result.imagesWritten).isEqualTo(500);
    List<Row> rows = spark.read().format("delta").load(fashionLake.resolve("images").toString()).select("path", "top_label").collectAsList();
    long correct = rows.stream().filter(r -> truth.get(fileName(r.getString(0))).equals(r.getString(1))).count();
    double accuracy = correct / 500.0;
    System.out.printf("fashion-cnn top-1 accuracy through the batch job on 500 test PNGs: %.4f%n", accuracy);
    assertThat(accuracy).as("top-1 accuracy on 500 Fashion-MNIST test PNGs").isGreaterThanOrEqualTo(0.88);
  }

  @Test
  void actionableErrorsForBadArguments(@TempDir Path dir) {
    assertThatThrownBy(() -> BatchInferenceJob.run(spark,
        new BatchInferenceJob.Settings(List.of(input.toString()), dir.resolve("lake").toString(), "x", "no-such-model", null, "")))
        .hasMessageContaining("Model 'no-such-model' not found");
    assertThatThrownBy(() -> BatchInferenceJob.run(spark,
        BatchInferenceJob.Settings.of(List.of(dir.resolve("nothing-here").toString()), dir.resolve("lake").toString(), "x")))
        .hasMessageContaining("nothing-here");
    Row failed = spark.read().format("delta").load(dir.resolve("lake/job_runs").toString()).filter(col("status").equalTo("FAILED")).first();
    assertThat((String) failed.getAs("message")).as("a failed run is recorded with its reason").isNotBlank();
  }
}
