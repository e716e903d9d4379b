package io.visionlake.jobs.faces;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;

import io.visionlake.jobs.conf.FaceOptions;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.scoring.AnalyzerSelection;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * What a run does with the {@code faces} analyser's output: each face of a scored row becomes a
 * {@code faces} row (box, landmarks, descriptor, matched person), and the row itself keeps {@code
 * faces} and a lean {@code face_boxes} (box, score, person, distance: no landmarks and no
 * descriptor, which stay in {@code faces} only, so biometric data lives in one table that {@code
 * faces forget} and {@link FaceOptions#STORE_DESCRIPTORS} govern).
 *
 * <p>Prepared once per run on the driver (it reads the gallery once, {@link FaceMatcher}); null
 * for a run whose analysers recognise no faces (the Haar {@code faces-haar} has no descriptors).
 */
public final class FaceRecognition {
  public static final String BOXES = "face_boxes";

  /** A box as images and frames keep it (all nullable: Delta has no NOT NULL inside arrays). */
  public static final StructType STORED_BOX = new StructType()
      .add("x", DataTypes.IntegerType, true)
      .add("y", DataTypes.IntegerType, true)
      .add("w", DataTypes.IntegerType, true)
      .add("h", DataTypes.IntegerType, true)
      .add("score", DataTypes.FloatType, true)
      .add("person", DataTypes.StringType, true)
      .add("distance", DataTypes.FloatType, true);
  public static final ArrayType STORED_BOXES = DataTypes.createArrayType(STORED_BOX, true);

  private final FaceMatcher matcher;
  private final boolean storeDescriptors;
  private final String versions;

  private FaceRecognition(FaceMatcher matcher, boolean storeDescriptors, String versions) {
    this.matcher = matcher;
    this.storeDescriptors = storeDescriptors;
    this.versions = versions;
  }

  /** Recognition for a run with {@code selection}, or null when none of its analysers gives descriptors. */
  public static FaceRecognition prepare(SparkSession spark, Lake lake, JobConf conf, AnalyzerSelection selection) {
    if (!recognises(selection.fields)) {
      return null;
    }
    boolean store = conf.getBoolean(FaceOptions.STORE_DESCRIPTORS);
    return new FaceRecognition(FaceMatcher.prepare(spark, lake, conf), store, String.join(";", selection.versions));
  }

  /** Whether {@code fields} (an analyser selection's) hold face boxes with descriptors. */
  public static boolean recognises(List<StructField> fields) {
    for (StructField f : fields) {
      if (f.name().equals(BOXES) && f.dataType() instanceof ArrayType a && a.elementType() instanceof StructType s
          && s.getFieldIndex("descriptor").isDefined()) {
        return true;
      }
    }
    return false;
  }

  /** {@code fields} as the images and frames tables store them: a recognising face_boxes becomes {@link #STORED_BOXES}. */
  public static List<StructField> storedFields(List<StructField> fields) {
    if (!recognises(fields)) {
      return fields;
    }
    List<StructField> out = new ArrayList<>();
    for (StructField f : fields) {
      out.add(f.name().equals(BOXES) ? DataTypes.createStructField(BOXES, STORED_BOXES, true) : f);
    }
    return out;
  }

  public FaceMatcher matcher() {
    return matcher;
  }

  /**
   * Where a scored row's faces come from: the columns that identify the row (joined on, null-safe)
   * and an expression for each context column of {@code faces} (image_id, path, ..., day).
   */
  public record Context(List<String> keys, Map<String, Column> columns) {}

  /** Images of a batch or backfill run: one row per path. */
  public static Context images(String runId, Date ingestDate, Timestamp now) {
    Map<String, Column> c = new LinkedHashMap<>();
    c.put("image_id", col("image_id"));
    c.put("path", col("path"));
    c.put("source", col("source"));
    c.put("camera_id", lit(null).cast(DataTypes.StringType));
    c.put("captured_at", col("captured_at"));
    c.put("job_run_id", lit(runId));
    c.put("stream", lit(null).cast(DataTypes.StringType));
    c.put("stream_id", lit(null).cast(DataTypes.StringType));
    c.put("batch_id", lit(null).cast(DataTypes.LongType));
    c.put("processed_at", lit(now));
    c.put("day", lit(ingestDate));
    return new Context(List.of("path", "image_id"), c);
  }

  /** Frames of a stream's micro-batch: a frame is its camera, capture time, bytes and where it came from. */
  public static Context frames(String stream, String streamId, long batchId, Timestamp now) {
    Map<String, Column> c = new LinkedHashMap<>();
    c.put("image_id", col("image_id"));
    c.put("path", col("path"));
    c.put("source", lit(null).cast(DataTypes.StringType));
    c.put("camera_id", col("camera_id"));
    c.put("captured_at", col("captured_at"));
    c.put("job_run_id", lit(null).cast(DataTypes.StringType));
    c.put("stream", lit(stream));
    c.put("stream_id", lit(streamId));
    c.put("batch_id", lit(batchId));
    c.put("processed_at", lit(now));
    c.put("day", col("capture_date"));
    return new Context(List.of("camera_id", "captured_at", "image_id", "path", "kafka_topic", "kafka_partition", "kafka_offset"), c);
  }

  /**
   * The rows with lean face boxes, and their faces (in {@link Lake#FACES_SCHEMA}); both read the
   * matched faces, which are cached until {@link #release()}.
   */
  public record Split(Dataset<Row> rows, Dataset<Row> faces, Dataset<Row> cached) {
    public void release() {
      cached.unpersist();
    }
  }

  /**
   * Splits scored {@code rows} (with the analyser's {@code face_boxes}) into rows with {@link
   * #STORED_BOXES} and one {@code faces} row per face, matched against the gallery. Boxes keep the
   * analyser's order ({@code face_index}).
   */
  public Split split(Dataset<Row> rows, Context ctx) {
    List<Column> exploded = new ArrayList<>();
    for (String k : ctx.keys()) {
      exploded.add(col(k).as("_k_" + k));
    }
    ctx.columns().forEach((name, expr) -> exploded.add(expr.as(name)));
    exploded.add(posexplode(col(BOXES)).as(new String[] {"face_index", "_b"}));
    Dataset<Row> faces = rows.filter(col(BOXES).isNotNull()).select(exploded.toArray(new Column[0]));
    for (String f : List.of("x", "y", "w", "h", "score", "landmarks", "descriptor")) {
      faces = faces.withColumn(f, col("_b." + f));
    }
    Dataset<Row> matched = matcher.match(faces.drop("_b")).persist(StorageLevel.MEMORY_AND_DISK());

    // The lean boxes of each row, in face_index order, joined back on the row's keys.
    List<Column> keys = new ArrayList<>();
    ctx.keys().forEach(k -> keys.add(col("_k_" + k)));
    Dataset<Row> boxes = matched.groupBy(keys.toArray(new Column[0]))
        .agg(array_sort(collect_list(struct(col("face_index"), col("x"), col("y"), col("w"), col("h"), col("score"), col("person"),
            col("distance")))).as("_boxes"))
        .withColumn("_boxes", transform(col("_boxes"), FaceRecognition::stored));
    Column on = null;
    for (String k : ctx.keys()) {
      Column eq = rows.col(k).eqNullSafe(boxes.col("_k_" + k));
      on = on == null ? eq : on.and(eq);
    }
    Dataset<Row> joined = rows.join(boxes, on, "left");
    // Rows without faces (an empty array) or failed ones (null) have no boxes to join: their own array, converted.
    Column lean = coalesce(col("_boxes"), transform(rows.col(BOXES),
        b -> struct(b.getField("x").as("x"), b.getField("y").as("y"), b.getField("w").as("w"), b.getField("h").as("h"),
            b.getField("score").as("score"), lit(null).cast(DataTypes.StringType).as("person"),
            lit(null).cast(DataTypes.FloatType).as("distance"))));
    List<Column> out = new ArrayList<>();
    for (String c : rows.columns()) {
      out.add(c.equals(BOXES) ? lean.cast(STORED_BOXES).as(BOXES) : rows.col(c));
    }
    Dataset<Row> leanRows = joined.select(out.toArray(new Column[0]));

    List<Column> table = new ArrayList<>();
    for (StructField f : Lake.FACES_SCHEMA.fields()) {
      table.add(switch (f.name()) {
        case "model_versions" -> lit(versions).as(f.name());
        case "descriptor" -> (storeDescriptors ? col("descriptor") : lit(null)).cast(f.dataType()).as(f.name());
        default -> col(f.name()).cast(f.dataType()).as(f.name());
      });
    }
    return new Split(leanRows, matched.select(table.toArray(new Column[0])), matched);
  }

  private static Column stored(Column b) {
    return struct(b.getField("x").as("x"), b.getField("y").as("y"), b.getField("w").as("w"), b.getField("h").as("h"),
        b.getField("score").as("score"), b.getField("person").as("person"), b.getField("distance").as("distance"));
  }

  /** An empty {@code faces} frame (a backfill day without faces still replaces its slice). */
  public static Dataset<Row> none(SparkSession spark) {
    return spark.createDataFrame(List.of(), Lake.FACES_SCHEMA);
  }
}
