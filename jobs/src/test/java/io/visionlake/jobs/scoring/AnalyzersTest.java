package io.visionlake.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.analyze.Boxes;
import io.visionlake.udfs.analyze.FacesAnalyzer;
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

/** The people and faces analysers on real images (vtest.avi frames, opencv-doc photos). */
@UnitTest
class AnalyzersTest {
  private final ImageDecoder decoder = new ImageDecoder();

  private List<Boxes.Box> people(Path file) throws Exception {
    try (DecodedImage image = decoder.decode(Files.readAllBytes(file))) {
      return new PeopleAnalyzer(Map.of()).detect(image.mat(), 1);
    }
  }

  @Test
  void peopleDetectorFindsThePedestriansOfVtest() throws Exception {
    // Frame 100 (viewed): six people in the open, one half hidden behind the sign post; 0/200/300 are busier or quieter.
    assertThat(people(CameraFrames.frame(100))).as("frame 100").hasSizeBetween(4, 8)
        .allSatisfy(b -> assertThat(b.h).as("a pedestrian box is taller than wide").isGreaterThan(b.w));
    int total = 0;
    for (int f : new int[] {0, 200, 300, 400, 500}) {
      int n = people(CameraFrames.frame(f)).size();
      assertThat(n).as("frame %d", f).isBetween(1, 12);
      total += n;
    }
    assertThat(total).isBetween(10, 40);
  }

  @Test
  void peopleDetectorFindsNobodyOnABlankImage() {
    OpenCvLoader.ensureLoaded();
    Mat grey = new Mat(576, 768, CvType.CV_8UC3, new Scalar(128, 128, 128));
    assertThat(new PeopleAnalyzer(Map.of()).detect(grey, 1)).isEmpty();
    grey.release();
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
    Map<String, String> conf = Map.of("spark.visionlake.analyzer.people.scoreThreshold", "1.5",
        "spark.visionlake.analyzer.crowd.class", PeopleAnalyzer.class.getName());
    assertThat(Analyzers.resolve("people", conf).options()).containsEntry("scoreThreshold", "1.5");
    assertThat(Analyzers.resolve("crowd", conf).create().fields()).extracting(f -> f.name()).containsExactly("crowd", "crowd_boxes");
    assertThatThrownBy(() -> Analyzers.resolve("cars", conf)).hasMessageContaining("Unknown analyser 'cars'");
    assertThatThrownBy(() -> Analyzers.resolve("people", Map.of("spark.visionlake.analyzer.people.scale", "0.9")).create())
        .hasMessageContaining("scale > 1");
  }
}
