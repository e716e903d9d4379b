package io.visionlake.udfs.analyze.faces;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.testing.IntegrationTest;
import io.visionlake.udfs.testing.NodeReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java face networks ({@link FaceApi}: SSD detector, 68 landmarks, descriptor on TensorFlow
 * Java) against their JavaScript original, npm {@code @vladmandic/face-api@1.7.15} on {@code
 * @tensorflow/tfjs@4.22.0} with the WASM backend, run by Node.js on the very pixels Java decoded
 * and with the same weight files. The reference's packages are installed pinned
 * (face-api-reference/package-lock.json) into {@code target/face-api-reference} on first use.
 */
@IntegrationTest
class FaceApiReferenceTest {
  static final Path REFERENCE_DIR = Paths.get("target", "face-api-reference").toAbsolutePath();

  /** Images and how many faces face-api finds at minConfidence 0.5 (checked with the reference). */
  static final Map<String, Integer> IMAGES = Map.of(
      "/usr/share/doc/opencv-doc/examples/data/messi5.jpg", 1,
      "/usr/share/doc/opencv-doc/opencv4/html/facereg.jpg", 4,
      "models/face-api/demo/sample1.jpg", 3,
      "/usr/share/doc/opencv-doc/examples/data/aero1.jpg", 0);

  static final float MIN_CONFIDENCE = 0.5f;

  @Test
  void javaMatchesFaceApiInNode(@TempDir Path tmp) throws Exception {
    Path modules = NodeReference.install("face-api-reference", REFERENCE_DIR, List.of("package.json", "package-lock.json", "reference.js"),
        Map.of("@vladmandic/face-api", "1.7.15", "@tensorflow/tfjs", "4.22.0", "@tensorflow/tfjs-backend-wasm", "4.22.0"));
    Path weights = TestPaths.required("models/face-api");
    List<String> names = IMAGES.keySet().stream().sorted().toList();
    List<RgbImage> images = new ArrayList<>();
    StringBuilder list = new StringBuilder();
    for (String name : names) {
      Path file = TestPaths.required(name);
      RgbImage image;
      try (DecodedImage decoded = new ImageDecoder().decode(Files.readAllBytes(file))) {
        image = RgbImage.fromBgr(decoded.mat());
      }
      images.add(image);
      byte[] rgb = image.pixels().clone();
      for (int i = 0; i < rgb.length; i += 3) {
        byte b = rgb[i];
        rgb[i] = rgb[i + 2];
        rgb[i + 2] = b;
      }
      Path rgbFile = Files.write(tmp.resolve(file.getFileName() + ".rgb"), rgb);
      list.append(rgbFile).append(' ').append(image.width()).append(' ').append(image.height()).append('\n');
    }
    Path listFile = Files.writeString(tmp.resolve("images.txt"), list);
    Path out = tmp.resolve("reference.json");
    NodeReference.run(List.of("node", REFERENCE_DIR.resolve("reference.js").toString(), modules.toString(), weights.toString(),
        Float.toString(MIN_CONFIDENCE), listFile.toString(), out.toString()), REFERENCE_DIR, 300);
    JsonObject ref = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
    assertThat(ref.get("backend").getAsString()).as("the reference ran on tfjs's WASM backend").isEqualTo("wasm");
    JsonArray refImages = ref.getAsJsonArray("images");

    List<List<Face>> java;
    try (FaceApi api = FaceApi.load(weights, 2)) {
      java = api.detectAll(images, MIN_CONFIDENCE, 100, true);
    }

    SoftAssertions soft = new SoftAssertions();
    double maxBox = 0;
    double maxScore = 0;
    double maxLandmark = 0;
    double maxAligned = 0;
    double maxDescriptor = 0;
    for (int n = 0; n < names.size(); n++) {
      String name = names.get(n);
      List<Face> faces = java.get(n);
      JsonArray refFaces = refImages.get(n).getAsJsonObject().getAsJsonArray("faces");
      soft.assertThat(faces).as("%s: as many faces as face-api", name).hasSize(refFaces.size());
      soft.assertThat(faces).as("%s: faces found", name).hasSize(IMAGES.get(name));
      for (int f = 0; f < Math.min(faces.size(), refFaces.size()); f++) {
        Face face = faces.get(f);
        JsonObject r = refFaces.get(f).getAsJsonObject();
        double[] box = doubles(r.getAsJsonArray("box"));
        double[] javaBox = {face.x(), face.y(), face.width(), face.height()};
        double boxDiff = maxAbs(javaBox, box);
        double scoreDiff = Math.abs(face.score() - r.get("score").getAsDouble());
        double[] lm = doubles(r.getAsJsonArray("landmarks"));
        double lmDiff = 0;
        for (int i = 0; i < lm.length; i += 2) {
          lmDiff = Math.max(lmDiff, Math.hypot(face.landmarks()[i] - lm[i], face.landmarks()[i + 1] - lm[i + 1]));
        }
        double[] aligned = doubles(r.getAsJsonArray("aligned"));
        double alignedDiff = maxAbs(new double[] {face.alignedBox()[0], face.alignedBox()[1], face.alignedBox()[2], face.alignedBox()[3]}, aligned);
        double[] d = doubles(r.getAsJsonArray("descriptor"));
        double dist = 0;
        for (int i = 0; i < d.length; i++) {
          dist += (face.descriptor()[i] - d[i]) * (face.descriptor()[i] - d[i]);
        }
        dist = Math.sqrt(dist);
        System.out.printf(Locale.ROOT, "%s face %d: box %.1f,%.1f %.1fx%.1f score %.4f | box diff %.2e px, score diff %.2e, "
                + "landmarks max %.2e px, aligned box diff %.0f px, descriptor distance %.2e%n",
            name, f, face.x(), face.y(), face.width(), face.height(), face.score(), boxDiff, scoreDiff, lmDiff, alignedDiff, dist);
        soft.assertThat(boxDiff).as("%s face %d: box vs face-api %s", name, f, r.get("box")).isLessThan(0.5);
        soft.assertThat(scoreDiff).as("%s face %d: score", name, f).isLessThan(1e-3);
        soft.assertThat(lmDiff).as("%s face %d: landmarks (px)", name, f).isLessThan(0.5);
        // Integer box: a float-level difference may flip one floor().
        soft.assertThat(alignedDiff).as("%s face %d: aligned box vs face-api %s", name, f, r.get("aligned")).isLessThanOrEqualTo(1.0);
        soft.assertThat(dist).as("%s face %d: descriptor distance to face-api's", name, f).isLessThan(0.02);
        maxBox = Math.max(maxBox, boxDiff);
        maxScore = Math.max(maxScore, scoreDiff);
        maxLandmark = Math.max(maxLandmark, lmDiff);
        maxAligned = Math.max(maxAligned, alignedDiff);
        maxDescriptor = Math.max(maxDescriptor, dist);
      }
    }
    System.out.printf(Locale.ROOT, "face-api reference: max box diff %.2e px, max score diff %.2e, max landmark diff %.2e px, "
        + "max aligned-box diff %.0f px, max descriptor distance %.2e%n", maxBox, maxScore, maxLandmark, maxAligned, maxDescriptor);
    soft.assertAll();
  }

  private static double[] doubles(JsonArray a) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsDouble();
    }
    return out;
  }

  private static double maxAbs(double[] a, double[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
