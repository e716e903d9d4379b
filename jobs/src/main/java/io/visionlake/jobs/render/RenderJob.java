package io.visionlake.jobs.render;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.ops.SqlQueryJob;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.render.ContactSheet;
import io.visionlake.udfs.render.Jpeg;
import io.visionlake.udfs.render.RenderShape;
import io.visionlake.udfs.render.SheetLayout;
import io.visionlake.udfs.track.CameraLayouts;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code scripts/submit render sheet}: contact sheets of the images a SQL query over the lake
 * selects (the lake's tables are views, as in {@code scripts/sql}), each written as one JPEG with a
 * row in {@code renders} recording the query, the inputs in tile order, when and where, so a render
 * can be made again. One sheet is drawn on the driver; with {@code --per <column>} there is one
 * sheet per value of that column, each drawn in its own Spark task. Either way a sheet is drawn
 * tile by tile ({@link ContactSheet}) and an input that cannot be read or decoded is a placeholder
 * tile, never a failed render.
 */
public final class RenderJob {
  private static final Logger LOG = LoggerFactory.getLogger(RenderJob.class);
  static final String JOB = "render";
  /** Where sheets go when no {@code --out} is given: under the renders table, in a folder VACUUM leaves alone ('_'). */
  public static final String SHEETS_DIR = "_sheets";
  public static final int DEFAULT_COLUMNS = 6;
  public static final int DEFAULT_THUMB = 160;
  /** Sheets one {@code --per} render makes at most: the driver holds every row's path and captions. */
  public static final int MAX_SHEETS = 200;

  private RenderJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, new RenderCommand(), args);
  }

  /**
   * @param out the JPEG to write (a local path or a Hadoop URI); with {@code per}, the folder to
   *     write one JPEG per value into; null writes under {@code <lake>/renders/_sheets/}
   * @param per null for one sheet, else the result column whose values each get a sheet
   * @param cameras null, or the lines-and-zones file of the stream ({@code --cameras}) to draw on
   *     each frame of its camera (with {@code annotate})
   */
  public record Settings(String lake, String query, boolean annotate, int columns, int thumb, String out, String per,
      String cameras) implements Serializable {
    public static Settings of(String lake, String query) {
      return new Settings(lake, query, false, DEFAULT_COLUMNS, DEFAULT_THUMB, null, null, null);
    }

    public Settings annotate(boolean a) {
      return new Settings(lake, query, a, columns, thumb, out, per, cameras);
    }

    public Settings grid(int c, int t) {
      return new Settings(lake, query, annotate, c, t, out, per, cameras);
    }

    public Settings out(String o) {
      return new Settings(lake, query, annotate, columns, thumb, o, per, cameras);
    }

    public Settings per(String column) {
      return new Settings(lake, query, annotate, columns, thumb, out, column, cameras);
    }

    public Settings cameras(String file) {
      return new Settings(lake, query, annotate, columns, thumb, out, per, file);
    }
  }

  /**
   * One sheet written; {@code key} is its {@code --per} value (null for a single sheet) and
   * {@code placeholders} counts the tiles drawn for inputs that failed.
   */
  public record Result(String renderId, String key, String path, List<String> paths, int placeholders, long millis)
      implements Serializable {
    public int tiles() {
      return paths.size();
    }

    public String summary() {
      return String.format(Locale.ROOT, "render %s%s: %d tile(s), %d placeholder(s), %d ms (%.1f ms per tile) -> %s",
          renderId, key == null ? "" : " [" + key + "]", tiles(), placeholders, millis,
          tiles() == 0 ? 0.0 : (double) millis / tiles(), path);
    }
  }

  /** Each camera's lines and zones from a {@code --cameras} file, as shapes to draw; empty without one. */
  static Map<String, List<RenderShape>> shapes(String camerasFile) {
    if (camerasFile == null) {
      return Map.of();
    }
    Map<String, List<RenderShape>> out = new java.util.TreeMap<>();
    CameraLayouts.parse(java.nio.file.Paths.get(camerasFile)).forEach((camera, layout) -> out.put(camera, RenderShape.of(layout)));
    return out;
  }

  /** One sheet ({@code s.per()} must be null); see {@link #sheets}. */
  public static Result sheet(SparkSession spark, Settings s) {
    if (s.per() != null) {
      throw new IllegalArgumentException("sheet() makes one sheet; use sheets() with --per");
    }
    return sheets(spark, s).get(0);
  }

  /** The sheets of {@code s}, in the order of their first row in the query's result. */
  public static List<Result> sheets(SparkSession spark, Settings s) {
    if (s.query() == null || s.query().isBlank()) {
      throw new IllegalArgumentException("--query is empty: give a SQL query returning a path column");
    }
    ImageDecoder decoder = decoder(spark);
    ContactSheet.of(decoder, s.columns(), s.thumb(), s.annotate()); // columns and thumbnail size checked before the query runs
    Lake lake = new Lake(s.lake());
    String renderId = UUID.randomUUID().toString();
    spark.sparkContext().setJobGroup("visionlake-render-" + renderId, "Render " + (s.per() == null ? "sheet" : "sheets per " + s.per())
        + " " + renderId, false);
    try {
      // The table first: Delta will not create a table in a folder that already holds files (the sheets).
      lake.ensure(spark, Lake.RENDERS, Lake.RENDERS_SCHEMA);
      SqlQueryJob.registerTables(spark, lake);
      Dataset<Row> result = spark.sql(s.query().replace("${lake}", lake.root()));
      SheetQuery query = SheetQuery.of(result, s.per()).withShapes(shapes(s.cameras()));
      Configuration conf = spark.sessionState().newHadoopConf();
      List<Result> out;
      if (s.per() == null) {
        List<Row> rows = SheetQuery.collect(result);
        String file = s.out() != null ? s.out() : lake.path(Lake.RENDERS) + "/" + SHEETS_DIR + "/" + renderId + ".jpg";
        out = List.of(draw(new Task(renderId, null, rows, file), query, decoder, s, conf));
      } else {
        out = drawPer(spark, lake, renderId, result, query, decoder, s, conf);
      }
      record(spark, lake, s, out);
      out.forEach(r -> LOG.info("{}", r.summary()));
      return out;
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** One sheet's work: its rows and where it goes; shipped to a task with {@code --per}. */
  record Task(String renderId, String key, List<Row> rows, String out) implements Serializable {}

  private static List<Result> drawPer(SparkSession spark, Lake lake, String renderId, Dataset<Row> result, SheetQuery query,
      ImageDecoder decoder, Settings s, Configuration conf) {
    int max = MAX_SHEETS * SheetLayout.MAX_TILES;
    List<Row> rows = result.limit(max + 1).collectAsList();
    if (rows.size() > max) {
      throw new IllegalArgumentException("The query returns more than " + max + " rows (" + MAX_SHEETS + " sheets of "
          + SheetLayout.MAX_TILES + "); narrow it with WHERE or a LIMIT");
    }
    Map<String, List<Row>> groups = new LinkedHashMap<>();
    for (Row r : rows) {
      Object v = r.getAs(s.per());
      groups.computeIfAbsent(v == null ? "null" : String.valueOf(v), k -> new ArrayList<>()).add(r);
    }
    if (groups.size() > MAX_SHEETS) {
      throw new IllegalArgumentException("--per " + s.per() + " gives " + groups.size() + " sheets, more than " + MAX_SHEETS
          + "; narrow the query with WHERE");
    }
    String dir = s.out() != null ? s.out() : lake.path(Lake.RENDERS) + "/" + SHEETS_DIR + "/" + renderId;
    List<Task> tasks = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, List<Row>> g : groups.entrySet()) {
      if (g.getValue().size() > SheetLayout.MAX_TILES) {
        throw new IllegalArgumentException("--per " + s.per() + " = " + g.getKey() + " has " + g.getValue().size()
            + " rows, more than one sheet holds (" + SheetLayout.MAX_TILES + "); keep the first n per value with"
            + " row_number() OVER (PARTITION BY " + s.per() + " ORDER BY ...) <= n");
      }
      // The index keeps names unique when two values clean up to the same name.
      tasks.add(new Task(renderId, g.getKey(), g.getValue(), dir + "/" + String.format(Locale.ROOT, "%03d-", i++) + fileName(g.getKey()) + ".jpg"));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> hadoopConf = jsc.broadcast(new SerializableConfiguration(conf));
    try {
      // One partition per sheet: each sheet is one task, drawn where a core is free.
      return jsc.parallelize(tasks, Math.max(1, tasks.size())).map(t -> draw(t, query, decoder, s, hadoopConf.value().value())).collect();
    } finally {
      hadoopConf.destroy();
    }
  }

  /** Draws and writes one sheet (on the driver, or in a task with {@code --per}). */
  static Result draw(Task t, SheetQuery query, ImageDecoder decoder, Settings s, Configuration conf) {
    ContactSheet sheet = ContactSheet.of(decoder, s.columns(), s.thumb(), s.annotate());
    long started = System.nanoTime();
    ContactSheet.Result r = query.render(sheet, t.rows(), conf);
    long millis = (System.nanoTime() - started) / 1_000_000;
    for (ContactSheet.Failure f : r.failures()) {
      LOG.warn("Render {}: tile {} ({}) is a placeholder: {}: {}", t.renderId(), f.index(), f.name(), f.errorClass(), f.message());
    }
    write(r, t.out(), conf);
    List<String> paths = new ArrayList<>();
    t.rows().forEach(row -> paths.add(row.getAs(SheetQuery.PATH)));
    return new Result(t.renderId(), t.key(), t.out(), paths, r.failures().size(), millis);
  }

  /** A value as a file name: letters, digits, '.', '-' and '_' kept, anything else '_', at most 80 characters. */
  static String fileName(String value) {
    String clean = value.replaceAll("[^A-Za-z0-9._-]", "_");
    return clean.length() > 80 ? clean.substring(0, 80) : clean;
  }

  /** The project's decoder with the same pixel limit as scoring ({@value JobOptions#MAX_PIXELS}). */
  public static ImageDecoder decoder(SparkSession spark) {
    JobConf conf = JobConf.resolve(ModelCatalog.fromEnvironment().home(), null, spark);
    return new ImageDecoder(DecodeOptions.builder().maxPixels(conf.getLong(JobOptions.MAX_PIXELS)).build());
  }

  private static void write(ContactSheet.Result r, String out, Configuration conf) {
    Path p = new Path(out);
    try {
      FileSystem fs = p.getFileSystem(conf);
      try (OutputStream os = fs.create(p, true)) {
        Jpeg.write(r.image(), os);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the sheet to " + out + ": " + e.getMessage()
          + "; check that its folder is writable or give another --out", e);
    }
  }

  private static void record(SparkSession spark, Lake lake, Settings s, List<Result> results) {
    Timestamp now = Timestamp.from(Instant.now());
    List<Row> rows = new ArrayList<>();
    for (Result r : results) {
      rows.add(RowFactory.create(r.renderId(), "sheet", s.query(), s.per(), r.key(), CollectionConverters.asScala(r.paths()).toSeq(),
          (long) r.tiles(), r.placeholders(), s.annotate(), s.columns(), s.thumb(), r.path(), r.millis(), now));
    }
    // A blind append: concurrent renders do not conflict in Delta.
    spark.createDataFrame(rows, Lake.RENDERS_SCHEMA).write().format("delta").mode("append").save(lake.path(Lake.RENDERS));
  }
}
