package io.visionlake.jobs.faces;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.conf.FaceOptions;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.stream.StreamReplay;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.jobs.testing.ImageCopies;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
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
 * Face recognition on real photos with the real {@code faces} analyser, in one lake the tests
 * build in order: a gallery (Messi as "lionel" from opencv-doc's messi5.jpg, Obama as "obama" from
 * his quarter of facereg.jpg, and facereg.jpg whole, rejected: four faces), a batch of copies of
 * Messi (mirrored, JPEG 60, half size), facereg.jpg and face-api's group photos, a stream of the same
 * photos as one camera's frames, then search, forget and remove.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class FacesJobTest extends DeltaTestBase {
  private static final Logger LOG = LoggerFactory.getLogger(FacesJobTest.class);
  static final DateTimeFormatter FRAME_NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(ZoneOffset.UTC);
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
  static final double THRESHOLD = Double.parseDouble(FaceOptions.MATCH_THRESHOLD_DEFAULT);
  static final List<String> MESSI_COPIES = List.of("messi5-flip.jpg", "messi5-q60.jpg", "messi5-half.jpg");
  /** face-api's demo photos: three women each, nobody in the gallery. */
  static final List<String> GROUPS = List.of("sample2.jpg", "sample3.jpg");

  @TempDir
  static Path dir;
  static Path lake;
  static Path messi;
  static Path facereg;
  static Path gallery;
  static Path input;

  @BeforeAll
  static void photos() throws Exception {
    messi = TestPaths.required("/usr/share/doc/opencv-doc/examples/data/messi5.jpg");
    facereg = TestPaths.required("/usr/share/doc/opencv-doc/opencv4/html/facereg.jpg");
    lake = dir.resolve("lake");
    gallery = dir.resolve("gallery");
    Files.createDirectories(gallery.resolve("lionel"));
    Files.copy(messi, gallery.resolve("lionel/messi5.jpg"));
    // facereg.jpg is a 2x2 grid of 100 px faces; Obama is the bottom right one.
    ImageCopies.region(facereg, 100, 100, 100, 100, 200, 200, gallery.resolve("obama/facereg-obama.jpg"));
    Files.createDirectories(gallery.resolve("group"));
    Files.copy(facereg, gallery.resolve("group/facereg.jpg"));

    input = dir.resolve("input");
    ImageCopies.flipped(messi, input.resolve("messi5-flip.jpg"));
    ImageCopies.reencoded(messi, input.resolve("messi5-q60.jpg"));
    ImageCopies.halfSize(messi, input.resolve("messi5-half.jpg"));
    Files.copy(facereg, input.resolve("facereg.jpg"));
    for (String g : GROUPS) {
      Files.copy(TestPaths.required("models/face-api/demo/" + g), input.resolve(g));
    }
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
        .containsExactlyInAnyOrder("lionel", "obama");
    assertThat(table(Lake.IMAGE_ERRORS).filter(col("source").equalTo(FacesJob.GALLERY_SOURCE)).select("error_class", "message")
        .collectAsList()).singleElement().satisfies(r -> assertThat(r.getString(0)).isEqualTo("MULTIPLE_FACES"));

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
    assertThat(result.imagesWritten).isEqualTo(6);
    Map<String, List<String>> persons = personsByFile(table(Lake.FACES));
    LOG.info("Faces by file: {}", persons);
    for (String copy : MESSI_COPIES) {
      assertThat(persons.get(copy)).as(copy).containsExactly("lionel");
    }
    assertThat(persons.get("facereg.jpg")).as("facereg: Obama and three strangers").hasSize(4)
        .containsOnlyOnce("obama").containsOnly("obama", "unknown");
    for (String g : GROUPS) {
      assertThat(persons.get(g)).as(g).isNotEmpty().containsOnly("unknown");
    }
    // images keep lean boxes with the match, and the same count.
    Row copy = table(Lake.IMAGES).filter(col("path").endsWith("messi5-q60.jpg")).first();
    assertThat(copy.<Integer>getAs("faces")).isEqualTo(1);
    Row box = copy.<Row>getList(copy.fieldIndex("face_boxes")).get(0);
    assertThat(box.schema().fieldNames()).containsExactly("x", "y", "w", "h", "score", "person", "distance");
    assertThat(box.<String>getAs("person")).isEqualTo("lionel");
    assertThat(table(Lake.FACES).filter(col("descriptor").isNull().or(col("landmarks").isNull())).count()).isZero();

    // Re-running adds nothing.
    BatchInferenceJob.Result rerun = BatchInferenceJob.run(spark,
        BatchInferenceJob.Settings.of(List.of(input.toString()), lake.toString(), "photos").analyzers("faces"));
    assertThat(rerun.facesInserted).isZero();
  }

  /**
   * The threshold's evidence: every pair of faces (the lake's and the gallery's) at their distance,
   * same person or not; the default threshold must separate the two groups.
   */
  @Test
  @Order(3)
  void thresholdSeparatesSamePersonFromDifferentPeople() {
    List<String> who = new ArrayList<>();
    List<float[]> descriptors = new ArrayList<>();
    for (Row r : table(Lake.FACES).filter(col("camera_id").isNull()).select("path", "face_index", "person", "descriptor").collectAsList()) {
      String file = r.getString(0).replaceAll(".*/", "");
      who.add(r.isNullAt(2) ? file + "#" + r.getInt(1) : r.getString(2));
      descriptors.add(FaceMatcher.floats(r.getList(3)));
    }
    for (Row r : table(Lake.FACE_GALLERY).select("person", "descriptor").collectAsList()) {
      who.add(r.getString(0));
      descriptors.add(FaceMatcher.floats(r.getList(1)));
    }
    DoubleSummaryStatistics same = new DoubleSummaryStatistics();
    DoubleSummaryStatistics different = new DoubleSummaryStatistics();
    List<Double> differentAll = new ArrayList<>();
    for (int i = 0; i < who.size(); i++) {
      for (int j = i + 1; j < who.size(); j++) {
        double d = FaceMatcher.distance(descriptors.get(i), descriptors.get(j));
        if (who.get(i).equals(who.get(j))) {
          same.accept(d);
        } else {
          different.accept(d);
          differentAll.add(d);
        }
      }
    }
    differentAll.sort(null);
    LOG.info("Face distances: same person {} ; different people {} ; 5 smallest different {}", same, different,
        differentAll.subList(0, Math.min(5, differentAll.size())));
    assertThat(same.getCount()).isGreaterThanOrEqualTo(7);
    assertThat(same.getMax()).as("same person below the threshold").isLessThan(THRESHOLD);
    assertThat(different.getMin()).as("different people at or above the threshold").isGreaterThanOrEqualTo(THRESHOLD);
  }

  /** The LSH join (forced with lshAbove=0) finds the same persons as the exact search on this gallery. */
  @Test
  @Order(4)
  void lshMatchingAgreesWithExactMatching() {
    Dataset<Row> faces = table(Lake.FACES).filter(col("camera_id").isNull()).drop("person", "distance");
    JobConf lsh = JobConf.resolve(Map.of(), Map.of(), Map.of(FaceOptions.LSH_ABOVE, "0"));
    FaceMatcher matcher = FaceMatcher.prepare(spark, new Lake(lake.toString()), lsh);
    assertThat(matcher.mode()).isEqualTo(FaceMatcher.Mode.LSH);
    Map<String, List<String>> approximate = personsByFile(matcher.match(faces));
    matcher.close();
    assertThat(approximate).isEqualTo(personsByFile(table(Lake.FACES).filter(col("camera_id").isNull())));
  }

  /** The same photos as one camera's frames: faces rows per frame and face_sightings per window and person, exactly once. */
  @Test
  @Order(5)
  void streamWritesFacesAndSightingsExactlyOnce() throws Exception {
    Path landing = dir.resolve("landing");
    Path door = Files.createDirectories(landing.resolve("camera=door"));
    List<String> frames = new ArrayList<>(MESSI_COPIES);
    frames.add("facereg.jpg");
    for (int i = 0; i < frames.size(); i++) {
      Files.copy(input.resolve(frames.get(i)), door.resolve(FRAME_NAME.format(T0.plusSeconds(i)) + ".jpg"));
    }
    Path checkpoint = dir.resolve("cp");
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint.toString())
        .trigger("available-now").analyzers("faces").window("60s");
    StreamingInferenceJob.run(spark, settings).awaitTermination();

    Dataset<Row> frameFaces = table(Lake.FACES).filter(col("camera_id").equalTo("door"));
    assertThat(frameFaces.count()).as("faces of the door's frames").isEqualTo(7);
    List<String> sightings = sightings();
    assertThat(sightings).containsExactly("door 2024-05-01T12:00:00Z lionel frames=3 faces=3",
        "door 2024-05-01T12:00:00Z obama frames=1 faces=1");
    Row frame = table(Lake.FRAMES).filter(col("path").endsWith(FRAME_NAME.format(T0) + ".jpg")).first();
    assertThat(frame.<Row>getList(frame.fieldIndex("face_boxes")).get(0).<String>getAs("person")).isEqualTo("lionel");

    // Spark replaying batch 0 after a crash adds nothing.
    StreamReplay.replay(spark, settings, checkpoint.toString(), 0L);
    assertThat(table(Lake.FACES).filter(col("camera_id").equalTo("door")).count()).as("replayed batch adds no faces").isEqualTo(7);
    assertThat(sightings()).isEqualTo(sightings);
  }

  @Test
  @Order(6)
  void searchFindsTheFaceInTheBatchImagesAndTheStreamFrames() {
    List<Row> nearest = FacesJob.search(spark, lake.toString(), messi.toString(), 6, null).collectAsList();
    LOG.info("Search for messi5.jpg: {}", nearest);
    assertThat(nearest.subList(0, 6)).as("the three copies, in images and in frames").allSatisfy(r -> {
      assertThat(r.<Boolean>getAs("below_threshold")).isTrue();
      assertThat(r.<String>getAs("person")).isEqualTo("lionel");
    });
    assertThat(nearest).filteredOn(r -> r.getAs("camera_id") == null).hasSize(3);
    assertThat(nearest).filteredOn(r -> "door".equals(r.getAs("camera_id"))).hasSize(3);
    assertThat(nearest.get(0).<Integer>getAs("rank")).isEqualTo(1);
    assertThatThrownBy(() -> FacesJob.search(spark, lake.toString(), TestPaths.required("data/samples/photos/orange.jpg").toString(), 3, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No face found");
  }

  @Test
  @Order(7)
  void forgetLeavesNoRowAndNoDescriptorOfThePerson() {
    long facesBefore = table(Lake.FACES).count();
    FacesJob.ForgetResult result = FacesJob.forget(spark, lake.toString(), "lionel", null);
    LOG.info("{}", result.summary(lake.toString()));
    assertThat(result.rows()).containsEntry(Lake.FACE_GALLERY, 1L).containsEntry(Lake.FACES, 6L).containsEntry(Lake.FACE_SIGHTINGS, 1L)
        .containsEntry(Lake.IMAGES, 3L).containsEntry(Lake.FRAMES, 3L);
    assertThat(result.summary(lake.toString())).contains("VACUUM").contains("--vacuum-hours 0");
    Lake l = new Lake(lake.toString());
    for (String t : l.tables(spark)) {
      assertThat(String.join("\n", table(t).toJSON().collectAsList())).as("table %s", t).doesNotContain("lionel");
    }
    // No descriptor of his is left: the nearest face to Messi is someone else, beyond the threshold.
    Row nearest = FacesJob.search(spark, lake.toString(), messi.toString(), 1, null).first();
    assertThat(nearest.<Double>getAs("distance")).isGreaterThanOrEqualTo(THRESHOLD);
    assertThat(table(Lake.FACES).count()).as("everyone else's faces stay").isEqualTo(facesBefore - 6);
  }

  @Test
  @Order(8)
  void removeTakesAPersonOutOfTheGallery() {
    assertThat(FacesJob.remove(spark, lake.toString(), "obama")).isEqualTo(1);
    assertThat(table(Lake.FACE_GALLERY).count()).isZero();
    assertThatThrownBy(() -> FacesJob.remove(spark, lake.toString(), "obama")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("No person 'obama'");
    CommandRun.execute("faces", new FacesCommand(), "search", "--lake", lake.toString()).assertUsageError("--image");
    CommandRun.execute("faces", new FacesCommand(), "--help").assertHelp("enrol", "remove", "search", "forget");
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
