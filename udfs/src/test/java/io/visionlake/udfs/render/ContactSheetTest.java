package io.visionlake.udfs.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.analyze.Boxes;
import io.visionlake.udfs.analyze.OcrAnalyzer;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.testing.UnitTest;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Pixel checks on real photos: box borders at the stored coordinates in the box's colour, a sheet's
 * tiles at the positions its layout computes (each holding its own image), and unreadable inputs
 * as placeholder tiles on a sheet that still renders.
 */
@UnitTest
class ContactSheetTest {
  static final ImageDecoder DECODER = new ImageDecoder();
  static final List<String> PHOTOS = List.of("dog.jpg", "horses.jpg", "fruits.jpg", "baboon.jpg", "messi5.jpg");

  static byte[] photo(String name) throws IOException {
    return Files.readAllBytes(TestPaths.required("data/samples/photos/" + name));
  }

  static Tile tile(Path file, String... caption) {
    return new Tile(file.toString(), List.of(caption), List.of(), () -> Files.readAllBytes(file));
  }

  @Test
  void boxBordersHaveTheBoxColourAtTheStoredCoordinates() throws Exception {
    byte[] dog = photo("dog.jpg");
    RenderBox a = new RenderBox(40, 120, 220, 180, "dog", 0.91f);
    RenderBox b = new RenderBox(400, 60, 120, 90, "person", 0.5f);
    BufferedImage plain = AnnotatedRender.draw(DECODER, dog, List.of());
    BufferedImage drawn = AnnotatedRender.draw(DECODER, dog, List.of(a, b));
    assertThat(drawn.getWidth()).as("stored coordinates are original pixels: drawn at full size").isEqualTo(plain.getWidth());
    for (RenderBox box : List.of(a, b)) {
      int colour = Palette.forLabel(box.label()).getRGB();
      int[][] border = {
          {box.x(), box.y() + box.h() / 2}, {box.x() + box.w() - 1, box.y() + box.h() / 2},
          {box.x() + box.w() / 2, box.y()}, {box.x() + box.w() / 2, box.y() + box.h() - 1},
          {box.x(), box.y()}, {box.x() + box.w() - 1, box.y() + box.h() - 1}};
      for (int[] p : border) {
        assertThat(plain.getRGB(p[0], p[1])).as("the photo itself is not %s at %s,%s", box.label(), p[0], p[1]).isNotEqualTo(colour);
        assertThat(drawn.getRGB(p[0], p[1])).as("border of %s at %s,%s", box.caption(), p[0], p[1]).isEqualTo(colour);
      }
      // Just outside the box's left and bottom edges the photo is untouched: the border is inside the box.
      assertThat(drawn.getRGB(box.x() - 1, box.y() + box.h() / 2)).isEqualTo(plain.getRGB(box.x() - 1, box.y() + box.h() / 2));
      assertThat(drawn.getRGB(box.x() + box.w() / 2, box.y() + box.h())).isEqualTo(plain.getRGB(box.x() + box.w() / 2, box.y() + box.h()));
    }
    assertThat(Palette.forLabel("dog")).as("two labels, two colours").isNotEqualTo(Palette.forLabel("person"));

    byte[] jpeg = AnnotatedRender.jpeg(DECODER, dog, List.of(a, b));
    BufferedImage back = ImageIO.read(new ByteArrayInputStream(jpeg));
    assertThat(back.getWidth()).isEqualTo(drawn.getWidth());
    assertThat(back.getHeight()).isEqualTo(drawn.getHeight());
  }

  @Test
  void storedBoxColumnsReadByFieldName() {
    StructType people = (StructType) ((ArrayType) Boxes.TYPE).elementType();
    StructType lines = (StructType) ((ArrayType) OcrAnalyzer.LINES_TYPE).elementType();
    StructType tracks = new StructType().add("track_id", "long").add("label", "string").add("x", "int").add("y", "int")
        .add("w", "int").add("h", "int").add("score", "double");
    List<Row> rows = List.of(new GenericRowWithSchema(new Object[] {1, 2, 3, 4, 0.5f}, people),
        new GenericRowWithSchema(new Object[] {null, 2, 3, 4, 0.5f}, people));
    assertThat(RenderBox.fromRows(rows, "person")).containsExactly(new RenderBox(1, 2, 3, 4, "person", 0.5f));
    assertThat(RenderBox.fromRows(List.of(new GenericRowWithSchema(new Object[] {"EXIT", 0.75f, 5, 6, 7, 8}, lines)), "text"))
        .containsExactly(new RenderBox(5, 6, 7, 8, "EXIT", 0.75f));
    assertThat(RenderBox.fromRows(List.of(new GenericRowWithSchema(new Object[] {7L, "car", 1, 1, 2, 2, 0.25}, tracks)), null).get(0).caption())
        .isEqualTo("#7 car 0.25");
    // A face matched to the gallery is captioned with the person; an unknown face with the column's subject.
    StructType faces = new StructType().add("x", "int").add("y", "int").add("w", "int").add("h", "int")
        .add("score", "float").add("person", "string");
    assertThat(RenderBox.fromRows(List.of(new GenericRowWithSchema(new Object[] {1, 2, 3, 4, 0.9f, "alice"}, faces),
        new GenericRowWithSchema(new Object[] {5, 6, 7, 8, 0.8f, null}, faces)), "face"))
        .containsExactly(new RenderBox(1, 2, 3, 4, "alice", 0.9f), new RenderBox(5, 6, 7, 8, "face", 0.8f));
    StructType noBox = new StructType().add("label", "string");
    assertThatThrownBy(() -> RenderBox.fromRows(List.of(new GenericRowWithSchema(new Object[] {"x"}, noBox)), null))
        .hasMessageContaining("x, y, w, h").hasMessageContaining("[label]");
  }

