package io.visionlake.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.analyze.Boxes;
import io.visionlake.udfs.analyze.FacesAnalyzer;
import io.visionlake.udfs.analyze.HaarFacesAnalyzer;
import io.visionlake.udfs.analyze.faces.Face;
import io.visionlake.udfs.analyze.faces.FaceBoxes;
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
    byte[] bytes = Files.readAllBytes(messi);
    FacesAnalyzer faces = new FacesAnalyzer(Map.of());
    try (DecodedImage image = decoder.decode(bytes); DecodedImage half = decoder.decode(bytes, 274, 171)) {
      List<Boxes.Box> haar = new HaarFacesAnalyzer(Map.of()).detect(image.mat(), 1);
      assertThat(haar).as("Haar: a face, at most a stray second box").hasSizeBetween(1, 2);
      assertThat(haar.get(0).x + haar.get(0).w / 2).as("Haar: best box centre x").isBetween(215, 265);
      assertThat(haar.get(0).y + haar.get(0).h / 2).as("Haar: best box centre y").isBetween(75, 130);

      // face-api: one face, 68 landmarks inside the box, a unit-scale descriptor; the same in original
      // pixels from a half-size decode.
      assertThat(half.reduction()).isEqualTo(2);
      List<List<Face>> found = faces.detect(List.of(image.mat(), half.mat()), new int[] {1, 2});
      Face face = found.get(0).get(0);
      assertThat(found.get(0)).as("face-api finds Messi's face only").hasSize(1);
      assertThat(face.x() + face.width() / 2).as("box centre x").isBetween(215.0, 265.0);
      assertThat(face.y() + face.height() / 2).as("box centre y").isBetween(75.0, 130.0);
      assertThat(face.landmarks()).hasSize(136);
      for (int i = 0; i < 136; i += 2) {
        assertThat((double) face.landmarks()[i]).as("landmark %d x", i / 2).isBetween(face.x() - 5, face.x() + face.width() + 5);
        assertThat((double) face.landmarks()[i + 1]).as("landmark %d y", i / 2).isBetween(face.y() - 5, face.y() + face.height() + 5);
      }
      assertThat(face.descriptor()).hasSize(128);
      Object[] row = faces.analyze(List.of(half.mat()), new int[] {2}).get(0);
      assertThat(row[0]).isEqualTo(1);
      org.apache.spark.sql.Row box = ((scala.collection.Seq<org.apache.spark.sql.Row>) row[1]).head();
      assertThat(box.getInt(0) + box.getInt(2) / 2).as("half-size decode, centre x in original pixels").isBetween(215, 265);
      assertThat(box.getInt(1) + box.getInt(3) / 2).as("half-size decode, centre y in original pixels").isBetween(75, 130);
      assertThat(box.getSeq(5).size()).isEqualTo(136);
      assertThat(box.getSeq(6).size()).isEqualTo(128);
    }
    OpenCvLoader.ensureLoaded();
    Mat blank = new Mat(342, 548, CvType.CV_8UC3, new Scalar(90, 160, 60));
    assertThat(new HaarFacesAnalyzer(Map.of()).detect(blank, 1)).as("Haar: no face on a blank image").isEmpty();
    assertThat(faces.analyze(List.of(blank), new int[] {1}).get(0)[0]).as("face-api: no face on a blank image").isEqualTo(0);
    blank.release();
    assertThatThrownBy(() -> new FacesAnalyzer(Map.of("minConfidence", "1.5"))).hasMessageContaining("minConfidence");
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
    assertThat(Analyzers.resolve("faces-haar", conf).create().fields()).as("the Haar fallback writes faces' columns")
        .extracting(f -> f.name() + ":" + f.dataType().simpleString())
        .containsExactly("faces:int", "face_boxes:" + FaceBoxes.TYPE.simpleString());
    assertThat(Analyzers.resolve("faces", conf).create().fields()).extracting(f -> f.name()).containsExactly("faces", "face_boxes");
    assertThatThrownBy(() -> Analyzers.resolve("cars", conf)).hasMessageContaining("Unknown analyser 'cars'");
    assertThatThrownBy(() -> Analyzers.resolve("people-hog", Map.of("spark.visionlake.analyzer.people-hog.scale", "0.9")).create())
        .hasMessageContaining("scale > 1");
    assertThatThrownBy(() -> Analyzers.resolve("people", Map.of("spark.visionlake.analyzer.people.classes", "dog")).create())
        .hasMessageContaining("persons only");
  }
}
