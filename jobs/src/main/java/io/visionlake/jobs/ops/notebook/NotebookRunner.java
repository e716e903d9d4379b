package io.visionlake.jobs.ops.notebook;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.ops.SqlQueryJob;
import io.visionlake.jobs.render.RenderJob;
import io.visionlake.jobs.render.SheetQuery;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.render.ContactSheet;
import io.visionlake.udfs.render.Jpeg;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every cell of a notebook against a lake and renders one self-contained HTML page: the
 * Markdown, each SQL cell's result table and its chart, drawn in the browser by Apache ECharts,
 * whose script is inlined (the page works offline and from a file). A cell that fails, returns no
 * rows for a chart, or lacks a column its chart names fails the run with the cell and the error.
 *
 * <p>Notebooks run on any lake: a cell that reads a VisionLake table ({@link Lake#TABLES}) this lake
 * does not have yet, such as {@code frames} on a lake only the batch job has written, becomes a note
 * in the page naming the table and the job that writes it. That is decided from Spark's
 * {@code TABLE_OR_VIEW_NOT_FOUND} error and the lake's tables, so a misspelt table name or a bad
 * query against a table the lake has still fails the run.
 *
 * <p>A {@code chart=images} cell shows a contact sheet of its result's images ({@link SheetQuery}:
 * {@code path}, captions, boxes), at most {@link ChartSpec#MAX_IMAGES} of them, drawn here and
 * inlined as a JPEG; an image that cannot be read is a placeholder tile, not a failed cell.
 *
 * <p>In SQL, {@code ${lake}} is the lake root, for time travel: {@code SELECT ... FROM
 * delta.`${lake}/images` VERSION AS OF 0}. Every table of the lake is also a view by its name.
 */
public final class NotebookRunner {
  private static final Logger LOG = LoggerFactory.getLogger(NotebookRunner.class);
  /** Rows of a result kept for its table and chart. */
  static final int MAX_ROWS = 5000;
  /** Rows shown in a cell's result table. */
  static final int TABLE_ROWS = 50;

  private final SparkSession spark;
  private final Lake lake;
  private final String chartScript;
  private ImageDecoder decoder;

  public NotebookRunner(SparkSession spark, Lake lake, Path chartLibrary) {
    this.spark = spark;
    this.lake = lake;
    if (!Files.isRegularFile(chartLibrary)) {
      throw new IllegalArgumentException("Charting library " + chartLibrary + " is missing: run scripts/setup (it fetches ECharts from npm)");
    }
    try {
      this.chartScript = Files.readString(chartLibrary, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ECharts build scripts/setup installs under the VisionLake home. */
  public static Path defaultChartLibrary(Path home) {
    return home.resolve("vendor").resolve("echarts").resolve("echarts.min.js");
  }

  /** Runs {@code notebook} and writes {@code <out>/<name>.html}; returns the page's path. */
  public Path run(Notebook notebook, Path out) {
    Set<String> tables = new HashSet<>(SqlQueryJob.registerTables(spark, lake));
    List<CellResult> results = new ArrayList<>();
    for (Notebook.Cell cell : notebook.cells) {
      results.add(cell.isSql ? execute(notebook, cell, tables) : CellResult.markdown(cell));
    }
    try {
      Files.createDirectories(out);
      Path page = out.resolve(notebook.name + ".html");
      Files.writeString(page, NotebookPage.render(notebook, results, lake.root(), Instant.now(), chartScript), StandardCharsets.UTF_8);
      return page;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the notebook page under " + out + ": " + e.getMessage(), e);
    }
  }

  /** The project's decoder with the jobs' pixel limit, made once per runner. */
  private ImageDecoder decoder() {
    if (decoder == null) {
      decoder = RenderJob.decoder(spark);
    }
    return decoder;
  }

  private CellResult execute(Notebook notebook, Notebook.Cell cell, Set<String> tables) {
    String sql = cell.text.replace("${lake}", lake.root());
    spark.sparkContext().setJobGroup("visionlake-notebook-" + notebook.name + "-" + cell.index,
        "Notebook " + notebook.name + " " + cell.describe(notebook.name), false);
    long started = System.nanoTime();
    try {
      Dataset<Row> result = null;
      // Several statements (e.g. CREATE TEMP VIEW; SELECT) may share a cell; the last one is shown.
      for (String statement : statements(sql)) {
        result = spark.sql(statement);
      }
      if (result == null) {
        throw new IllegalArgumentException("the cell holds no SQL statement");
      }
      List<String> columns = Arrays.asList(result.columns());
      for (String c : ChartSpec.columns(cell.spec)) {
        if (!columns.contains(c)) {
          throw new IllegalArgumentException("chart=" + cell.chart() + " names column '" + c + "' but the result has " + columns);
        }
      }
      long total = result.count();
      String sheet = null;
      int sheetImages = 0;
      int placeholders = 0;
      if ("images".equals(cell.chart())) {
        // The sheet is drawn here, on the driver, and inlined: the page stays self-contained.
        SheetQuery query = SheetQuery.of(result);
        List<Row> rows = result.limit(ChartSpec.MAX_IMAGES).collectAsList();
        if (!rows.isEmpty()) {
          ContactSheet.Result r = query.render(ContactSheet.of(decoder(),
              ChartSpec.intKey(cell.spec, "columns", 6, notebook.name, cell.line),
              ChartSpec.intKey(cell.spec, "thumb", ChartSpec.DEFAULT_THUMB, notebook.name, cell.line),
              "true".equals(cell.spec.get("annotate"))), rows, spark.sessionState().newHadoopConf());
          sheet = Base64.getEncoder().encodeToString(Jpeg.encode(r.image()));
          sheetImages = rows.size();
          placeholders = r.failures().size();
        }
      }
      // Columns that are not rows of a table (box lists) are left out of an image cell's table.
      Dataset<Row> shown = "images".equals(cell.chart()) ? result.drop(SheetQuery.of(result).boxColumns().toArray(new String[0])) : result;
      List<String> json = shown.limit(MAX_ROWS).toJSON().collectAsList();
      columns = Arrays.asList(shown.columns());
      if (!"table".equals(cell.chart()) && json.isEmpty()) {
        // Nothing to chart on this lake (e.g. no image errors yet): a note, not a failed notebook.
        LOG.info("Notebook {}: {} returned no rows; the page says so in place of the chart", notebook.name, cell.describe(notebook.name));
      }
      CellResult done = CellResult.sql(cell, columns, json, total, (System.nanoTime() - started) / 1_000_000);
      return sheet == null ? done : done.withSheet(sheet, sheetImages, placeholders);
    } catch (Exception e) { // AnalysisException (a bad query) is a checked exception to Java
      String missing = missingLakeTable(e, tables);
      if (missing != null) {
        LOG.warn("Notebook {}: {} reads {}, which lake {} does not have yet ({} writes it); the page shows a note in its place",
            notebook.name, cell.describe(notebook.name), missing, lake.root(), Lake.WRITTEN_BY.get(missing));
        return CellResult.missingTable(cell, missing);
      }
      throw new NotebookCellException("Notebook " + notebook.name + ": " + cell.describe(notebook.name) + " failed: "
          + firstLine(e.getMessage()), e);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /**
   * The VisionLake table {@code e} says is not found, when this lake does not have it (a job that
   * writes it has not run here); null for any other error, including an unknown or qualified name.
   */
  static String missingLakeTable(Throwable e, Set<String> lakeTables) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AnalysisException && "TABLE_OR_VIEW_NOT_FOUND".equals(((AnalysisException) t).getCondition())) {
        String relation = ((AnalysisException) t).getMessageParameters().get("relationName");
        // Spark quotes each part (`frames`); a qualified name (db.frames) is not a lake view.
        String name = relation == null ? null : relation.replace("`", "");
        if (name != null && Lake.TABLES.contains(name) && !lakeTables.contains(name)) {
          return name;
        }
        return null;
      }
    }
    return null;
  }

  /** Splits on semicolons that end a line (not inside string literals in practice). */
  static List<String> statements(String sql) {
    List<String> out = new ArrayList<>();
    for (String s : sql.split(";\\s*(\\n|$)")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  /** A cell's outcome, what the page renders. */
  static final class CellResult {
    final Notebook.Cell cell;
    final List<String> columns;
    final List<String> rowsJson;
    final long totalRows;
    final long millis;
    /** The lake table the cell reads and this lake lacks; null when the cell ran. */
    final String missingTable;
    /** An image cell's sheet, a base64 JPEG; null for other cells. */
    String sheetJpeg;
    int sheetImages;
    int sheetPlaceholders;

    CellResult withSheet(String jpeg, int images, int placeholders) {
      this.sheetJpeg = jpeg;
      this.sheetImages = images;
      this.sheetPlaceholders = placeholders;
      return this;
    }

    private CellResult(Notebook.Cell cell, List<String> columns, List<String> rowsJson, long totalRows, long millis, String missingTable) {
      this.cell = cell;
      this.columns = columns;
      this.rowsJson = rowsJson;
      this.totalRows = totalRows;
      this.millis = millis;
      this.missingTable = missingTable;
    }

    static CellResult markdown(Notebook.Cell cell) {
      return new CellResult(cell, List.of(), List.of(), 0, 0, null);
    }

    static CellResult sql(Notebook.Cell cell, List<String> columns, List<String> rowsJson, long totalRows, long millis) {
      return new CellResult(cell, columns, rowsJson, totalRows, millis, null);
    }

    static CellResult missingTable(Notebook.Cell cell, String table) {
      return new CellResult(cell, List.of(), List.of(), 0, 0, table);
    }

    /** A chart whose query returned no rows: the page says so instead of drawing an empty chart. */
    boolean emptyChart() {
      return missingTable == null && cell.isSql && !"table".equals(cell.chart()) && rowsJson.isEmpty();
    }

    /** Whether the page shows a note in place of the result (missing table, or nothing to chart). */
    boolean isNote() {
      return missingTable != null || emptyChart();
    }

    /** What the page says instead of a result. */
    String note() {
      if (missingTable == null) {
        return "No rows: there is nothing to chart on this lake yet.";
      }
      return "This lake has no " + missingTable + " table yet: " + Lake.WRITTEN_BY.get(missingTable)
          + " writes it. This cell shows its result once that job has run on the lake.";
    }
  }

  /** A cell failed: the message names the notebook, the cell (index, line, title) and the error. */
  public static final class NotebookCellException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotebookCellException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
