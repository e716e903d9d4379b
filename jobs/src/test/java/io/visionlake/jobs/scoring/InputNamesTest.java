package io.visionlake.jobs.scoring;

import io.visionlake.jobs.backfill.BackfillJob;
import io.visionlake.jobs.backfill.DayLayout;
import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.ml.SimilarityJob;
import io.visionlake.jobs.ml.TrainHeadJob;
import io.visionlake.jobs.testing.DayFolders;
import io.visionlake.jobs.testing.DeltaTestBase;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any legal file name is an input, and the same file has the same {@code path} in every table:
 * batch and backfill over one folder of awkward names (space, '%', '#', '?', unicode, a leading
 * '_' on a file and a folder, 200 characters) write the same paths, in the form Spark's binaryFile
 * source writes (Hadoop's Path.toString(): not percent-encoded); {@code similar} reads a query file
 * of such a name and finds it in the lake under that path, and {@code similar} and {@code train-head}
 * read every image back from its {@code images.path}; dot-files are skipped and counted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class InputNamesTest extends DeltaTestBase {
  static final LocalDate DAY = LocalDate.parse("2024-05-01");
  static final List<String> INPUTS = List.of("IMG 0001.jpg", "100%.jpg", "a#1.jpg", "?.jpg", "caf\u00e9 \u6771\u4eac.jpg",
      "_DSC0001.JPG", "_raw/frame.jpg", "n".repeat(196) + ".jpg");
  static final List<String> HIDDEN = List.of(".hidden.jpg", ".cache/thumb.jpg");

  /** Writes INPUTS and HIDDEN (distinct real JPEGs) under {@code dir}. */
  static void write(Path dir) throws IOException {
    List<String> all = new ArrayList<>(INPUTS);
    all.addAll(HIDDEN);
    for (int i = 0; i < all.size(); i++) {
      Path file = dir.resolve(all.get(i));
      Files.createDirectories(file.getParent());
      Files.copy(TestPaths.required(String.format("data/samples/cameras/vtest-%04d.jpg", i)), file);
    }
  }

  /** The table name of a local file: {@code file:} and its absolute path, as it is. */
  static String canonical(Path file) {
    return "file:" + file.toAbsolutePath().normalize();
  }

  static Dataset<Row> table(Path lake, String name) {
    return spark.read().format("delta").load(new Lake(lake.toString()).path(name));
  }

  static Set<String> paths(Path lake, String name) {
    Set<String> out = new TreeSet<>();
    table(lake, name).select("path").collectAsList().forEach(r -> out.add(r.getString(0)));
    return out;
  }

  @TempDir
  static Path dir;
  static Path input;
  static Path day;
  static Set<String> expected = new TreeSet<>();
  static Path batchLake;
  static Path backfillLake;

  @BeforeAll
  static void names() throws IOException {
    input = dir.resolve("in put");
    day = DayFolders.dayDir(input, DayLayout.HIVE, DAY);
    write(day);
    for (String name : INPUTS) {
      expected.add(canonical(day.resolve(name)));
    }
    batchLake = dir.resolve("batch-lake");
    backfillLake = dir.resolve("backfill-lake");
  }

  @Test
  @Order(1)
  void batchReadsEveryNameAndCountsTheHiddenOnes() {
    BatchInferenceJob.Result batch = BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(day.toString()),
        batchLake.toString(), "cams"));
    System.out.println(batch.summary());
    assertThat(paths(batchLake, Lake.IMAGE_ERRORS)).as("batch: no name is a read error").isEmpty();
    assertThat(paths(batchLake, Lake.IMAGES)).as("batch: every non-hidden file, table paths").isEqualTo(expected);
    assertThat(batch.inputsSeen).isEqualTo(INPUTS.size());
    assertThat(batch.summary()).contains("2 hidden");
    List<Row> runs = table(batchLake, Lake.JOB_RUNS).filter(col("status").equalTo("SUCCEEDED")).collectAsList();
    assertThat(runs).hasSize(1);
    assertThat((String) runs.get(0).getAs("message")).as("batch job_runs").contains("skipped 2 hidden");

    // The table form is the one Spark's own binaryFile source writes (here for a name its index keeps).
    String spaced = spark.read().format("binaryFile").load(day.toString()).select("path")
        .filter(col("path").endsWith("0001.jpg")).first().getString(0);
    assertThat(spaced).isEqualTo(canonical(day.resolve("IMG 0001.jpg"))).endsWith("/IMG 0001.jpg");
  }

  @Test
  @Order(2)
  void backfillWritesTheSamePathsAsBatch() {
    BackfillJob.Result backfill = BackfillJob.run(spark,
        new BackfillJob.Settings(input.toString(), backfillLake.toString(), DAY, DAY).quiet(true));
    System.out.println(backfill.summary());
    assertThat(paths(backfillLake, Lake.IMAGE_ERRORS)).as("backfill: no name is a read error").isEmpty();
    assertThat(paths(backfillLake, Lake.IMAGES)).as("backfill: the same paths as batch").isEqualTo(expected);
    assertThat(backfill.summary()).contains("2 hidden");
    List<Row> dayRuns = table(backfillLake, Lake.JOB_RUNS).filter(col("status").equalTo("SUCCEEDED")).collectAsList();
    assertThat(dayRuns).hasSize(1);
    assertThat((long) dayRuns.get(0).getAs("inputs_seen")).isEqualTo(INPUTS.size());
    assertThat((String) dayRuns.get(0).getAs("message")).as("backfill job_runs").contains("skipped 2 hidden");
  }

  @Test
  @Order(3)
  void similarReadsAQueryFileNamedWithAHash() {
    // A local path as a user types it; the file is found in the lake under its table path.
    List<String> same = new ArrayList<>();
    SimilarityJob.query(spark, SimilarityJob.Settings.of(batchLake.toString()), day.resolve("a#1.jpg").toString(), INPUTS.size())
        .filter(col("distance").lt(1e-3)).select("path").collectAsList().forEach(r -> same.add(r.getString(0)));
    assertThat(same).contains(canonical(day.resolve("a#1.jpg")));
  }

  @Test
  @Order(4)
  void similarReadsEveryNameBackFromItsImagesPath() {
    SimilarityJob.Result similar = SimilarityJob.findNearDuplicates(spark, SimilarityJob.Settings.of(batchLake.toString()));
    System.out.println(similar.summary());
    assertThat(similar.unusable()).as("every images.path reads back for embedding").isZero();
    assertThat(similar.images()).isEqualTo(INPUTS.size());
    assertThat(paths(batchLake, Lake.IMAGE_EMBEDDINGS)).as("image_embeddings: the images paths").isEqualTo(expected);
    Set<String> paired = new TreeSet<>();
    table(batchLake, Lake.NEAR_DUPLICATES).select("path_a", "path_b").collectAsList()
        .forEach(r -> paired.addAll(List.of(r.getString(0), r.getString(1))));
    assertThat(expected).as("near_duplicates: the images paths").containsAll(paired);
  }

  @Test
  @Order(5)
  void trainHeadReadsEveryNameFromItsImagesPath() throws IOException {
    // Labels as a user exports them from the images table; CSV quoting keeps any name whole.
    List<String> csv = new ArrayList<>(List.of("path,label"));
    int i = 0;
    for (String path : expected) {
      csv.add("\"" + path.replace("\"", "\"\"") + "\"," + (i++ % 2 == 0 ? "even" : "odd"));
    }
    Path labels = Files.write(dir.resolve("labels.csv"), csv);
    TrainHeadJob.Result head = TrainHeadJob.run(spark, TrainHeadJob.Settings.of(dir.resolve("heads/names").toString(),
        labels.toString(), batchLake.toString()));
    assertThat(head.labelled()).isEqualTo(INPUTS.size());
    assertThat(head.unusable()).as("every images.path reads back for training").isZero();
    assertThat(head.trainCount() + head.testCount()).isEqualTo(INPUTS.size());
  }
}
