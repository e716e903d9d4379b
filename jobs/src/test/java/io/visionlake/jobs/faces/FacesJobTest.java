package io.visionlake.jobs.faces;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.backfill.BackfillJob;
import io.visionlake.jobs.backfill.DayLayout;
import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.conf.FaceOptions;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.stream.StreamReplay;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.jobs.testing.DayFolders;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.jobs.testing.ImageCopies;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Face recognition on real photos with the real {@code faces} analyser, in one lake the tests build
 * in order. The gallery: "lovelace" is the left woman of face-api's demo photo sample1.jpg (a crop
 * around her face), "obama" his quarter of opencv-doc's facereg.jpg, and facereg.jpg whole is
 * rejected (four faces). The batch: sample1.jpg mirrored, as JPEG 60 and at half size (her and two
 * strangers each), facereg.jpg (Obama and three strangers), and face-api's sample2.jpg, sample3.jpg
 * and opencv-doc's messi5.jpg (nobody enrolled). Then a stream of the same photos as one camera's
 * frames, search, forget and remove.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class FacesJobTest extends DeltaTestBase {
  private static final Logger LOG = LoggerFactory.getLogger(FacesJobTest.class);
  static final DateTimeFormatter FRAME_NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(ZoneOffset.UTC);
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
  static final double THRESHOLD = Double.parseDouble(FaceOptions.MATCH_THRESHOLD_DEFAULT);
  /** Copies of sample1.jpg; in each, her face is the leftmost (the rightmost when mirrored). */
  static final List<String> COPIES = List.of("sample1-flip.jpg", "sample1-q60.jpg", "sample1-half.jpg");
  /** Photos of nobody in the gallery. */
  static final List<String> STRANGERS = List.of("sample2.jpg", "sample3.jpg", "messi5.jpg");
  /** What the stream's camera sees: her three copies and facereg.jpg. */
  static final List<String> FRAMES = List.of("sample1-flip.jpg", "sample1-q60.jpg", "sample1-half.jpg", "facereg.jpg");

  @TempDir
  static Path dir;
  static Path lake;
  static Path gallery;
  static Path input;
  /** Her gallery photo: the query of the search. */
  static Path lovelace;

  @BeforeAll
  static void photos() throws Exception {
    Path sample1 = TestPaths.required("models/face-api/demo/sample1.jpg");
    Path facereg = TestPaths.required("/usr/share/doc/opencv-doc/opencv4/html/facereg.jpg");
    lake = dir.resolve("lake");
    gallery = dir.resolve("gallery");
    lovelace = gallery.resolve("lovelace/sample1-left.jpg");
    ImageCopies.region(sample1, 300, 230, 420, 470, 420, 470, lovelace); // her face is at (414, 355), 177x240
    // facereg.jpg is a 2x2 grid of 100 px faces; Obama is the bottom right one.
    ImageCopies.region(facereg, 100, 100, 100, 100, 200, 200, gallery.resolve("obama/facereg-obama.jpg"));
    Files.createDirectories(gallery.resolve("group"));
    Files.copy(facereg, gallery.resolve("group/facereg.jpg"));

    input = dir.resolve("input");
    ImageCopies.flipped(sample1, input.resolve("sample1-flip.jpg"));
    ImageCopies.reencoded(sample1, input.resolve("sample1-q60.jpg"));
    ImageCopies.halfSize(sample1, input.resolve("sample1-half.jpg"));
    Files.copy(facereg, input.resolve("facereg.jpg"));
    Files.copy(TestPaths.required("models/face-api/demo/sample2.jpg"), input.resolve("sample2.jpg"));
    Files.copy(TestPaths.required("models/face-api/demo/sample3.jpg"), input.resolve("sample3.jpg"));
    Files.copy(TestPaths.required("/usr/share/doc/opencv-doc/examples/data/messi5.jpg"), input.resolve("messi5.jpg"));
  }

  @Test
  @Order(1)
  void enrolTakesOneFacePerImageAndRejectsAGroupPhotoWithTheReason() {
    FacesJob.EnrolResult first = FacesJob.enrol(spark, gallery.toString(), lake.toString(), null, "test");
    LOG.info("{}", first.summary());
    assertThat(first.enrolled()).as(first.outcomes().toString()).isEqualTo(2);
    assertThat(first.outcomes()).filteredOn(o -> o.status().equals(FacesJob.REJECTED)).singleElement().satisfies(o -> {
      assertThat(o.path()).endsWith("group/facereg.jpg");
      assertThat(o.errorClass()).isEqualTo("MULTIPLE_FACES");
      assertThat(o.reason()).startsWith("4 faces found").contains("exactly one face");
    });
    assertThat(table(Lake.FACE_GALLERY).select("person").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("lovelace", "obama");
    assertThat(table(Lake.IMAGE_ERRORS).filter(col("source").equalTo(FacesJob.GALLERY_SOURCE)).select("error_class")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList()).containsExactly("MULTIPLE_FACES");

    FacesJob.EnrolResult again = FacesJob.enrol(spark, gallery.toString(), lake.toString(), null, "test");
    assertThat(List.of(again.galleryInserted(), again.galleryUpdated(), again.galleryDeleted())).as("re-enrol changes nothing")
        .containsOnly(0L);
    assertThat(table(Lake.FACE_GALLERY).count()).isEqualTo(2);
    assertThat(table(Lake.IMAGE_ERRORS).filter(col("source").equalTo(FacesJob.GALLERY_SOURCE)).count()).isEqualTo(1);
  }

  @Test
  @Order(2)
  void batchMatchesCopiesToTheGalleryAndLeavesStrangersUnknown() {
    BatchInferenceJob.Result result = BatchInferenceJob.run(spark,
        BatchInferenceJob.Settings.of(List.of(input.toString()), lake.toString(), "photos").analyzers("faces"));
    assertThat(result.imagesWritten).isEqualTo(7);
    Dataset<Row> faces = table(Lake.FACES).filter(col("camera_id").isNull());
    Map<String, List<String>> persons = personsByFile(faces);
    LOG.info("Faces by file: {}", persons);
    assertThat(persons).isEqualTo(truth(faces));
    assertThat(persons.get("facereg.jpg")).containsOnlyOnce("obama").hasSize(4);
    for (String copy : COPIES) {
      assertThat(persons.get(copy)).as(copy).containsOnlyOnce("lovelace").hasSize(3);
    }
    for (String s : STRANGERS) {
      assertThat(persons.get(s)).as(s).isNotEmpty().containsOnly("unknown");
    }
    // images keep lean boxes with the match, and the same count.
    Row copy = table(Lake.IMAGES).filter(col("path").endsWith("sample1-q60.jpg")).first();
    assertThat(copy.<Integer>getAs("faces")).isEqualTo(3);
    List<Row> boxes = copy.getList(copy.fieldIndex("face_boxes"));
    assertThat(boxes.get(0).schema().fieldNames()).containsExactly("x", "y", "w", "h", "score", "person", "distance");
    assertThat(boxes).extracting(b -> b.<String>getAs("person")).containsOnlyOnce("lovelace");
    assertThat(faces.filter(col("descriptor").isNull().or(col("landmarks").isNull())).count()).isZero();
  }

  /**
   * The threshold's evidence: every face of the batch against every gallery descriptor, same person
   * (by where the face is in its photo) or not; the default threshold must separate the two.
   */
  @Test
  @Order(3)
  void thresholdSeparatesSamePersonFromDifferentPeople() {
    Dataset<Row> faces = table(Lake.FACES).filter(col("camera_id").isNull());
    Map<String, List<String>> truth = truth(faces);
    List<Row> gallery = table(Lake.FACE_GALLERY).select("person", "descriptor").collectAsList();
    List<Double> same = new ArrayList<>();
    List<Double> different = new ArrayList<>();
    for (Row r : faces.select("path", "face_index", "descriptor").collectAsList()) {
      String who = truth.get(r.getString(0).replaceAll(".*/", "")).get(r.getInt(1));
      for (Row g : gallery) {
        double d = FaceMatcher.distance(FaceMatcher.floats(r.getList(2)), FaceMatcher.floats(g.getList(1)));
        (who.equals(g.getString(0)) ? same : different).add(d);
      }
    }
    same.sort(null);
    different.sort(null);
    LOG.info("Distances to the gallery: same person {} ; different people (n={}) smallest {}, median {}", same, different.size(),
        different.subList(0, 5), different.get(different.size() / 2));
    assertThat(same).hasSize(4);
    assertThat(same.get(same.size() - 1)).as("same person below the threshold").isLessThan(THRESHOLD);
    assertThat(different.get(0)).as("different people at or above the threshold").isGreaterThanOrEqualTo(THRESHOLD);
  }

  /** The LSH join (forced with lshAbove=0) finds the same persons as the exact search on this gallery. */
  @Test
  @Order(4)
  void lshMatchingAgreesWithExactMatching() {
    Dataset<Row> faces = table(Lake.FACES).filter(col("camera_id").isNull());
    JobConf lsh = JobConf.resolve(Map.of(), Map.of(), Map.of(FaceOptions.LSH_ABOVE, "0"));
    FaceMatcher matcher = FaceMatcher.prepare(spark, new Lake(lake.toString()), lsh);
    assertThat(matcher.mode()).isEqualTo(FaceMatcher.Mode.LSH);
    Map<String, List<String>> approximate = personsByFile(matcher.match(faces.drop("person", "distance")));
    matcher.close();
    assertThat(approximate).isEqualTo(personsByFile(faces));
  }

  /** The same photos as one camera's frames: faces rows per frame and face_sightings per window and person, exactly once. */
  @Test
  @Order(5)
  void streamWritesFacesAndSightingsExactlyOnce() throws Exception {
    Path landing = dir.resolve("landing");
    Path door = Files.createDirectories(landing.resolve("camera=door"));
    for (int i = 0; i < FRAMES.size(); i++) {
      Files.copy(input.resolve(FRAMES.get(i)), door.resolve(FRAME_NAME.format(T0.plusSeconds(i)) + ".jpg"));
    }
    Path checkpoint = dir.resolve("cp");
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint.toString())
        .trigger("available-now").analyzers("faces").window("60s");
    StreamingInferenceJob.run(spark, settings).awaitTermination();

    long expected = table(Lake.FACES).filter(col("camera_id").isNull()).filter(col("path").rlike("/(sample1-.*|facereg)\\.jpg$")).count();
    assertThat(table(Lake.FACES).filter(col("camera_id").equalTo("door")).count()).as("the frames' faces, as in the same images").isEqualTo(expected);
    List<String> sightings = sightings();
    assertThat(sightings).containsExactly("door 2024-05-01T12:00:00Z lovelace frames=3 faces=3",
        "door 2024-05-01T12:00:00Z obama frames=1 faces=1");
    Row frame = table(Lake.FRAMES).filter(col("path").endsWith(FRAME_NAME.format(T0.plusSeconds(1)) + ".jpg")).first();
    assertThat(frame.getList(frame.fieldIndex("face_boxes"))).extracting(b -> ((Row) b).<String>getAs("person")).containsOnlyOnce("lovelace");

    // Spark replaying batch 0 after a crash adds nothing.
    StreamReplay.replay(spark, settings, checkpoint.toString(), 0L);
    assertThat(table(Lake.FACES).filter(col("camera_id").equalTo("door")).count()).as("replayed batch adds no faces").isEqualTo(expected);
    assertThat(sightings()).isEqualTo(sightings);
  }

  /** A backfill day with her JPEG 60 copy and facereg.jpg: its faces replace the day's slice, re-runs included. */
  @Test
  @Order(6)
  void backfillReplacesTheFacesOfItsDays() throws Exception {
    LocalDate day = LocalDate.parse("2024-03-01");
    Path dayDir = Files.createDirectories(DayFolders.dayDir(dir.resolve("archive"), DayLayout.HIVE, day));
    Files.copy(input.resolve("sample1-q60.jpg"), dayDir.resolve("sample1-q60.jpg"));
    Files.copy(input.resolve("facereg.jpg"), dayDir.resolve("facereg.jpg"));
    for (boolean force : List.of(false, true)) {
      BackfillJob.run(spark, new BackfillJob.Settings(dir.resolve("archive").toString(), lake.toString(), day, day)
          .source("archive").analyzers("faces").force(force).quiet(true));
      Dataset<Row> archived = table(Lake.FACES).filter(col("source").equalTo("archive"));
      assertThat(archived.filter(col("day").equalTo(java.sql.Date.valueOf(day))).count()).as("the day's faces, force=%s", force).isEqualTo(7);
      assertThat(personsByFile(archived)).isEqualTo(Map.of("facereg.jpg", List.of("obama", "unknown", "unknown", "unknown"),
          "sample1-q60.jpg", List.of("lovelace", "unknown", "unknown")));
    }
  }

  @Test
  @Order(7)
  void searchFindsTheFaceInTheBatchImagesAndTheStreamFrames() {
    List<Row> nearest = FacesJob.search(spark, lake.toString(), lovelace.toString(), 8, null).collectAsList();
    LOG.info("Search for her gallery photo: {}", nearest);
    assertThat(nearest.subList(0, 7)).as("her copies, in batch and backfill images and in frames").allSatisfy(r -> {
      assertThat(r.<Boolean>getAs("below_threshold")).isTrue();
      assertThat(r.<String>getAs("person")).isEqualTo("lovelace");
    });
    assertThat(nearest.subList(0, 7)).filteredOn(r -> r.getAs("camera_id") == null).hasSize(4);
    assertThat(nearest.subList(0, 7)).filteredOn(r -> "door".equals(r.getAs("camera_id"))).hasSize(3);
    assertThat(nearest.get(7).<Boolean>getAs("below_threshold")).as("then someone else").isFalse();
    assertThat(nearest.get(0).<Integer>getAs("rank")).isEqualTo(1);
    assertThatThrownBy(() -> FacesJob.search(spark, lake.toString(), TestPaths.required("data/samples/photos/orange.jpg").toString(), 3, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No face found");
  }

  @Test
  @Order(8)
  void forgetLeavesNoRowAndNoDescriptorOfThePerson() {
    long facesBefore = table(Lake.FACES).count();
    FacesJob.ForgetResult result = FacesJob.forget(spark, lake.toString(), "lovelace", null);
    LOG.info("{}", result.summary(lake.toString()));
    assertThat(result.rows()).containsEntry(Lake.FACE_GALLERY, 1L).containsEntry(Lake.FACES, 7L).containsEntry(Lake.FACE_SIGHTINGS, 1L)
        .containsEntry(Lake.IMAGES, 4L).containsEntry(Lake.FRAMES, 3L);
    assertThat(result.summary(lake.toString())).contains("VACUUM").contains("--vacuum-hours 0");
    for (String t : new Lake(lake.toString()).tables(spark)) {
      assertThat(String.join("\n", table(t).toJSON().collectAsList())).as("table %s", t).doesNotContain("lovelace");
    }
    // No descriptor of hers is left: the nearest face to her photo is someone else's, beyond the threshold.
    Row nearest = FacesJob.search(spark, lake.toString(), lovelace.toString(), 1, null).first();
    assertThat(nearest.<Double>getAs("distance")).isGreaterThanOrEqualTo(THRESHOLD);
    assertThat(table(Lake.FACES).count()).as("everyone else's faces stay").isEqualTo(facesBefore - 7);
  }

  @Test
  @Order(9)
  void removeTakesAPersonOutOfTheGallery() {
    assertThat(FacesJob.remove(spark, lake.toString(), "obama")).isEqualTo(1);
    assertThat(table(Lake.FACE_GALLERY).count()).isZero();
    assertThatThrownBy(() -> FacesJob.remove(spark, lake.toString(), "obama")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("No person 'obama'");
    CommandRun.execute("faces", new FacesCommand(), "search", "--lake", lake.toString()).assertUsageError("--image");
    CommandRun.execute("faces", new FacesCommand(), "--help").assertHelp("enrol", "remove", "search", "forget");
  }

  /**
   * Who each face of the batch is, from where it is in its photo: in sample1's copies she is the
   * leftmost face (rightmost when mirrored), in facereg.jpg Obama is the bottom right one; every
   * other face is a stranger ("unknown").
   */
  private static Map<String, List<String>> truth(Dataset<Row> faces) {
    Map<String, List<Row>> byFile = new TreeMap<>();
    for (Row r : faces.orderBy("path", "face_index").select("path", "x", "y").collectAsList()) {
      byFile.computeIfAbsent(r.getString(0).replaceAll(".*/", ""), k -> new ArrayList<>()).add(r);
    }
    Map<String, List<String>> out = new TreeMap<>();
    byFile.forEach((file, rows) -> {
      java.util.Comparator<Row> order = null;
      String person = null;
      if (COPIES.contains(file)) {
        order = java.util.Comparator.comparingInt(r -> file.contains("flip") ? -r.getInt(1) : r.getInt(1));
        person = "lovelace";
      } else if (file.equals("facereg.jpg")) {
        order = java.util.Comparator.comparingInt(r -> -(r.getInt(1) + r.getInt(2)));
        person = "obama";
      }
      Row known = order == null ? null : rows.stream().min(order).orElseThrow();
      List<String> who = new ArrayList<>();
      for (Row r : rows) {
        who.add(r == known ? person : "unknown");
      }
      out.put(file, who);
    });
    return out;
  }

  private static Dataset<Row> table(String name) {
    return spark.read().format("delta").load(lake.resolve(name).toString());
  }

  /** file name -> persons of its faces in face_index order ("unknown" for null). */
  private static Map<String, List<String>> personsByFile(Dataset<Row> faces) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Row r : faces.orderBy("path", "face_index").select("path", "person").collectAsList()) {
      out.computeIfAbsent(r.getString(0).replaceAll(".*/", ""), k -> new ArrayList<>()).add(r.isNullAt(1) ? "unknown" : r.getString(1));
    }
    return out;
  }

  private static List<String> sightings() {
    List<String> out = new ArrayList<>();
    for (Row r : table(Lake.FACE_SIGHTINGS).orderBy("camera_id", "window_start", "person").collectAsList()) {
      out.add(r.getAs("camera_id") + " " + r.<java.sql.Timestamp>getAs("window_start").toInstant() + " " + r.getAs("person")
          + " frames=" + r.getAs("frames") + " faces=" + r.getAs("faces"));
    }
    return out;
  }
}
