package io.visionlake.jobs.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.ops.MaintainJob;
import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.render.Palette;
import io.visionlake.udfs.render.SheetLayout;
import io.visionlake.udfs.spark.VisionFunctions;
import io.visionlake.udfs.testing.IntegrationTest;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * On a lake the batch job wrote: a sheet from a query over {@code images} (one input replaced by a
 * truncated JPEG after scoring is a placeholder tile, the render succeeds), its {@code renders}
 * row, the sheet surviving maintain's VACUUM, the {@code render_boxes} SQL function, and {@code
 * scripts/submit render sheet} through its command line.
 */
@IntegrationTest
class RenderJobTest extends DeltaTestBase {
  static final List<String> PHOTOS = List.of("dog.jpg", "giraffe.jpg", "horses.jpg", "person.jpg");

  @Test
  void rendersASheetFromTheLakeAndRecordsIt() throws Exception {
    Lake lake = new Lake(tmp.resolve("lake").toString());
    Path photos = Files.createDirectories(tmp.resolve("photos"));
    for (String name : PHOTOS) {
      Files.copy(TestPaths.required("data/samples/photos/" + name), photos.resolve(name));
    }
    BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(photos.toString()), lake.root(), "photos"));
    // The file changed after scoring: its row is in images, its bytes no longer decode.
    Files.copy(TestPaths.required("data/samples/damaged/truncated-dog.jpg"), photos.resolve("giraffe.jpg"), StandardCopyOption.REPLACE_EXISTING);

    String query = "SELECT path, top_label, source FROM images ORDER BY path";
    RenderJob.Result r = RenderJob.sheet(spark, RenderJob.Settings.of(lake.root(), query).grid(3, 96));
    System.out.println(r.summary() + " (machine shared by several builds)");
    assertThat(r.tiles()).isEqualTo(4);
    assertThat(r.placeholders()).as("the truncated file").isEqualTo(1);
    assertThat(r.path()).isEqualTo(lake.path(Lake.RENDERS) + "/" + RenderJob.SHEETS_DIR + "/" + r.renderId() + ".jpg");
    BufferedImage sheet = ImageIO.read(Path.of(r.path()).toFile());
    SheetLayout layout = new SheetLayout(3, 96, 4);
    assertThat(sheet.getWidth()).isEqualTo(layout.width());
    assertThat(sheet.getHeight()).isEqualTo(layout.height());
    for (int i = 0; i < 4; i++) {
      assertThat(farFromBackground(sheet, layout.tileX(i) + 48, layout.tileY(i) + 48)).as("tile %d drawn", i).isTrue();
    }
    assertThat(farFromBackground(sheet, layout.tileX(4) + 48, layout.tileY(4) + 48)).as("no fifth tile").isFalse();

    List<Row> renders = lake.read(spark, Lake.RENDERS).collectAsList();
    assertThat((Object) renders.get(0).getAs("sheet_key")).as("a single sheet has no key").isNull();
    assertThat(renders).hasSize(1);
    Row row = renders.get(0);
    assertThat((String) row.getAs("query")).isEqualTo(query);
    assertThat(row.<String>getList(row.fieldIndex("paths"))).as("the inputs in tile order")
        .containsExactlyElementsOf(spark.sql(query).collectAsList().stream().map(x -> x.<String>getAs("path")).toList());
    assertThat((Long) row.getAs("rows")).isEqualTo(4L);
    assertThat((Integer) row.getAs("placeholders")).isEqualTo(1);
    assertThat((String) row.getAs("path")).isEqualTo(r.path());

    // --per: one sheet per value, each its own task, each its own renders row.
    List<RenderJob.Result> per = RenderJob.sheets(spark, RenderJob.Settings.of(lake.root(),
        "SELECT path, CASE WHEN path LIKE '%dog.jpg' OR path LIKE '%horses.jpg' THEN 'animals' ELSE 'other' END AS kind,"
            + " top_label FROM images ORDER BY path").grid(2, 64).per("kind"));
    assertThat(per).extracting(RenderJob.Result::key).containsExactlyInAnyOrder("animals", "other");
    for (RenderJob.Result sheetPer : per) {
      assertThat(sheetPer.tiles()).isEqualTo(2);
      assertThat(sheetPer.placeholders()).isEqualTo(sheetPer.key().equals("other") ? 1 : 0);
      assertThat(sheetPer.path()).startsWith(lake.path(Lake.RENDERS) + "/" + RenderJob.SHEETS_DIR + "/" + sheetPer.renderId() + "/")
          .endsWith(sheetPer.key() + ".jpg");
      assertThat(ImageIO.read(Path.of(sheetPer.path()).toFile()).getWidth()).isEqualTo(new SheetLayout(2, 64, 2).width());
    }
    assertThat(lake.read(spark, Lake.RENDERS).where("per = 'kind'").selectExpr("sheet_key").collectAsList())
        .extracting(x -> x.getString(0)).containsExactlyInAnyOrder("animals", "other");

    // Sheets live in renders/_sheets: VACUUM, even with no retention, leaves them.
    MaintainJob.run(spark, lake, 0L);
    assertThat(Path.of(r.path())).exists();

    // render_boxes draws stored boxes (here a literal box list) on the image in the table.
    VisionFunctions.register(spark);
    String dog = "FROM images WHERE path LIKE '%dog.jpg'";
    byte[] boxed = spark.sql("SELECT render_boxes(path, array(named_struct('x', 40, 'y', 120, 'w', 220, 'h', 180, 'label', 'dog',"
        + " 'score', 0.9f))) AS jpeg " + dog).first().getAs("jpeg");
    byte[] plain = spark.sql("SELECT render_boxes(path, NULL) AS jpeg " + dog).first().getAs("jpeg");
    BufferedImage withBox = ImageIO.read(new ByteArrayInputStream(boxed));
    BufferedImage without = ImageIO.read(new ByteArrayInputStream(plain));
    assertThat(withBox.getWidth()).as("original size: the box coordinates are original pixels").isEqualTo(768);
    Color dogColour = Palette.forLabel("dog");
    int closer = 0;
    for (int y = 130; y < 290; y++) {
      closer += distance(new Color(withBox.getRGB(40, y)), dogColour) < distance(new Color(without.getRGB(40, y)), dogColour) ? 1 : 0;
    }
    assertThat(closer).as("left border column x=40 is the box's colour (JPEG-blurred)").isGreaterThan(150);
    assertThat(spark.sql("SELECT render_boxes(CAST('junk' AS BINARY), NULL) AS j").first().<Object>getAs("j")).as("not an image").isNull();

    // The command line, end to end (a run stops the session at its end, so the good run goes last).
    CommandRun usage = CommandRun.execute("render", new RenderCommand(), "sheet", "--lake", lake.root(), "--query", "SELECT 1",
        "--columns", "40");
    assertThat(usage.exitCode()).as(usage.toString()).isEqualTo(JobMain.USAGE);
    assertThat(usage.err()).contains("columns must be 1..16");
    Path out = tmp.resolve("sheet.jpg");
    // With the stream's lines-and-zones file: each row's camera's line is drawn too (pixels checked in ContactSheetTest).
    Path cameras = Files.writeString(tmp.resolve("cameras.properties"), "cam.line.door=0,100,700,100\n");
    CommandRun run = CommandRun.execute("render", new RenderCommand(), "sheet", "--lake", lake.root(), "--query",
        "SELECT path, 'cam' AS camera_id, array(named_struct('x', 10, 'y', 10, 'w', 50, 'h', 50, 'score', 0.5f)) AS face_boxes FROM images",
        "--annotate", "--cameras", cameras.toString(), "--columns", "2", "--thumb", "64", "--out", out.toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(JobMain.DONE);
    assertThat(run.out()).contains("4 tile(s), 1 placeholder(s)");
    assertThat(out).exists();
  }

  static boolean farFromBackground(BufferedImage img, int x, int y) {
    return distance(new Color(img.getRGB(x, y)), Palette.background()) > 30;
  }

  static double distance(Color a, Color b) {
    int dr = a.getRed() - b.getRed();
    int dg = a.getGreen() - b.getGreen();
    int db = a.getBlue() - b.getBlue();
    return Math.sqrt(dr * dr + dg * dg + db * db);
  }
}
