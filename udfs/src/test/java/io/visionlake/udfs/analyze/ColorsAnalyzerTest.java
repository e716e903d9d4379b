package io.visionlake.udfs.analyze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.ImageInferenceRunner;
import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.testing.UnitTest;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@code colors} analyser through the one inference path, on PNG and JPEG bytes. */
@UnitTest
class ColorsAnalyzerTest {
  private static ImageInferenceRunner runner;

  @BeforeAll
  static void start() {
    runner = new ImageInferenceRunner(null, List.of(Analyzers.resolve("colors", Map.of())), DecodeOptions.defaults(), 1, 8);
  }

  @AfterAll
  static void stop() {
    runner.close();
  }

  private static List<Row> colors(byte[] image) {
    ImageResult r = runner.infer(List.of(image)).get(0);
    assertThat(r.isSuccess()).as("%s", r).isTrue();
    @SuppressWarnings("unchecked")
    List<Row> rows = scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.immutable.Seq<Row>) r.analysis()[0]);
    assertThat(rows.stream().mapToDouble(c -> c.getDouble(2)).sum()).as("fractions of %s", rows).isCloseTo(1.0, within(1e-9));
    return rows;
  }

  /** Vertical bands of the given colours and width fractions. */
  private static byte[] bands(String format, int width, int height, Object... colourAndFraction) throws Exception {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    int x = 0;
    for (int i = 0; i < colourAndFraction.length; i += 2) {
      int w = (int) Math.round(width * (Double) colourAndFraction[i + 1]);
      g.setColor((Color) colourAndFraction[i]);
      g.fillRect(x, 0, w, height);
      x += w;
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, format, out);
    return out.toByteArray();
  }

  private static double rgbDistance(Row c, Color expected) {
    int v = Integer.parseInt(c.getString(0).substring(1), 16);
    return Math.sqrt(Math.pow(((v >> 16) & 0xff) - expected.getRed(), 2) + Math.pow(((v >> 8) & 0xff) - expected.getGreen(), 2)
        + Math.pow((v & 0xff) - expected.getBlue(), 2));
  }

  @Test
  void singleColoursComeBackWithinASmallRgbDistanceAndTheirPaletteName() throws Exception {
    Object[][] cases = {
        {new Color(220, 30, 40), "red"}, {new Color(20, 40, 150), "navy"}, {new Color(250, 250, 250), "white"},
        {new Color(30, 160, 60), "green"}, {new Color(245, 230, 30), "yellow"}, {new Color(128, 0, 128), "purple"},
        {new Color(10, 10, 10), "black"}, {new Color(255, 165, 0), "orange"}};
    for (Object[] c : cases) {
      Color colour = (Color) c[0];
      for (String format : List.of("png", "jpeg")) {
        List<Row> rows = colors(bands(format, 320, 240, colour, 1.0));
        assertThat(rows).as("%s %s", format, colour).hasSize(1);
        assertThat(rgbDistance(rows.get(0), colour)).as("%s %s -> %s", format, colour, rows).isLessThan(format.equals("png") ? 1.0 : 4.0);
        assertThat(rows.get(0).getString(1)).as("name of %s", colour).isEqualTo(c[1]);
      }
    }
  }

  @Test
  void mixedImagesGetTheRightFractionsWithinFivePoints() throws Exception {
    Color blue = new Color(30, 60, 200);
    Color yellow = new Color(240, 220, 30);
    List<Row> split = colors(bands("png", 400, 300, blue, 0.7, yellow, 0.3));
    assertThat(split).hasSize(2);
    assertThat(split.get(0).getDouble(2)).as("blue share of %s", split).isCloseTo(0.7, within(0.05));
    assertThat(rgbDistance(split.get(0), blue)).isLessThan(3.0);
    assertThat(split.get(1).getDouble(2)).as("yellow share of %s", split).isCloseTo(0.3, within(0.05));
    assertThat(rgbDistance(split.get(1), yellow)).isLessThan(3.0);

    // Three colours through a real JPEG encoder (chroma subsampling blurs the edges).
    Color red = new Color(220, 30, 35);
    Color white = new Color(245, 245, 245);
    Color green = new Color(20, 120, 40);
    List<Row> three = colors(bands("jpeg", 640, 480, red, 0.5, white, 0.3, green, 0.2));
    assertThat(three).extracting(r -> r.getString(1)).containsExactly("red", "white", "green");
    assertThat(three.get(0).getDouble(2)).isCloseTo(0.5, within(0.05));
    assertThat(three.get(1).getDouble(2)).isCloseTo(0.3, within(0.05));
    assertThat(three.get(2).getDouble(2)).isCloseTo(0.2, within(0.05));
  }

  @Test
  void aRealPhotoIsDeterministic() throws Exception {
    byte[] photo = Files.readAllBytes(TestPaths.required("/usr/share/doc/opencv-doc/examples/data/orange.jpg"));
    List<Row> first = colors(photo);
    assertThat(first).hasSizeBetween(2, 5);
    assertThat(first).extracting(r -> r.getString(1)).as("an orange on a dark background: %s", first).contains("orange");
    for (int i = 0; i < 3; i++) {
      assertThat(colors(photo)).as("same bytes, same answer").isEqualTo(first);
    }
  }

  @Test
  void badOptionsAreRejectedWithTheSettingName() {
    assertThatThrownBy(() -> new ColorsAnalyzer(Map.of("k", "zero")))
        .hasMessageContaining("spark.visionlake.analyzer.colors.k");
    assertThatThrownBy(() -> new ColorsAnalyzer(Map.of("k", "0"))).hasMessageContaining("k >= 1");
  }
}
