package io.visionlake.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.analyze.Boxes;
import io.visionlake.udfs.analyze.FacesAnalyzer;
import io.visionlake.udfs.analyze.HogPeopleAnalyzer;
import io.visionlake.udfs.analyze.ObjectsAnalyzer;
import io.visionlake.udfs.analyze.objects.Detection;
import io.visionlake.udfs.analyze.PeopleAnalyzer;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.image.OpenCvLoader;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;

/** The objects, people (COCO and HOG) and faces analysers on real images (vtest.avi frames, opencv-doc and darknet photos). */
@UnitTest
class AnalyzersTest {
  private final ImageDecoder decoder = new ImageDecoder();

  private List<Boxes.Box> people(Path file, boolean hog) throws Exception {
    try (DecodedImage image = decoder.decode(Files.readAllBytes(file))) {
      return hog ? new HogPeopleAnalyzer(Map.of()).detect(image.mat(), 1) : new PeopleAnalyzer(Map.of()).detect(image.mat(), 1);
    }
  }

  @Test
  void peopleDetectorsFindThePedestriansOfVtest() throws Exception {
    // Frame 100 (viewed): six people in the open, one half hidden behind the sign post; 0/200/300 are busier or quieter.
    for (boolean hog : new boolean[] {false, true}) {
      assertThat(people(CameraFrames.frame(100), hog)).as("frame 100, hog %s", hog).hasSizeBetween(4, 8)
          .allSatisfy(b -> assertThat(b.h).as("a pedestrian box is taller than wide").isGreaterThan(b.w));
      int total = 0;
      for (int f : new int[] {0, 200, 300, 400, 500}) {
        int n = people(CameraFrames.frame(f), hog).size();
        assertThat(n).as("frame %d, hog %s", f, hog).isBetween(1, 12);
        total += n;
      }
      assertThat(total).as("hog %s", hog).isBetween(10, 40);
    }
  }

  @Test
  void detectorsFindNothingOnABlankImage() {
    OpenCvLoader.ensureLoaded();
    Mat grey = new Mat(576, 768, CvType.CV_8UC3, new Scalar(128, 128, 128));
    assertThat(new PeopleAnalyzer(Map.of()).detect(grey, 1)).isEmpty();
    assertThat(new HogPeopleAnalyzer(Map.of()).detect(grey, 1)).isEmpty();
    assertThat(new ObjectsAnalyzer(Map.of()).detect(grey, 1)).isEmpty();
    grey.release();
  }

  @Test
  void objectsOnRealPhotosInOriginalPixelsAtAnyDecodeScale() throws Exception {
    // darknet dog.jpg (768x576, viewed): a dog lower left, a bicycle across the middle, a truck top right.
    byte[] dog = Files.readAllBytes(io.visionlake.udfs.TestPaths.required("data/samples/photos/dog.jpg"));
    ObjectsAnalyzer objects = new ObjectsAnalyzer(Map.of());
    List<Detection> full;
    try (DecodedImage image = decoder.decode(dog)) {
      full = objects.detect(image.mat(), 1);
    }
    assertThat(full).extracting(Detection::label).contains("dog", "bicycle").containsAnyOf("truck", "car");
    Detection bike = full.stream().filter(d -> d.label().equals("bicycle")).findFirst().orElseThrow();
    assertThat(bike.x() + bike.w() / 2).as("bicycle centre x").isBetween(250, 450);
    // The same photo decoded at half size: boxes still in original pixels, within a few pixels.
    try (DecodedImage half = decoder.decode(dog, 384, 288)) {
      assertThat(half.reduction()).isEqualTo(2);
      List<Detection> reduced = objects.detect(half.mat(), half.reduction());
      Detection bike2 = reduced.stream().filter(d -> d.label().equals("bicycle")).findFirst().orElseThrow();
      assertThat(Math.abs(bike2.x() - bike.x()) + Math.abs(bike2.y() - bike.y()) + Math.abs(bike2.w() - bike.w())
          + Math.abs(bike2.h() - bike.h())).as("bicycle box at 1/2 vs full decode").isLessThan(40);
    }
    ObjectsAnalyzer dogsOnly = new ObjectsAnalyzer(Map.of("classes", "dog", "maxObjects", "1"));
    try (DecodedImage image = decoder.decode(dog)) {
      assertThat(dogsOnly.detect(image.mat(), 1)).extracting(Detection::label).containsExactly("dog");
    }
    assertThatThrownBy(() -> new ObjectsAnalyzer(Map.of("classes", "person,dgo")))
        .hasMessageContaining("'dgo' is not a COCO label").hasMessageContaining("spark.visionlake.analyzer.objects.classes");
    assertThatThrownBy(() -> new ObjectsAnalyzer(Map.of("model", "fashion-cnn")))
        .hasMessageContaining("not an object detector");
  }

  @Test
  void facesOnARealPhoto() throws Exception {
    // messi5.jpg (opencv-doc, 548x342, viewed): one player, his face around x 215..265, y 75..130.
    Path messi = Paths.get("/usr/share/doc/opencv-doc/examples/data/messi5.jpg");
    try (DecodedImage image = decoder.decode(Files.readAllBytes(messi))) {
      List<Boxes.Box> faces = new FacesAnalyzer(Map.of()).detect(image.mat(), 1);
      assertThat(faces).as("a face, at most a stray second box").hasSizeBetween(1, 2);
      Boxes.Box best = faces.get(0);
      assertThat(best.x + best.w / 2).as("best box centre x").isBetween(215, 265);
      assertThat(best.y + best.h / 2).as("best box centre y").isBetween(75, 130);
    }
    OpenCvLoader.ensureLoaded();
    Mat blank = new Mat(342, 548, CvType.CV_8UC3, new Scalar(90, 160, 60));
    assertThat(new FacesAnalyzer(Map.of()).detect(blank, 1)).as("no face on a blank image").isEmpty();
    blank.release();
  }

  @Test
  void registryBuildsAnalysersFromConfigAndRejectsUnknownOnes() {
    Map<String, String> conf = Map.of("spark.visionlake.analyzer.people-hog.scoreThreshold", "1.5",
        "spark.visionlake.analyzer.crowd.class", HogPeopleAnalyzer.class.getName());
    assertThat(Analyzers.resolve("people-hog", conf).options()).containsEntry("scoreThreshold", "1.5");
    assertThat(Analyzers.resolve("people-hog", conf).create().fields()).extracting(f -> f.name())
        .as("the fallback writes people's columns").containsExactly("people", "people_boxes");
    assertThat(Analyzers.resolve("crowd", conf).create().fields()).extracting(f -> f.name()).containsExactly("crowd", "crowd_boxes");
    assertThat(Analyzers.resolve("objects", conf).create().fields()).extracting(f -> f.name()).containsExactly("objects");
    assertThatThrownBy(() -> Analyzers.resolve("cars", conf)).hasMessageContaining("Unknown analyser 'cars'");
    assertThatThrownBy(() -> Analyzers.resolve("people-hog", Map.of("spark.visionlake.analyzer.people-hog.scale", "0.9")).create())
        .hasMessageContaining("scale > 1");
    assertThatThrownBy(() -> Analyzers.resolve("people", Map.of("spark.visionlake.analyzer.people.classes", "dog")).create())
        .hasMessageContaining("persons only");
  }
}
