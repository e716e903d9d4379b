package io.visionlake.jobs.batch;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --analyzers} on the batch job, on real images: analysers add nullable columns to {@code
 * images} by schema evolution (older rows keep nulls, later runs without them write nulls), all
 * of them run in one pass next to the model, and a bad file is still an error row.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class BatchAnalyzersTest extends DeltaTestBase {
  @TempDir
  static Path tmp;

  private static Path lake() {
    return tmp.resolve("lake");
  }

  private static Path folder(String name, String... files) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (String f : files) {
      Path src = TestPaths.required(f);
      Files.copy(src, dir.resolve(src.getFileName()));
    }
    return dir;
  }

  private static BatchInferenceJob.Result run(Path input, String analyzers) {
    BatchInferenceJob.Settings settings = BatchInferenceJob.Settings.of(List.of(input.toString()), lake().toString(), "test");
    if (analyzers != null) {
      settings.analyzers(analyzers);
    }
    return BatchInferenceJob.run(spark, settings);
  }

  private static Dataset<Row> images() {
    return spark.read().format("delta").load(new Lake(lake().toString()).path(Lake.IMAGES));
  }

  /** Runs the job on a new folder holding only {@code sample}; returns that image's one row. */
  private static Row runOne(String folder, String sample, String analyzers) throws Exception {
    BatchInferenceJob.Result r = run(folder(folder, sample), analyzers);
    assertThat(r.imagesWritten).isEqualTo(1);
    return image(Path.of(sample).getFileName().toString());
  }

  private static Row image(String fileName) {
    List<Row> rows = images().filter(col("path").endsWith("/" + fileName)).collectAsList();
    assertThat(rows).as(fileName).hasSize(1);
    return rows.get(0);
  }

  @Test
  @Order(1)
  void defaultRunHasNoAnalyserColumns() throws Exception {
    runOne("first", "data/samples/photos/dog.jpg", null);
    assertThat(images().columns()).doesNotContain("ocr_text", "colors", ScoringPlan.ANALYZER_VERSIONS);
  }

  @Test
  @Order(2)
  void ocrAndColorsAddTheirColumnsAndOlderRowsReadNull() throws Exception {
    Path input = folder("second", "data/samples/text/imageTextN.png", "data/samples/photos/orange.jpg",
        "data/samples/damaged/truncated-dog.jpg");
    BatchInferenceJob.Result r = run(input, "ocr,colors");
    assertThat(r.inputsSeen).isEqualTo(3);
    assertThat(r.imagesWritten).isEqualTo(2);
    assertThat(r.errorsWritten).as("the truncated JPEG is quarantined, not a failed job").isEqualTo(1);
    assertThat(images().columns()).contains("ocr_text", "ocr_lines", "colors", ScoringPlan.ANALYZER_VERSIONS);

    Row page = image("imageTextN.png");
    assertThat(page.<String>getAs("ocr_text")).startsWith("technical details are too complex").contains("high-level approaches");
    assertThat(page.<scala.collection.Seq<Row>>getAs("ocr_lines").size()).isGreaterThanOrEqualTo(12);
    assertThat(page.<String>getAs("model_name")).as("no classify/embed asked: no model ran").isEqualTo(ScoringPlan.NO_MODEL);
    assertThat(page.<Object>getAs("labels")).isNull();
    assertThat(page.<String>getAs(ScoringPlan.ANALYZER_VERSIONS)).contains("ocr=ppocr-det-4.0+ppocr-rec-4.0").contains("colors=kmeans");

    Row orange = image("orange.jpg");
    List<Row> colours = scala.jdk.javaapi.CollectionConverters.asJava(orange.<scala.collection.Seq<Row>>getAs("colors"));
    assertThat(colours).extracting(c -> c.getString(1)).contains("orange");
    assertThat(colours.stream().mapToDouble(c -> c.getDouble(2)).sum()).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));

    Row dog = image("dog.jpg");
    assertThat(dog.<Object>getAs("ocr_text")).as("a row written before ocr existed").isNull();
    assertThat(dog.<Object>getAs("colors")).isNull();
    assertThat(dog.<String>getAs("top_label")).isNotNull();
  }

  @Test
  @Order(3)
  void everyAnalyserAndTheModelInOnePass() throws Exception {
    Row messi = runOne("third", "data/samples/photos/messi5.jpg", "classify,embed,ocr,colors,faces,people,objects");
    assertThat(messi.<String>getAs("top_label")).isNotNull();
    assertThat(messi.<Object>getAs("embedding")).isNotNull();
    assertThat(messi.<Integer>getAs("faces")).as("messi5.jpg shows one face").isGreaterThanOrEqualTo(1);
    // messi5.jpg (viewed): one player and the ball; the people column is the objects' person class.
    List<Row> objects = scala.jdk.javaapi.CollectionConverters.asJava(messi.<scala.collection.Seq<Row>>getAs("objects"));
    assertThat(objects).extracting(o -> o.<String>getAs("label")).contains("person");
    long persons = objects.stream().filter(o -> "person".equals(o.getAs("label"))).count();
    assertThat(messi.<Integer>getAs("people")).isEqualTo((int) persons).isGreaterThanOrEqualTo(1);
    // object_stats: per day, source and COCO label, from images (this run's image is the only one with objects).
    List<Row> stats = spark.read().format("delta").load(lake() + "/object_stats").filter("label = 'person'").collectAsList();
    assertThat(stats).singleElement().satisfies(r -> {
      assertThat(r.<Long>getAs("images")).isEqualTo(1L);
      assertThat(r.<Long>getAs("objects")).isEqualTo(persons);
    });
    assertThat(messi.<Object>getAs("ocr_text")).isNotNull();
    assertThat(messi.<scala.collection.Seq<Row>>getAs("colors").size()).isBetween(1, 5);
    assertThat(Arrays.asList(messi.<String>getAs(ScoringPlan.ANALYZER_VERSIONS).split(";")))
        .extracting(v -> v.substring(0, v.indexOf('='))).containsExactly("ocr", "colors", "faces", "people", "objects");
  }

  @Test
  @Order(4)
  void aLaterRunWithoutAnalysersWritesNullsIntoTheirColumns() throws Exception {
    Row apple = runOne("fourth", "data/samples/photos/apple.jpg", "classify");
    assertThat(apple.<Object>getAs("ocr_text")).isNull();
    assertThat(apple.<Object>getAs("faces")).isNull();
    assertThat(apple.<Object>getAs("embedding")).as("embed was not asked for").isNull();
    assertThat(apple.<String>getAs("top_label")).isNotNull();
    assertThat(images().count()).isEqualTo(5);
  }

  @Test
  @Order(6)
  void theStreamJobTakesTheSameAnalysers() throws Exception {
    List<Row> frames = CameraFrames.streamOnce(tmp, 3, s -> s.analyzers("colors,ocr"));
    assertThat(frames).hasSize(3).allSatisfy(f -> {
      assertThat(f.<scala.collection.Seq<Row>>getAs("colors").size()).as("colours of a vtest frame").isBetween(1, 5);
      assertThat(f.<String>getAs("ocr_text")).as("ocr ran (a street scene: little or no text)").isNotNull();
      assertThat(f.<String>getAs("model_versions")).contains("colors=kmeans").contains("ocr=ppocr-det");
    });
  }

  @Test
  @Order(5)
  void unknownAnalyserFailsBeforeReadingAnything() {
    assertThatThrownBy(() -> run(tmp.resolve("first"), "classify,nope")).hasMessageContaining("Unknown analyser 'nope'")
        .hasMessageContaining("ocr");
  }
}
