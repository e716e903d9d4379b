package io.visionlake.udfs.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.image.OpenCvLoader;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Rect;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * Bring your own model: PaddleOCR's ONNX text-orientation classifier, described only by
 * conf/models/ppocr-orientation.properties, on crops of a real scene-text image.
 */
@UnitTest
class OrientationModelTest {
  /** "In teaching our c": a word-level text crop (aspect ~4.5:1, the shape PaddleOCR classifies) of opencv-doc's imageTextN.png, a scanned book page. */
  static final Rect TEXT_LINE = new Rect(40, 28, 100, 22);

  @Test
  void uprightAndRotatedCropsComeOutRight() throws Exception {
    OpenCvLoader.ensureLoaded();
    byte[] page = Files.readAllBytes(TestPaths.required("/usr/share/doc/opencv-doc/examples/data/imageTextN.png"));
    Mat full = Imgcodecs.imdecode(new MatOfByte(page), Imgcodecs.IMREAD_COLOR);
    Mat upright = new Mat(full, TEXT_LINE).clone();
    Mat rotated = new Mat();
    Core.rotate(upright, rotated, Core.ROTATE_180);

    ModelSpec spec = new ModelCatalog(TestPaths.home()).resolve("ppocr-orientation");
    try (ImageInferenceRunner runner = new ImageInferenceRunner(spec, DecodeOptions.defaults(), 1)) {
      List<ImageResult> results = runner.infer(List.of(png(upright), png(rotated)));
      assertThat(results.get(0).isSuccess()).as("upright crop: %s", results.get(0)).isTrue();
      assertThat(results.get(0).topLabels()[0]).as("upright crop: %s", results.get(0)).isEqualTo("0");
      assertThat(results.get(0).topScores()[0]).as("confident on upright text").isGreaterThan(0.8f);
      assertThat(results.get(1).topLabels()[0]).as("rotated crop: %s", results.get(1)).isEqualTo("180");
      assertThat(results.get(1).topScores()[0]).as("confident on rotated text").isGreaterThan(0.8f);
      assertThat(results.get(0).embedding()).as("this spec asks for no embedding").isNull();
      assertThat(runner.model().sha256()).as("the pinned sha256 was verified").isEqualTo(spec.sha256());
    }
  }

  private static byte[] png(Mat m) {
    MatOfByte out = new MatOfByte();
    Imgcodecs.imencode(".png", m, out);
    return out.toArray();
  }
}
