package io.visionlake.udfs.analyze.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.model.LoadedModel;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

/**
 * The Java CenterNet (TensorFlow Java + {@link CenterNetDetector}) against its JavaScript original:
 * npm {@code @vladmandic/human@3.3.6} on {@code @tensorflow/tfjs@4.22.0} with the WASM backend,
 * run by Node.js on the very pixels the Java side decoded (written to a file). The reference's
 * packages are installed pinned (package-lock.json) into {@code target/tfjs-reference} on first
 * use; without Node.js/npm the test fails and says so.
 */
@IntegrationTest
class CenterNetReferenceTest {
  static final Path REFERENCE_DIR = Paths.get("target", "tfjs-reference").toAbsolutePath();

  static LoadedModel model;
  static Path nodeModules;

  @BeforeAll
  static void setUp() throws Exception {
    nodeModules = installReference();
    ModelSpec spec = new ModelCatalog(TestPaths.home()).resolve("centernet");
    TestPaths.required(spec.modelUri());
    model = ExecutorModelCache.get(spec, 1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "dog.jpg, dog;bicycle;car|truck",
      "person.jpg, person;horse;dog",
  })
  void javaMatchesTheJavaScriptReference(String photo, String expected, @TempDir Path tmp) throws Exception {
    Path file = TestPaths.required("data/samples/photos/" + photo);
    int width;
    int height;
    byte[] rgb;
    try (DecodedImage image = new ImageDecoder().decode(Files.readAllBytes(file))) {
      Mat converted = new Mat();
      Imgproc.cvtColor(image.mat(), converted, Imgproc.COLOR_BGR2RGB);
      width = converted.cols();
      height = converted.rows();
      rgb = new byte[width * height * 3];
      converted.get(0, 0, rgb);
      converted.release();
    }
    float[] pixels = new float[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      pixels[i] = rgb[i] & 0xff;
    }
    Path rgbFile = tmp.resolve(photo + ".rgb");
    Files.write(rgbFile, rgb);

    CenterNetDetector detector = new CenterNetDetector(model.tfGraph(), DetectorSettings.HUMAN_DEFAULTS);
    float[] raw = detector.rawDetections(pixels, width, height);
    List<Detection> java = detector.detect(pixels, width, height);
    JsonObject ref = runReference(rgbFile, width, height, tmp.resolve(photo + ".json"));

    assertThat(ref.get("backend").getAsString()).as("the reference ran on tfjs's WASM backend").isEqualTo("wasm");
    JsonArray refRaw = ref.getAsJsonArray("raw");
    assertThat(refRaw.size()).as("raw detections 100 x 6").isEqualTo(raw.length);
    float maxDiff = 0;
    for (int i = 0; i < raw.length; i++) {
      // Rows above the score threshold: below it, near-equal scores may swap places between backends.
      if (refRaw.get(6 * (i / 6) + 4).getAsFloat() > 0.2f) {
        maxDiff = Math.max(maxDiff, Math.abs(raw[i] - refRaw.get(i).getAsFloat()));
      }
    }
    List<JsonObject> refObjects = new ArrayList<>();
    ref.getAsJsonArray("objects").forEach(o -> refObjects.add(o.getAsJsonObject()));
    System.out.printf("%s %dx%d: java %s%n  reference %s%n  max abs diff of raw rows above 0.2 (input pixels and score): %.5f%n",
        photo, width, height, java, refObjects, maxDiff);
    assertThat(maxDiff).as("raw detections (box corners in 512-px input units, scores) vs tfjs").isLessThan(0.5f);

    assertThat(java).as("as many objects as human finds").hasSameSizeAs(refObjects);
    for (JsonObject r : refObjects) {
      JsonArray b = r.getAsJsonArray("box");
      int[] box = {b.get(0).getAsInt(), b.get(1).getAsInt(), b.get(2).getAsInt(), b.get(3).getAsInt()};
      float refScore = r.get("score").getAsFloat();
      Detection match = java.stream()
          .filter(d -> d.label().equals(r.get("label").getAsString()))
          .max((a, c) -> Double.compare(iou(a, box), iou(c, box)))
          .orElse(null);
      assertThat(match).as("a Java %s for reference %s", r.get("label").getAsString(), r).isNotNull();
      assertThat(iou(match, box)).as("IoU of Java %s with reference %s", match, r).isGreaterThanOrEqualTo(0.9);
      // human truncates scores to 2 decimals.
      assertThat((double) match.score()).as("score of %s vs reference %s", match, r).isBetween(refScore - 0.02, refScore + 0.02);
    }
    Set<String> found = java.stream().map(Detection::label).collect(Collectors.toSet());
    for (String alternatives : expected.split(";")) {
      assertThat(Set.of(alternatives.split("\\|"))).as("%s shows %s; Java found %s", photo, alternatives, java)
          .containsAnyElementsOf(found);
    }
    reportWarmTime(detector, pixels, width, height, photo);
  }

