package io.visionlake.jobs.ops.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.window;

import io.visionlake.jobs.backfill.BackfillJob;
import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import io.visionlake.udfs.render.Palette;
import io.visionlake.udfs.render.SheetLayout;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every notebook under notebooks/ runs against a lake built here by the real jobs (a two-day
 * backfill with a damaged file, a batch run, a camera stream), and each chart in each page has
 * rows; a failing cell fails the run naming the cell; the rendered page loads in headless Chromium
 * without console errors, draws every chart as SVG, and its screenshot is not blank. On a lake only
 * the batch job has written, every notebook still renders, with a note where a cell reads a stream
 * table.
 */
@IntegrationTest
class NotebookRunnerTest {
  /** A camera's burst of {@link #BURST_FRAMES} consecutive vtest frames from {@code firstFrame}, 100 ms apart from {@code start}. */
  record Burst(String camera, Instant start, int firstFrame) {}

  static final int BURST_FRAMES = 8;
  static final List<Burst> BURSTS = List.of(
      new Burst("north", Instant.parse("2024-05-01T12:00:00Z"), 0), new Burst("north", Instant.parse("2024-05-01T14:10:00Z"), 100),
      new Burst("south", Instant.parse("2024-05-01T13:00:00Z"), 300), new Burst("south", Instant.parse("2024-05-01T14:20:00Z"), 400));
  static final Pattern CHART_DIV = Pattern.compile("<div class=\"chart\" id=\"chart-(\\d+)\"");
  /** A cell reading a table only the stream writes. */
  static final Pattern STREAM_TABLE = Pattern.compile("(?i)\\b(?:FROM|JOIN)\\s+(frames|frame_errors|flow_counts|late_frames|tracks|line_crossings|zone_visits|object_counts|stream_metrics|face_sightings)\\b");

  @TempDir
  static Path tmp;
  static SparkSession spark;
  static Lake lake;
  static NotebookRunner runner;
  static List<Path> pages = new ArrayList<>();

