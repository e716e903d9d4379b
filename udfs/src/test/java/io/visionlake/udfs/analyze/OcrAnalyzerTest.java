package io.visionlake.udfs.analyze;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.ImageInferenceRunner;
import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.testing.UnitTest;
import java.awt.Color;
import java.awt.Font;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code ocr} analyser on the real PP-OCRv4 models, through the one inference path (decode
 * once, analysers on the decoded pixels): text rendered with Java2D in several fonts and sizes,
 * Latin and Chinese, must come back at >= 0.9 character accuracy (1 - edit distance / length), and
 * a real photograph of a printed page yields its words.
 */
@UnitTest
class OcrAnalyzerTest {
  private static ImageInferenceRunner runner;

  @BeforeAll
  static void start() {
    runner = new ImageInferenceRunner(null, List.of(Analyzers.resolve("ocr", Map.of())), DecodeOptions.defaults(), 2, 8);
  }

  @AfterAll
  static void stop() {
    runner.close();
  }

  /** One rendered sample: font, lines, and what the analyser made of it. */
  private record Sample(String font, int size, List<String> lines) {}

  private static String ocr(byte[] png) {
    ImageResult r = runner.infer(List.of(png)).get(0);
    assertThat(r.isSuccess()).as("OCR of a rendered image: %s", r).isTrue();
    return (String) r.analysis()[0];
  }

  @Test
  void renderedLatinAndChineseTextIsReadAtNinetyPercentCharacterAccuracy() throws Exception {
    List<Sample> samples = List.of(
        new Sample("DejaVu Sans", 22, List.of("The quick brown fox jumps over the lazy dog", "Invoice 4711: total 89.50 EUR")),
        new Sample("DejaVu Serif", 32, List.of("VisionLake reads text from images", "Spark and Delta Lake, 2026")),
        new Sample("DejaVu Sans Mono", 24, List.of("ERROR 404 page not found", "user@example.com")),
        new Sample("DejaVu Sans", 16, List.of("small print: terms and conditions apply")),
        new Sample("DejaVu Sans", 48, List.of("Hello World")),
        new Sample("WenQuanYi Zen Hei", 28, List.of("今天天气很好", "欢迎使用光学字符识别")),
        new Sample("WenQuanYi Zen Hei", 40, List.of("北京市海淀区中关村大街", "数据湖中的图像")));
    long errors = 0;
    long chars = 0;
    long errorsNoSpace = 0;
    long charsNoSpace = 0;
    List<String> report = new ArrayList<>();
    for (Sample s : samples) {
      byte[] png = RenderedText.png(RenderedText.font(s.font(), Font.PLAIN, s.size()), s.lines(), Color.BLACK, Color.WHITE);
      String expected = String.join("\n", s.lines());
      String actual = ocr(png);
      int distance = RenderedText.editDistance(expected, actual);
      double accuracy = 1.0 - (double) distance / RenderedText.length(expected);
      report.add(String.format(Locale.ROOT, "%s %dpx: %.3f %s", s.font(), s.size(), accuracy, actual.replace("\n", " | ")));
      errors += distance;
      String bareExpected = expected.replaceAll("\\s", "");
      errorsNoSpace += RenderedText.editDistance(bareExpected, actual.replaceAll("\\s", ""));
      charsNoSpace += RenderedText.length(bareExpected);
      chars += RenderedText.length(expected);
    }
    double overall = 1.0 - (double) errors / chars;
    System.out.printf(Locale.ROOT, "OCR character accuracy on rendered text: %.4f (%d errors in %d characters); ignoring whitespace %.4f%n%s%n",
        overall, errors, chars, 1.0 - (double) errorsNoSpace / charsNoSpace, String.join("\n", report));
    assertThat(overall).isGreaterThanOrEqualTo(0.9);
    // PP-OCRv4's Chinese+Latin recogniser sometimes drops a space between Latin words (a known trait
    // of that model, worst around 20-30px); each sample must still be mostly right.
    assertThat(report).as("every sample at >= 0.85").allSatisfy(line -> assertThat(Double.parseDouble(line.split(": ")[1].split(" ")[0])).isGreaterThanOrEqualTo(0.85));
    assertThat(1.0 - (double) errorsNoSpace / charsNoSpace).as("ignoring whitespace").isGreaterThanOrEqualTo(0.97);
  }

