package io.visionlake.udfs.analyze.objects;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.model.LoadedModel;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.model.tfjs.TfGraphModel;
import io.visionlake.udfs.testing.IntegrationTest;
import io.visionlake.udfs.testing.NodeReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

/**
 * The Java object detectors (TensorFlow Java + {@link CenterNetDetector} / {@link NanoDetDetector},
 * built by {@link ObjectDetectors#create} from the shipped specs) against their JavaScript original:
 * npm {@code @vladmandic/human@3.3.6} on {@code @tensorflow/tfjs@4.22.0} with the WASM backend,
 * run by Node.js on the very pixels the Java side decoded (written to files), one Node process per
 * model for all images. The reference's packages are installed pinned (package-lock.json) into
 * {@code target/tfjs-reference} on first use; without Node.js/npm the test fails and says so.
 */
@IntegrationTest
class DetectorReferenceTest {
  static final Path REFERENCE_DIR = Paths.get("target", "tfjs-reference").toAbsolutePath();

  /** Image (under data/samples) and the objects it certainly shows: ';' between objects, '|' between alternatives. */
  static final Map<String, String> IMAGES = Map.of(
      "photos/dog.jpg", "dog;bicycle;car|truck",
      "photos/person.jpg", "person;horse;dog",
      "cameras/vtest-0100.jpg", "person",
      "cameras/vtest-0500.jpg", "person");

  static Path nodeModules;