  @Test
  void aSheetOfKImagesHasKTilesAtTheComputedPositions() throws Exception {
    int thumb = 96;
    List<Tile> tiles = new ArrayList<>();
    for (String name : PHOTOS) {
      tiles.add(tile(TestPaths.required("data/samples/photos/" + name), name, "caption"));
    }
    ContactSheet sheet = ContactSheet.of(DECODER, 3, thumb, false);
    long started = System.nanoTime();
    ContactSheet.Result r = sheet.render(tiles);
    double msPerTile = (System.nanoTime() - started) / 1e6 / tiles.size();
    System.out.printf("contact sheet: %d tiles of %d px in %.1f ms per tile%n", tiles.size(), thumb, msPerTile);

    BufferedImage img = r.image();
    SheetLayout layout = r.layout();
    assertThat(r.failures()).isEmpty();
    assertThat(img.getWidth()).isEqualTo(SheetLayout.GAP + 3 * (thumb + SheetLayout.GAP));
    assertThat(img.getHeight()).as("two rows").isEqualTo(SheetLayout.GAP + 2 * (thumb + SheetLayout.CAPTION_HEIGHT + SheetLayout.GAP));
    int background = Palette.background().getRGB();
    assertThat(img.getRGB(0, 0)).isEqualTo(background);
    for (int i = 0; i < PHOTOS.size(); i++) {
      int x = layout.tileX(i);
      int y = layout.tileY(i);
      assertThat(x).isEqualTo(SheetLayout.GAP + (i % 3) * (thumb + SheetLayout.GAP));
      assertThat(y).isEqualTo(SheetLayout.GAP + (i / 3) * (thumb + SheetLayout.CAPTION_HEIGHT + SheetLayout.GAP));
      // The tile holds its own photo: its centre is the centre of that photo's thumbnail, pixel for pixel.
      BufferedImage expected;
      try (DecodedImage d = DECODER.decode(photo(PHOTOS.get(i)), thumb, thumb)) {
        expected = Pixels.fit(d.mat(), thumb, thumb, true);
      }
      int differing = 0;
      for (int dy = -4; dy <= 4; dy++) {
        for (int dx = -4; dx <= 4; dx++) {
          int got = img.getRGB(x + thumb / 2 + dx, y + thumb / 2 + dy);
          // The image is centred in its cell at ((thumb - w) / 2, (thumb - h) / 2).
          int want = expected.getRGB(thumb / 2 + dx - (thumb - expected.getWidth()) / 2, thumb / 2 + dy - (thumb - expected.getHeight()) / 2);
          assertThat(got).as("tile %d (%s) centre at %d,%d", i, PHOTOS.get(i), dx, dy).isEqualTo(want);
          differing += got != background ? 1 : 0;
        }
      }
      assertThat(differing).as("tile %d is not background", i).isGreaterThan(40);
      assertThat(captionPixels(img, x, y + thumb, thumb, SheetLayout.CAPTION_HEIGHT)).as("caption under tile %d", i).isGreaterThan(10);
    }
    // The sixth cell of the 3x2 grid holds no tile: background only.
    for (int dy = 0; dy < thumb; dy += 7) {
      for (int dx = 0; dx < thumb; dx += 7) {
        assertThat(img.getRGB(layout.tileX(5) + dx, layout.tileY(5) + dy)).isEqualTo(background);
      }
    }
    assertThat(Jpeg.encode(img)).startsWith((byte) 0xFF, (byte) 0xD8);
  }