  @Test
  void linesComeWithBoxesInReadingOrder() throws Exception {
    byte[] png = RenderedText.png(RenderedText.font("DejaVu Sans", Font.PLAIN, 30), List.of("first line", "second line", "third line"),
        new Color(20, 20, 90), new Color(250, 240, 200));
    ImageResult r = runner.infer(List.of(png)).get(0);
    @SuppressWarnings("unchecked")
    List<Row> lines = scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.immutable.Seq<Row>) r.analysis()[1]);
    assertThat(lines).extracting(l -> l.getString(0)).containsExactly("first line", "second line", "third line");
    for (int i = 0; i < lines.size(); i++) {
      Row l = lines.get(i);
      assertThat(l.getFloat(1)).as("score of %s", l).isBetween(0.5f, 1.0f);
      assertThat(l.getInt(4)).as("a line is wider than tall: %s", l).isGreaterThan(l.getInt(5));
      assertThat(l.getInt(2) + l.getInt(4)).as("inside the image").isLessThanOrEqualTo(r.width());
      if (i > 0) {
        assertThat(l.getInt(3)).as("each line below the previous").isGreaterThan(lines.get(i - 1).getInt(3) + lines.get(i - 1).getInt(5) / 2);
      }
    }
  }

  @Test
  void upsideDownTextIsTurnedByTheOrientationStep() throws Exception {
    List<String> lines = List.of("Rotate me please", "Upside down text");
    java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
        RenderedText.png(RenderedText.font("DejaVu Sans", Font.PLAIN, 36), lines, Color.BLACK, Color.WHITE)));
    java.awt.image.BufferedImage turned = new java.awt.image.BufferedImage(img.getWidth(), img.getHeight(), img.getType());
    java.awt.Graphics2D g = turned.createGraphics();
    g.rotate(Math.PI, img.getWidth() / 2.0, img.getHeight() / 2.0);
    g.drawImage(img, 0, 0, null);
    g.dispose();
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(turned, "png", png);

    String plain = ocr(png.toByteArray());
    assertThat(plain).as("without the orientation step").doesNotContain("Rotate me");
    try (ImageInferenceRunner oriented = new ImageInferenceRunner(null,
        List.of(Analyzers.resolve("ocr", Map.of("spark.visionlake.analyzer.ocr.orientation", "true"))), DecodeOptions.defaults(), 2, 8)) {
      String text = (String) oriented.infer(List.of(png.toByteArray())).get(0).analysis()[0];
      // Each line is turned on its own; the page's line order stays as it appears (bottom line first).
      assertThat(text.split("\n")).as("read: %s", text).containsExactlyInAnyOrder("Rotate me please", "Upside down text");
    }
  }

  @Test
  void blankImageHasNoText() throws Exception {
    byte[] png = RenderedText.png(RenderedText.font("DejaVu Sans", Font.PLAIN, 30), List.of(" "), Color.BLACK, Color.WHITE);
    ImageResult r = runner.infer(List.of(png)).get(0);
    assertThat(r.analysis()[0]).isEqualTo("");
    // The count is per JVM (other test classes load models too): a second runner, as another task
    // would build, must reuse the loaded det and rec models.
    int loaded = ExecutorModelCache.loadCount();
    try (ImageInferenceRunner another = new ImageInferenceRunner(null, List.of(Analyzers.resolve("ocr", Map.of())),
        DecodeOptions.defaults(), 2, 8)) {
      assertThat(another.infer(List.of(png)).get(0).analysis()[0]).isEqualTo("");
    }
    assertThat(ExecutorModelCache.loadCount()).as("det and rec load once per JVM").isEqualTo(loaded);
  }

  @Test
  void photographedBookPageYieldsItsWords() throws Exception {
    // opencv-doc's imageTextN.png (viewed): a photographed page of Szeliski's "Computer Vision", 13 lines.
    byte[] page = Files.readAllBytes(TestPaths.required("/usr/share/doc/opencv-doc/examples/data/imageTextN.png"));
    String text = ocr(page);
    System.out.println("imageTextN.png:\n" + text);
    List<String> words = List.of("technical", "details", "complex", "book", "teaching", "courses", "students", "implementation",
        "projects", "real-world", "images", "challenges", "individual", "conference", "exercises", "chapter", "suggestions",
        "research", "photographs", "algorithms", "creative", "variants", "imagery", "formulating", "computer", "vision",
        "inspiration", "high-level", "approaches");
    long found = words.stream().filter(text::contains).count();
    assertThat(found).as("words of the page found in:\n%s", text).isGreaterThanOrEqualTo(words.size() - 2);
    assertThat(text.split("\n")).as("one row per printed line").hasSizeBetween(12, 14);
    assertThat(text.split("\n")[0]).startsWith("technical details are too complex");
  }
}
