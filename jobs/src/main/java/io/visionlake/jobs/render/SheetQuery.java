package io.visionlake.jobs.render;

import io.visionlake.jobs.scoring.InputFiles;
import io.visionlake.udfs.render.ContactSheet;
import io.visionlake.udfs.render.RenderBox;
import io.visionlake.udfs.render.RenderShape;
import io.visionlake.udfs.render.SheetLayout;
import io.visionlake.udfs.render.Tile;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How a query's result becomes a sheet's tiles, the one rule the render command and the notebooks'
 * image cells share: the {@code path} column is the image; every column that is an array of
 * structs with {@code x, y, w, h} is boxes (drawn with annotation; a struct without a label is
 * captioned by the column's name less {@code _boxes}: {@code people_boxes} → "people"); every other
 * column is a caption line, in the query's order (two lines fit under a tile).
 */
public final class SheetQuery implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The column holding each row's image. */
  public static final String PATH = "path";

  /** The column naming a frame's camera, whose lines and zones {@link #withShapes} draws. */
  public static final String CAMERA = "camera_id";

  private final List<String> captions = new ArrayList<>();
  private final List<String> boxColumns = new ArrayList<>();
  private final boolean hasCamera;
  private Map<String, List<RenderShape>> shapes = Map.of();

  private SheetQuery(StructType schema, String key) {
    List<String> names = List.of(schema.fieldNames());
    if (!names.contains(PATH)) {
      throw new IllegalArgumentException("The query must return a '" + PATH + "' column (the image: images.path or frames.path);"
          + " it returns " + names);
    }
    if (key != null && !names.contains(key)) {
      throw new IllegalArgumentException("--per " + key + " names no column of the query's result " + names);
    }
    this.hasCamera = names.contains(CAMERA);
    for (StructField f : schema.fields()) {
      if (f.name().equals(PATH) || f.name().equals(key)) {
        continue;
      }
      if (isBoxes(f.dataType())) {
        boxColumns.add(f.name());
      } else {
        captions.add(f.name());
      }
    }
  }

  /** The tiles' columns of {@code result}; fails naming the columns when it has no {@code path}. */
  public static SheetQuery of(Dataset<Row> result) {
    return new SheetQuery(result.schema(), null);
  }

  /** As {@link #of(Dataset)}, with {@code key} (one sheet per value, null for none) not a caption. */
  public static SheetQuery of(Dataset<Row> result, String key) {
    return new SheetQuery(result.schema(), key);
  }

  public List<String> boxColumns() {
    return boxColumns;
  }

  /**
   * Draws each row's camera's lines and zones ({@code --cameras}, per camera id) on its tile; the
   * query must then return {@value #CAMERA}.
   */
  public SheetQuery withShapes(Map<String, List<RenderShape>> byCamera) {
    if (!byCamera.isEmpty() && !hasCamera) {
      throw new IllegalArgumentException("--cameras draws each camera's lines and zones, so the query must return a '"
          + CAMERA + "' column (frames.camera_id)");
    }
    this.shapes = Map.copyOf(byCamera);
    return this;
  }

  /**
   * The rows of {@code result} for one sheet, at most {@link SheetLayout#MAX_TILES}: more fails
   * before any image is read, asking for a LIMIT.
   */
  public static List<Row> collect(Dataset<Row> result) {
    List<Row> rows = result.limit(SheetLayout.MAX_TILES + 1).collectAsList();
    if (rows.size() > SheetLayout.MAX_TILES) {
      throw new IllegalArgumentException("The query returns more than " + SheetLayout.MAX_TILES
          + " rows, the most one sheet holds; add a LIMIT (or ORDER BY ... LIMIT n for a sample)");
    }
    return rows;
  }

  /** One tile per row; each reads its file through Hadoop's FileSystem only when it is drawn. */
  public List<Tile> tiles(List<Row> rows, Configuration hadoopConf) {
    List<Tile> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      String path = r.getAs(PATH);
      List<String> lines = new ArrayList<>();
      for (String c : captions) {
        Object v = r.getAs(c);
        if (v != null) {
          lines.add(format(v));
        }
      }
      List<RenderBox> boxes = new ArrayList<>();
      for (String c : boxColumns) {
        List<Row> value = r.getList(r.fieldIndex(c));
        boxes.addAll(RenderBox.fromRows(value, c.replaceFirst("_boxes$", "")));
      }
      List<RenderShape> camera = hasCamera && r.getAs(CAMERA) != null ? shapes.getOrDefault(r.<String>getAs(CAMERA), List.of()) : List.of();
      out.add(new Tile(path == null ? "(null path)" : path, lines, boxes, camera, () -> read(path, hadoopConf)));
    }
    return out;
  }

  /** The file's bytes; a null path or a missing file is an IOException, which the tile shows. */
  static byte[] read(String path, Configuration conf) throws IOException {
    if (path == null) {
      throw new IOException("the row's path is null");
    }
    Path p = InputFiles.hadoopPath(path);
    FileSystem fs = p.getFileSystem(conf);
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  private static String format(Object v) {
    if (v instanceof Timestamp) {
      String s = ((Timestamp) v).toInstant().toString().replace('T', ' ');
      return s.endsWith("Z") ? s.substring(0, Math.min(19, s.length() - 1)) : s;
    }
    if (v instanceof Float || v instanceof Double) {
      return String.format(Locale.ROOT, "%.2f", ((Number) v).doubleValue());
    }
    return String.valueOf(v);
  }

  static boolean isBoxes(DataType t) {
    if (!(t instanceof ArrayType) || !(((ArrayType) t).elementType() instanceof StructType)) {
      return false;
    }
    List<String> fields = List.of(((StructType) ((ArrayType) t).elementType()).fieldNames());
    return fields.containsAll(List.of("x", "y", "w", "h"));
  }

  /** For the notebooks: the sheet of {@code result}'s rows, annotated when {@code annotate}. */
  public ContactSheet.Result render(ContactSheet sheet, List<Row> rows, Configuration hadoopConf) {
    return sheet.render(tiles(rows, hadoopConf));
  }
}