  /** Prints process CPU time per warm frame (the engine runs on 1 intra-op thread here); no assertion. */
  private static void reportWarmTime(CenterNetDetector detector, float[] pixels, int width, int height, String photo) {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    int frames = 5;
    long cpu0 = os.getProcessCpuTime();
    long wall0 = System.nanoTime();
    for (int i = 0; i < frames; i++) {
      detector.detect(pixels, width, height);
    }
    System.out.printf("%s: CenterNet warm %.1f ms CPU / %.1f ms wall per frame (1 intra-op thread)%n", photo,
        (os.getProcessCpuTime() - cpu0) / 1e6 / frames, (System.nanoTime() - wall0) / 1e6 / frames);
  }

  static double iou(Detection d, int[] box) {
    double ix = Math.max(0, Math.min(d.x() + d.w(), box[0] + box[2]) - Math.max(d.x(), box[0]));
    double iy = Math.max(0, Math.min(d.y() + d.h(), box[1] + box[3]) - Math.max(d.y(), box[1]));
    double inter = ix * iy;
    return inter / ((double) d.w() * d.h() + (double) box[2] * box[3] - inter);
  }

  private static JsonObject runReference(Path rgb, int width, int height, Path out) throws Exception {
    Path modelDir = Paths.get(model.spec().modelUri()).getParent();
    Path script = REFERENCE_DIR.resolve("reference.js");
    run(List.of("node", script.toString(), nodeModules.toString(), modelDir.toString(), rgb.toString(),
        Integer.toString(width), Integer.toString(height), out.toString()), REFERENCE_DIR, 300);
    return JsonParser.parseString(Files.readString(out)).getAsJsonObject();
  }

  /**
   * Installs the reference's pinned packages with {@code npm ci} unless {@code target/tfjs-reference}
   * already holds exactly this package-lock.json's install.
   */
  static Path installReference() throws Exception {
    Files.createDirectories(REFERENCE_DIR);
    for (String name : List.of("package.json", "package-lock.json", "reference.js")) {
      try (InputStream in = CenterNetReferenceTest.class.getResourceAsStream("/tfjs-reference/" + name)) {
        Files.copy(in, REFERENCE_DIR.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Path modules = REFERENCE_DIR.resolve("node_modules");
    Path installedLock = modules.resolve(".package-lock.json");
    if (!installedMatches(modules)) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), REFERENCE_DIR, 900);
      if (!installedMatches(modules)) {
        fail("npm ci in " + REFERENCE_DIR + " did not install @vladmandic/human 3.3.6, @tensorflow/tfjs 4.22.0 and "
            + "@tensorflow/tfjs-backend-wasm 4.22.0 (see " + installedLock + ")");
      }
    }
    return modules;
  }

  private static boolean installedMatches(Path modules) throws IOException {
    return version(modules, "@vladmandic/human").equals("3.3.6")
        && version(modules, "@tensorflow/tfjs").equals("4.22.0")
        && version(modules, "@tensorflow/tfjs-backend-wasm").equals("4.22.0");
  }

  private static String version(Path modules, String pkg) throws IOException {
    Path json = modules.resolve(pkg).resolve("package.json");
    if (!Files.isRegularFile(json)) {
      return "";
    }
    JsonElement v = JsonParser.parseString(Files.readString(json)).getAsJsonObject().get("version");
    return v == null ? "" : v.getAsString();
  }

  private static void run(List<String> command, Path dir, int timeoutSeconds) throws Exception {
    Path log = Files.createTempFile("tfjs-reference", ".log");
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      fail("Cannot start '" + command.get(0) + "': the CenterNet reference test runs the JavaScript original with Node.js "
          + "and npm (apt-get install nodejs npm), which must be on the PATH. " + e.getMessage());
      return;
    }
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " in " + dir + " ran past " + timeoutSeconds + " s");
    }
    if (p.exitValue() != 0) {
      fail(String.join(" ", command) + " in " + dir + " exited " + p.exitValue() + ":\n" + Files.readString(log));
    }
    Files.delete(log);
  }
}