  @BeforeAll
  static void buildLake() throws Exception {
    spark = io.visionlake.udfs.SparkTestBase.localSession("visionlake-notebook-test")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.visionlake.progress.intervalSeconds", "0")
        .getOrCreate();
    lake = new Lake(tmp.resolve("lake").toString());
    Path input = tmp.resolve("input");
    Path samples = TestPaths.required("data/samples/fashion");
    LocalDate day = LocalDate.parse("2024-05-01");
    for (int d = 0; d < 2; d++) {
      Path dir = Files.createDirectories(input.resolve("date=" + day.plusDays(d)));
      for (int i = 0; i < 12; i++) {
        String name = String.format("test-%05d.png", d * 12 + i);
        Files.copy(samples.resolve(name), dir.resolve(name));
      }
    }
    Files.write(input.resolve("date=" + day).resolve("empty.png"), new byte[0]);
    BackfillJob.run(spark, new BackfillJob.Settings(input.toString(), lake.root(), day, day.plusDays(1)).quiet(true));
    Path photos = Files.createDirectories(tmp.resolve("photos"));
    for (String name : List.of("dog.jpg", "horses.jpg")) {
      Files.copy(TestPaths.required("data/samples/photos/" + name), photos.resolve(name));
    }
    BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(photos.toString()), lake.root(), "photos"));

    // Two cameras, each two bursts of 8 consecutive vtest frames at the footage's 10 fps (so the
    // tracker confirms the people in them) in two hours, through objects, tracking and a line per
    // camera, with hourly windows: the notebook's per-class, crossings and heat-map cells have
    // several hours and both cameras to draw.
    Path landing = tmp.resolve("landing");
    Path frames = TestPaths.required("data/samples/cameras");
    for (Burst b : BURSTS) {
      Path dir = Files.createDirectories(landing.resolve("camera=" + b.camera()));
      for (int i = 0; i < BURST_FRAMES; i++) {
        Instant t = b.start().plusMillis(100L * i);
        Files.copy(frames.resolve(String.format("vtest-%04d.jpg", b.firstFrame() + i)),
            dir.resolve(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(java.time.ZoneOffset.UTC).format(t) + ".jpg"));
      }
    }
    Path cameras = Files.writeString(tmp.resolve("cameras.properties"),
        "north.line.walkway=340,340,340,150\nsouth.line.walkway=560,420,560,150\n");
    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, lake.root(), tmp.resolve("cp").toString())
        .trigger("available-now").analyzers("objects").window("1h").watermark("2h").cameras(cameras)).awaitTermination();
    runner = new NotebookRunner(spark, lake, NotebookRunner.defaultChartLibrary(TestPaths.home()));
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }

  static List<Path> notebooks() throws IOException {
    try (Stream<Path> s = Files.list(TestPaths.required("notebooks"))) {
      return s.filter(p -> p.toString().endsWith(".md") && !p.getFileName().toString().equals("README.md")).sorted()
          .collect(Collectors.toList());
    }
  }

  /** Renders every notebook (once for the class) into target/notebooks. */
  static synchronized List<Path> rendered() throws IOException {
    if (pages.isEmpty()) {
      for (Path nb : notebooks()) {
        pages.add(runner.run(Notebook.read(nb), Path.of("target", "notebooks").toAbsolutePath()));
      }
    }
    return pages;
  }

  @Test
  void everyNotebookRendersWithEveryChartFilled() throws IOException {
    List<Path> books = notebooks();
    assertThat(books).as("notebooks/ holds notebooks").hasSizeGreaterThanOrEqualTo(3);
    Set<String> kinds = new HashSet<>();
    for (int i = 0; i < books.size(); i++) {
      Notebook nb = Notebook.read(books.get(i));
      String html = Files.readString(rendered().get(i));
      List<Notebook.Cell> charts = nb.cells.stream().filter(c -> c.isSql && !c.chart().equals("table") && !c.chart().equals("images"))
          .collect(Collectors.toList());
      long imageCells = nb.cells.stream().filter(c -> c.isSql && c.chart().equals("images")).count();
      assertThat(Pattern.compile("<img class=\"sheet\" id=\"sheet-\\d+\" alt=\"[1-9]\\d* image").matcher(html).results().count())
          .as("a sheet with images per image cell of %s", nb.name).isEqualTo(imageCells);
      if (imageCells > 0) {
        kinds.add("images");
      }
      charts.forEach(c -> kinds.add(c.chart()));
      Matcher m = CHART_DIV.matcher(html);
      List<Integer> divs = new ArrayList<>();
      while (m.find()) {
        divs.add(Integer.parseInt(m.group(1)));
      }
      assertThat(divs).as("one chart element per chart cell of %s", nb.name)
          .containsExactlyElementsOf(charts.stream().map(c -> c.index).collect(Collectors.toList()));
      for (Notebook.Cell c : charts) {
        Matcher rows = Pattern.compile("data-cell=\"" + c.index + "\" data-chart=\"[a-z]+\" data-rows=\"(\\d+)\"").matcher(html);
        assertThat(rows.find()).isTrue();
        assertThat(Integer.parseInt(rows.group(1))).as("%s of %s has data", c.describe(nb.name), nb.name).isPositive();
      }
      assertThat(html).as("self-contained: no external script or stylesheet").doesNotContain("<script src").doesNotContain("<link ");
      assertThat(html).as("ECharts inlined").contains("echarts");
    }
    assertThat(kinds).as("the chart kinds the notebooks use").contains("line", "bar", "heatmap", "images");
  }

  @Test
  void aFailingCellFailsTheRunNamingTheCell() throws IOException {
    Path nb = tmp.resolve("broken.md");
    Files.writeString(nb, "# Broken\n\n```sql chart=table title=\"fine\"\nSELECT 1 AS one\n```\n\ntext\n\n"
        + "```sql chart=bar x=a y=b title=\"typo\"\nSELECT a, b FROM no_such_table\n```\n");
    assertThatThrownBy(() -> runner.run(Notebook.read(nb), tmp.resolve("out")))
        .isInstanceOf(NotebookRunner.NotebookCellException.class)
        .hasMessageContaining("cell 4 (broken line 9, 'typo')")
        .hasMessageContaining("no_such_table");
    Path empty = tmp.resolve("empty.md");
    Files.writeString(empty, "```sql chart=line x=a y=b\nSELECT 1 AS a, 2 AS b WHERE false\n```\n");
    // A chart with nothing to draw is a note on the page, not a failed notebook.
    Path emptyPage = runner.run(Notebook.read(empty), tmp.resolve("out-empty"));
    assertThat(Files.readString(emptyPage)).contains("data-cell=\"1\" data-empty=\"true\"")
        .contains("No rows: there is nothing to chart on this lake yet.");
    Path badSpec = tmp.resolve("bad-spec.md");
    Files.writeString(badSpec, "```sql chart=heatmap x=a y=b\nSELECT 1\n```\n");
    assertThatThrownBy(() -> Notebook.read(badSpec)).hasMessageContaining("line 1").hasMessageContaining("needs value=<column>");
  }

  @Test
  void everyNotebookRunsOnABatchOnlyLake() throws Exception {
    Lake batchOnly = new Lake(tmp.resolve("batch-only-lake").toString());
    Path in = Files.createDirectories(tmp.resolve("batch-only-input"));
    for (int i = 30; i < 36; i++) {
      String name = String.format("test-%05d.png", i);
      Files.copy(TestPaths.required("data/samples/fashion").resolve(name), in.resolve(name));
    }
    Files.write(in.resolve("empty.png"), new byte[0]); // one image_errors row
    BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(in.toString()), batchOnly.root(), "fashion"));
    NotebookRunner onBatch = new NotebookRunner(spark, batchOnly, NotebookRunner.defaultChartLibrary(TestPaths.home()));
    Path out = Path.of("target", "notebooks", "batch-only").toAbsolutePath();

    int notes = 0;
    int dataQualityWithRows = 0;
    for (Path file : notebooks()) {
      Notebook nb = Notebook.read(file);
      Path page = onBatch.run(nb, out);
      String html = Files.readString(page);
      for (Notebook.Cell c : nb.cells) {
        if (!c.isSql) {
          continue;
        }
        Matcher stream = STREAM_TABLE.matcher(c.text);
        Set<String> streamTables = new HashSet<>();
        while (stream.find()) {
          streamTables.add(stream.group(1).toLowerCase(java.util.Locale.ROOT));
        }
        Matcher missing = Pattern.compile("data-cell=\"" + c.index + "\" data-missing=\"(\\w+)\"").matcher(html);
        if (!streamTables.isEmpty()) {
          assertThat(missing.find()).as("%s reads %s: a note, not a result", c.describe(nb.name), streamTables).isTrue();
          assertThat(missing.group(1)).as("the note names a table the cell reads").isIn(streamTables);
          // "scripts/submit stream writes it", or with the analysers that table needs (object_counts: --analyzers objects).
          assertThat(html).containsPattern("This lake has no " + missing.group(1) + " table yet: scripts/submit stream( --analyzers \\w+)? writes it\\.");
          notes++;
          continue;
        }
        assertThat(missing.find()).as("%s needs only batch tables", c.describe(nb.name)).isFalse();
        Matcher rows = Pattern.compile("data-cell=\"" + c.index + "\" data-chart=\"[a-z]+\" data-rows=\"(\\d+)\"").matcher(html);
        assertThat(rows.find()).as("%s ran", c.describe(nb.name)).isTrue();
        // Backfill rows exist only where a backfill ran; every other batch-table cell has rows.
        if (!c.text.contains("job = 'backfill'")) {
          assertThat(Integer.parseInt(rows.group(1))).as("rows of %s on a batch-only lake", c.describe(nb.name)).isPositive();
          if (nb.name.equals("data-quality")) {
            dataQualityWithRows++;
          }
        }
      }
      HeadlessChromium.Load dom = HeadlessChromium.dumpDom(page, tmp);
      assertThat(dom.console).as("console output of %s", page.getFileName()).isEmpty();
      Matcher expected = Pattern.compile("data-charts=\"(\\d+)\"").matcher(dom.stdout);
      Matcher drawn = Pattern.compile("data-charts-drawn=\"(\\d+)\"").matcher(dom.stdout);
      assertThat(expected.find() && drawn.find()).as("the script of %s ran to the end", page.getFileName()).isTrue();
      assertThat(drawn.group(1)).as("every chart of a cell that ran is drawn in %s", page.getFileName()).isEqualTo(expected.group(1));
      assertThat(dom.stdout).contains("data-errors=\"0\"");
    }
    assertThat(notes).as("the stream-table cells of camera-flow and data-quality").isGreaterThanOrEqualTo(5);
    assertThat(dataQualityWithRows).as("data-quality: error rate, errors by stage, reasons, latest runs").isEqualTo(4);

    // Bad SQL against a table the lake has, and a misspelt table, still fail the run.
    Path bad = tmp.resolve("bad-column.md");
    Files.writeString(bad, "```sql chart=table title=\"typo\"\nSELECT no_such_column FROM images\n```\n");
    assertThatThrownBy(() -> onBatch.run(Notebook.read(bad), tmp.resolve("out")))
        .isInstanceOf(NotebookRunner.NotebookCellException.class).hasMessageContaining("cell 1 (bad-column line 1, 'typo')")
        .hasMessageContaining("no_such_column");
    Path misspelt = tmp.resolve("misspelt.md");
    Files.writeString(misspelt, "```sql chart=table\nSELECT * FROM frame\n```\n");
    assertThatThrownBy(() -> onBatch.run(Notebook.read(misspelt), tmp.resolve("out")))
        .isInstanceOf(NotebookRunner.NotebookCellException.class).hasMessageContaining("frame");
  }

  @Test
  void pagesRenderInHeadlessChromiumWithoutConsoleErrors() throws Exception {
    for (Path page : rendered()) {
      HeadlessChromium.Load dom = HeadlessChromium.dumpDom(page, tmp);
      assertThat(dom.console).as("console output of %s", page.getFileName()).isEmpty();
      Matcher expected = Pattern.compile("data-charts=\"(\\d+)\"").matcher(dom.stdout);
      Matcher drawn = Pattern.compile("data-charts-drawn=\"(\\d+)\"").matcher(dom.stdout);
      assertThat(expected.find()).isTrue();
      assertThat(drawn.find()).as("the page's script ran to the end in %s", page.getFileName()).isTrue();
      assertThat(drawn.group(1)).as("every chart drawn in %s", page.getFileName()).isEqualTo(expected.group(1));
      assertThat(dom.stdout).contains("data-errors=\"0\"");
      long svgs = Pattern.compile("<svg").matcher(dom.stdout).results().count();
      assertThat(svgs).as("an SVG per chart in %s", page.getFileName()).isGreaterThanOrEqualTo(Long.parseLong(expected.group(1)));
      assertThat(Pattern.compile("<path ").matcher(dom.stdout).results().count()).as("charts have marks").isGreaterThan(20);

      Path png = page.resolveSibling(page.getFileName().toString().replace(".html", ".png"));
      // Tall enough for camera-flow's sheet below its five charts and their tables (about 3000 px on this lake).
      HeadlessChromium.Load shot = HeadlessChromium.screenshot(page, png, tmp, 1280, 5000);
      assertThat(shot.console).isEmpty();
      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image.getWidth()).isEqualTo(1280);
      Set<Integer> colours = new HashSet<>();
      for (int y = 0; y < image.getHeight(); y += 7) {
        for (int x = 0; x < image.getWidth(); x += 7) {
          colours.add(image.getRGB(x, y));
        }
      }
      assertThat(colours.size()).as("the screenshot of %s shows charts, not a blank page", page.getFileName()).isGreaterThan(50);
      Matcher sheets = Pattern.compile("data-sheets=\"(\\d+)\"").matcher(dom.stdout);
      assertThat(sheets.find()).isTrue();
      assertThat(dom.stdout).as("every sheet of %s decodes in the browser", page.getFileName())
          .contains("data-sheets-loaded=\"" + sheets.group(1) + "\"");
      if (!sheets.group(1).equals("0")) {
        // The sheet's dark background (with the JPEG's small error) shows on the screenshot: the thumbnails are on the page.
        Color bg = Palette.background();
        int sheetPixels = 0;
        for (int y = 0; y < image.getHeight(); y++) {
          for (int x = 0; x < image.getWidth(); x++) {
            Color c = new Color(image.getRGB(x, y));
            if (Math.abs(c.getRed() - bg.getRed()) <= 3 && Math.abs(c.getGreen() - bg.getGreen()) <= 3 && Math.abs(c.getBlue() - bg.getBlue()) <= 3) {
              sheetPixels++;
            }
          }
        }
        assertThat(sheetPixels).as("sheet pixels on the screenshot of %s", page.getFileName()).isGreaterThan(2000);
      }
      if (page.getFileName().toString().equals("camera-flow.html")) {
        // The busiest window's frames: every tile of the sheet shows a picture where the layout puts it.
        Notebook.Cell cell = imageCell(Notebook.read(TestPaths.required("notebooks/camera-flow.md")));
        int shown = sheetImages(Files.readString(page), cell);
        SheetLayout layout = new SheetLayout(ChartSpec.intKey(cell.spec, "columns", 6, "camera-flow", cell.line),
            ChartSpec.intKey(cell.spec, "thumb", ChartSpec.DEFAULT_THUMB, "camera-flow", cell.line), shown);
        assertThat(tilesOnScreenshot(image, layout)).as("thumbnails of the busiest window on the screenshot of camera-flow").isEqualTo(shown);
      }
      System.out.println("notebook screenshot: " + png);
    }
  }

  @Test
  void cameraFlowShowsTheFramesOfTheBusiestWindow() throws IOException {
    Path page = rendered().stream().filter(p -> p.getFileName().toString().equals("camera-flow.html")).findFirst().orElseThrow();
    String html = Files.readString(page);
    Notebook.Cell cell = imageCell(Notebook.read(TestPaths.required("notebooks/camera-flow.md")));
    // The windows with the most distinct people, then the most person boxes, from frames itself
    // (the confirmed person track ids in the stored objects, hourly windows as the stream ran): the
    // cell must show the frames of one of them, all of them, in capture order.
    List<Row> windows = spark.read().format("delta").load(lake.path(Lake.FRAMES))
        .withColumn("persons", filter(col("objects"), o -> o.getField("label").equalTo("person")))
        .groupBy(col("camera_id"), window(col("captured_at"), "1 hour").as("w"))
        .agg(size(array_distinct(flatten(collect_list(filter(transform(col("persons"), o -> o.getField("track_id")),
                id -> id.isNotNull()))))).as("people"),
            sum(size(col("persons"))).as("detections"),
            array_sort(collect_list(struct(col("captured_at"), col("path")))).as("frames"))
        .collectAsList();
    int most = windows.stream().mapToInt(r -> r.getInt(r.fieldIndex("people"))).max().orElseThrow();
    assertThat(most).as("the test lake's frames have tracked people").isPositive();
    long mostBoxes = windows.stream().filter(r -> r.getInt(r.fieldIndex("people")) == most)
        .mapToLong(r -> r.getLong(r.fieldIndex("detections"))).max().orElseThrow();
    Set<List<String>> busiest = windows.stream()
        .filter(r -> r.getInt(r.fieldIndex("people")) == most && r.getLong(r.fieldIndex("detections")) == mostBoxes)
        .map(r -> r.<Row>getList(r.fieldIndex("frames")).stream().map(f -> f.getString(1)).collect(Collectors.toList()))
        .collect(Collectors.toSet());
    Matcher data = Pattern.compile("<script type=\"application/json\" id=\"data-" + cell.index + "\">(.*?)</script>").matcher(html);
    assertThat(data.find()).as("the image cell's rows are on the page").isTrue();
    List<String> paths = Pattern.compile("\"path\":\"([^\"]+)\"").matcher(data.group(1)).results().map(m -> m.group(1))
        .collect(Collectors.toList());
    assertThat(busiest).as("the cell's frames are those of a busiest window (%s people, %s person boxes)", most, mostBoxes)
        .contains(paths);
    assertThat(sheetImages(html, cell)).as("one thumbnail per frame of the window, at most %d", ChartSpec.MAX_IMAGES)
        .isEqualTo(Math.min(paths.size(), ChartSpec.MAX_IMAGES));
    assertThat(data.group(1)).as("captions: camera and capture time, people and day")
        .containsPattern("\"frame\":\"(north|south) \\d{2}:\\d{2}:\\d{2}\\.\\d{3}\"")
        .containsPattern("\"seen\":\"[1-9]\\d* people · \\d{4}-\\d{2}-\\d{2}\"");
  }

  @Test
  void cameraFlowDrawsClassesCrossingsAndBusyHoursOverHours() throws IOException {
    Path page = rendered().stream().filter(p -> p.getFileName().toString().equals("camera-flow.html")).findFirst().orElseThrow();
    String html = Files.readString(page);
    Notebook nb = Notebook.read(TestPaths.required("notebooks/camera-flow.md"));
    // The bursts' hours per camera: what the hourly cells must spread over.
    Set<String> hours = BURSTS.stream().map(b -> String.format("%02d", b.start().atZone(java.time.ZoneOffset.UTC).getHour()))
        .collect(Collectors.toSet());
    Set<String> cells = BURSTS.stream().map(b -> b.camera() + " " + String.format("%02d", b.start().atZone(java.time.ZoneOffset.UTC).getHour()))
        .collect(Collectors.toSet());

    String classes = cellData(html, cell(nb, "line", "object_counts"));
    assertThat(Pattern.compile("\"hour\":\"(\\d{2}):00\",\"label\":\"person\",\"objects\":[1-9]").matcher(classes).results()
        .map(m -> m.group(1)).collect(Collectors.toSet()))
        .as("person tracks in every hour a camera sent frames (objects per hour by class)").isEqualTo(hours);

    String crossings = cellData(html, cell(nb, "bar", "line_crossings"));
    assertThat(Pattern.compile("\"hour\":\"(\\d{2}):00\",\"camera_id\":\"(\\w+)\"").matcher(crossings).results()
        .map(m -> m.group(2) + " " + m.group(1)).collect(Collectors.toSet()))
        .as("a crossings bar (0 when none) for every camera and hour with frames").isEqualTo(cells);

    String heat = cellData(html, cell(nb, "heatmap", "flow_counts"));
    assertThat(Pattern.compile("\"camera_id\":\"(\\w+)\",\"hour\":\"(\\d{2})\",\"people\":[1-9]").matcher(heat).results()
        .map(m -> m.group(1) + " " + m.group(2)).collect(Collectors.toSet()))
        .as("a heat-map cell with people for every camera and hour with frames").isEqualTo(cells);
  }

  /** The one SQL cell of {@code nb} drawing {@code chart} over {@code table}. */
  static Notebook.Cell cell(Notebook nb, String chart, String table) {
    List<Notebook.Cell> cells = nb.cells.stream().filter(c -> c.isSql && c.chart().equals(chart) && c.text.contains(table))
        .collect(Collectors.toList());
    assertThat(cells).as("%s cells of %s reading %s", chart, nb.name, table).hasSize(1);
    return cells.get(0);
  }

  /** A cell's rows as the page carries them (JSON). */
  static String cellData(String html, Notebook.Cell cell) {
    Matcher data = Pattern.compile("<script type=\"application/json\" id=\"data-" + cell.index + "\">(.*?)</script>").matcher(html);
    assertThat(data.find()).as("the rows of cell %d are on the page", cell.index).isTrue();
    return data.group(1);
  }

  static Notebook.Cell imageCell(Notebook nb) {
    List<Notebook.Cell> cells = nb.cells.stream().filter(c -> c.isSql && c.chart().equals("images")).collect(Collectors.toList());
    assertThat(cells).as("image cells of %s", nb.name).hasSize(1);
    return cells.get(0);
  }

  /** How many images the page's sheet for {@code cell} holds (its alt text). */
  static int sheetImages(String html, Notebook.Cell cell) {
    Matcher m = Pattern.compile("<img class=\"sheet\" id=\"sheet-" + cell.index + "\" alt=\"(\\d+) image").matcher(html);
    assertThat(m.find()).as("a sheet for cell %d", cell.index).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /**
   * The tiles of a one-sheet page's screenshot that show a picture: the sheet is found by its first
   * row of background colour (its top gap), the tiles where {@code layout} puts them; a tile shows a
   * picture when most of its centre is not background. A sheet narrower than the page is not scaled,
   * so that row's width is the layout's: as many columns as the layout has.
   */
  static int tilesOnScreenshot(BufferedImage shot, SheetLayout layout) {
    Color bg = Palette.background();
    int top = -1;
    int left = -1;
    int width = 0;
    for (int y = 0; y < shot.getHeight() && top < 0; y++) {
      int run = 0;
      for (int x = 0; x < shot.getWidth(); x++) {
        run = near(new Color(shot.getRGB(x, y)), bg) ? run + 1 : 0;
        if (run >= 100 && run > width) {
          width = run;
          left = x - run + 1;
          top = y;
        }
      }
    }
    assertThat(top).as("the sheet's background on the screenshot").isNotNegative();
    double scale = (double) width / layout.width();
    if (layout.width() < 900) {
      assertThat(width).as("the sheet is shown at its size: %d tile(s) wide", layout.width()).isCloseTo(layout.width(), org.assertj.core.api.Assertions.within(2));
    }
    int shown = 0;
    for (int i = 0; i < layout.tiles(); i++) {
      int picture = 0;
      int all = 0;
      for (int dy = layout.thumb() / 4; dy < 3 * layout.thumb() / 4; dy += 2) {
        for (int dx = layout.thumb() / 4; dx < 3 * layout.thumb() / 4; dx += 2) {
          int x = left + (int) Math.round((layout.tileX(i) + dx) * scale);
          int y = top + (int) Math.round((layout.tileY(i) + dy) * scale);
          if (y < shot.getHeight()) {
            all++;
            picture += near(new Color(shot.getRGB(x, y)), bg) ? 0 : 1;
          }
        }
      }
      shown += all > 0 && picture > all / 2 ? 1 : 0;
    }
    return shown;
  }

  private static boolean near(Color c, Color bg) {
    return Math.abs(c.getRed() - bg.getRed()) <= 4 && Math.abs(c.getGreen() - bg.getGreen()) <= 4 && Math.abs(c.getBlue() - bg.getBlue()) <= 4;
  }
}