  @BeforeAll
  static void setUp() throws Exception {
    nodeModules = installReference();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"centernet", "nanodet"})
  void javaMatchesTheJavaScriptReference(String modelName, @TempDir Path tmp) throws Exception {
    ModelSpec spec = new ModelCatalog(TestPaths.home()).resolve(modelName);
    TestPaths.required(spec.modelUri());
    LoadedModel model = ExecutorModelCache.get(spec, 1);
    ObjectDetector detector = ObjectDetectors.create(spec, model.tfGraph(), DetectorSettings.HUMAN_DEFAULTS);

    List<String> names = IMAGES.keySet().stream().sorted().toList();
    List<float[]> pixels = new ArrayList<>();
    List<int[]> sizes = new ArrayList<>();
    StringBuilder list = new StringBuilder();
    for (String name : names) {
      Path file = TestPaths.required("data/samples/" + name);
      byte[] rgb;
      int width;
      int height;
      try (DecodedImage image = new ImageDecoder().decode(Files.readAllBytes(file))) {
        Mat converted = new Mat();
        Imgproc.cvtColor(image.mat(), converted, Imgproc.COLOR_BGR2RGB);
        width = converted.cols();
        height = converted.rows();
        rgb = new byte[width * height * 3];
        converted.get(0, 0, rgb);
        converted.release();
      }
      float[] p = new float[rgb.length];
      for (int i = 0; i < rgb.length; i++) {
        p[i] = rgb[i] & 0xff;
      }
      pixels.add(p);
      sizes.add(new int[] {width, height});
      Path rgbFile = tmp.resolve(file.getFileName() + ".rgb");
      Files.write(rgbFile, rgb);
      list.append(rgbFile).append(' ').append(width).append(' ').append(height).append('\n');
    }
    Path listFile = Files.writeString(tmp.resolve("images.txt"), list);
    JsonObject ref = runReference(spec, listFile, tmp.resolve("reference.json"));
    assertThat(ref.get("backend").getAsString()).as("the reference ran on tfjs's WASM backend").isEqualTo("wasm");
    JsonArray refImages = ref.getAsJsonArray("images");
    assertThat(refImages.size()).as("one reference result per image").isEqualTo(names.size());

    SoftAssertions soft = new SoftAssertions();
    for (int n = 0; n < names.size(); n++) {
      String photo = names.get(n);
      int width = sizes.get(n)[0];
      int height = sizes.get(n)[1];
      JsonObject refImage = refImages.get(n).getAsJsonObject();
      List<Detection> java = detector.detect(pixels.get(n), width, height);
      float maxDiff = maxRawDiff(detector, pixels.get(n), width, height, refImage.getAsJsonArray("raw"));
      List<JsonObject> refObjects = new ArrayList<>();
      refImage.getAsJsonArray("objects").forEach(o -> refObjects.add(o.getAsJsonObject()));
      System.out.printf("%s %s %dx%d: java %s%n  reference %s%n  max abs diff of raw outputs: %.5f%n",
          modelName, photo, width, height, java, refObjects, maxDiff);
      // CenterNet: box corners in 512-px input units and scores; NanoDet: scores and box-bin logits.
      soft.assertThat(maxDiff).as("%s %s: raw outputs vs tfjs", modelName, photo).isLessThan(0.5f);
      soft.assertThat(java).as("%s %s: as many objects as human finds (human: %s)", modelName, photo, refObjects)
          .hasSameSizeAs(refObjects);
      for (JsonObject r : refObjects) {
        JsonArray b = r.getAsJsonArray("box");
        int[] box = {b.get(0).getAsInt(), b.get(1).getAsInt(), b.get(2).getAsInt(), b.get(3).getAsInt()};
        float refScore = r.get("score").getAsFloat();
        Detection match = java.stream()
            .filter(d -> d.label().equals(r.get("label").getAsString()))
            .max((a, c) -> Double.compare(iou(a, box), iou(c, box)))
            .orElse(null);
        soft.assertThat(match).as("%s %s: a Java %s for reference %s", modelName, photo, r.get("label").getAsString(), r).isNotNull();
        if (match != null) {
          soft.assertThat(iou(match, box)).as("%s %s: IoU of Java %s with reference %s", modelName, photo, match, r)
              .isGreaterThanOrEqualTo(0.9);
          // human rounds or truncates scores to 2 decimals.
          soft.assertThat((double) match.score()).as("%s %s: score of %s vs reference %s", modelName, photo, match, r)
              .isBetween(refScore - 0.02, refScore + 0.02);
        }
      }
      Set<String> found = java.stream().map(Detection::label).collect(Collectors.toSet());
      for (String alternatives : IMAGES.get(photo).split(";")) {
        soft.assertThat(Set.of(alternatives.split("\\|"))).as("%s: %s shows %s; Java found %s", modelName, photo, alternatives, java)
            .containsAnyElementsOf(found);
      }
    }
    soft.assertAll();
  }

  /**
   * The largest difference between the Java graph's raw outputs and tfjs's. CenterNet: each
   * reference row above the score threshold against the closest Java row, since rows with
   * near-equal scores may swap places between backends (seen on vtest-0100); NanoDet: every value.
   */
  private static float maxRawDiff(ObjectDetector detector, float[] pixels, int width, int height, JsonArray refRaw) {
    if (detector instanceof CenterNetDetector c) {
      float[] raw = c.rawDetections(pixels, width, height);
      float[] ref = floats(refRaw.get(0).getAsJsonObject().getAsJsonArray("values"));
      assertThat(ref.length).as("raw detections 100 x 6").isEqualTo(raw.length);
      float maxDiff = 0;
      for (int r = 0; r < ref.length / 6; r++) {
        if (ref[6 * r + 4] <= 0.2f) {
          continue;
        }
        float closest = Float.MAX_VALUE;
        for (int j = 0; j < raw.length / 6; j++) {
          float rowDiff = 0;
          for (int k = 0; k < 6; k++) {
            rowDiff = Math.max(rowDiff, Math.abs(raw[6 * j + k] - ref[6 * r + k]));
          }
          closest = Math.min(closest, rowDiff);
        }
        maxDiff = Math.max(maxDiff, closest);
      }
      return maxDiff;
    }
    List<TfGraphModel.Output> raw = ((NanoDetDetector) detector).rawOutputs(pixels, width, height);
    assertThat(refRaw.size()).as("as many raw outputs as the Java side fetched").isEqualTo(raw.size());
    float maxDiff = 0;
    for (int t = 0; t < raw.size(); t++) {
      float[] java = raw.get(t).values();
      float[] ref = floats(refRaw.get(t).getAsJsonObject().getAsJsonArray("values"));
      assertThat(ref.length).as("raw output %d size", t).isEqualTo(java.length);
      for (int i = 0; i < java.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(java[i] - ref[i]));
      }
    }
    return maxDiff;
  }

  private static float[] floats(JsonArray a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsFloat();
    }
    return out;
  }

  static double iou(Detection d, int[] box) {
    double ix = Math.max(0, Math.min(d.x() + d.w(), box[0] + box[2]) - Math.max(d.x(), box[0]));
    double iy = Math.max(0, Math.min(d.y() + d.h(), box[1] + box[3]) - Math.max(d.y(), box[1]));
    double inter = ix * iy;
    return inter / ((double) d.w() * d.h() + (double) box[2] * box[3] - inter);
  }

  private static JsonObject runReference(ModelSpec spec, Path list, Path out) throws Exception {
    Path script = REFERENCE_DIR.resolve("reference.js");
    NodeReference.run(List.of("node", script.toString(), nodeModules.toString(), Paths.get(spec.modelUri()).toString(),
        spec.detectionsFormat().key(), Integer.toString(spec.inputWidth()), String.join(",", spec.detectionsOutputs()),
        list.toString(), out.toString()), REFERENCE_DIR, 300);
    return JsonParser.parseString(Files.readString(out)).getAsJsonObject();
  }

  /** Installs the reference's pinned packages into {@code target/tfjs-reference} (see {@link NodeReference}). */
  static Path installReference() throws Exception {
    return NodeReference.install("tfjs-reference", REFERENCE_DIR, List.of("package.json", "package-lock.json", "reference.js"),
        Map.of("@vladmandic/human", "3.3.6", "@tensorflow/tfjs", "4.22.0", "@tensorflow/tfjs-backend-wasm", "4.22.0"));
  }
}