  @Test
  void aCamerasLinesAndZonesAreDrawnAtTheirPixelsWhenAnnotating() throws Exception {
    // vtest frame 100 (768x576) at thumb 384: scale 0.5. A line across the walkway and a zone; both white.
    Path frame = TestPaths.required("data/samples/cameras/vtest-0100.jpg");
    io.visionlake.udfs.track.CameraLayout layout = io.visionlake.udfs.track.CameraLayouts.parse(props(
        "cam.line.door=100,400,700,400\ncam.zone.lawn=40,450,300,450,300,560,40,560\n"), "test").get("cam");
    List<RenderShape> shapes = RenderShape.of(layout);
    assertThat(shapes).extracting(RenderShape::name).containsExactlyInAnyOrder("door", "lawn");
    Tile withShapes = new Tile(frame.toString(), List.of(), List.of(), shapes, () -> Files.readAllBytes(frame));
    int thumb = 384;
    BufferedImage drawn = ContactSheet.of(DECODER, 1, thumb, true).render(List.of(withShapes)).image();
    BufferedImage plain = ContactSheet.of(DECODER, 1, thumb, false).render(List.of(withShapes)).image();
    SheetLayout l = ContactSheet.of(DECODER, 1, thumb, true).layout(1);
    int ox = l.tileX(0) + (thumb - 384) / 2;
    int oy = l.tileY(0) + (thumb - 288) / 2;
    int white = Palette.SHAPE.getRGB();
    // Points on the line (y 400 -> 200) and on the zone's right and bottom edges (x 300 -> 150, y 560 -> 280), away from the labels.
    int[][] on = {{200, 200}, {300, 200}, {340, 200}, {150, 240}, {150, 260}, {100, 280}};
    for (int[] p : on) {
      assertThat(drawn.getRGB(ox + p[0], oy + p[1])).as("shape pixel at %s,%s", p[0], p[1]).isEqualTo(white);
      assertThat(plain.getRGB(ox + p[0], oy + p[1])).as("without annotation the photo is there").isNotEqualTo(white);
    }
    // Off the shapes the photo is untouched.
    assertThat(drawn.getRGB(ox + 250, oy + 150)).isEqualTo(plain.getRGB(ox + 250, oy + 150));
  }

  private static java.util.Properties props(String text) throws IOException {
    java.util.Properties p = new java.util.Properties();
    p.load(new java.io.StringReader(text));
    return p;
  }

  @Test
  void inputsThatFailBecomePlaceholderTilesAndTheSheetRenders() throws Exception {
    int thumb = 128;
    Path damaged = TestPaths.required("data/samples/damaged");
    List<Tile> tiles = List.of(
        tile(TestPaths.required("data/samples/photos/dog.jpg"), "dog"),
        tile(damaged.resolve("truncated-dog.jpg"), "truncated"),
        tile(damaged.resolve("notes.jpg"), "notes"),
        new Tile("gone.jpg", List.of("gone"), List.of(), () -> {
          throw new NoSuchFileException("gone.jpg");
        }));
    ContactSheet.Result r = ContactSheet.of(DECODER, 4, thumb, true).render(tiles);
    assertThat(r.failures()).extracting(ContactSheet.Failure::index).containsExactly(1, 2, 3);
    assertThat(r.failures()).extracting(ContactSheet.Failure::errorClass).containsExactly("Truncated", "UnsupportedFormat", "ReadFailed");
    assertThat(r.failures().get(2).message()).contains("gone.jpg");
    int placeholder = Palette.PLACEHOLDER.getRGB();
    for (int i = 1; i < 4; i++) {
      int x = r.layout().tileX(i);
      int y = r.layout().tileY(i);
      assertThat(r.image().getRGB(x + thumb / 2, y + thumb - 2)).as("placeholder fill of tile %d", i).isEqualTo(placeholder);
      assertThat(captionPixels(r.image(), x, y, thumb, thumb / 2)).as("the reason is written on tile %d", i).isGreaterThan(30);
    }
    assertThat(r.image().getRGB(r.layout().tileX(0) + thumb / 2, r.layout().tileY(0) + thumb / 2)).as("the good tile is a photo")
        .isNotEqualTo(placeholder);
  }

  @Test
  void limitsAreCheckedBeforeDrawing() {
    assertThatThrownBy(() -> ContactSheet.of(DECODER, SheetLayout.MAX_COLUMNS + 1, 96, false)).hasMessageContaining("columns must be 1..16");
    assertThatThrownBy(() -> ContactSheet.of(DECODER, 4, 2000, false)).hasMessageContaining("48..512");
    assertThatThrownBy(() -> new SheetLayout(4, 96, SheetLayout.MAX_TILES + 1)).hasMessageContaining("add a LIMIT");
    assertThatThrownBy(() -> new SheetLayout(16, 512, 200)).hasMessageContaining("above the limit");
  }

  /** Pixels of the light caption colour in a region: drawn text. */
  static int captionPixels(BufferedImage img, int x0, int y0, int w, int h) {
    Color c = Palette.CAPTION;
    int n = 0;
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        Color p = new Color(img.getRGB(x, y));
        if (Math.abs(p.getRed() - c.getRed()) < 40 && Math.abs(p.getGreen() - c.getGreen()) < 40 && Math.abs(p.getBlue() - c.getBlue()) < 40) {
          n++;
        }
      }
    }
    return n;
  }
}
