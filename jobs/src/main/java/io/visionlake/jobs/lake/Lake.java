package io.visionlake.jobs.lake;


import io.delta.tables.DeltaTable;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import io.visionlake.udfs.spark.ImageColumns;

/**
 * The lake: one directory holding a Delta table per name. Table schemas live here, in one place,
 * and every column is documented in README.md ("Tables").
 */
public final class Lake {
  public static final String IMAGES = "images";
  public static final String IMAGE_ERRORS = "image_errors";
  public static final String LABEL_STATS = "label_stats";
  public static final String JOB_RUNS = "job_runs";
  public static final String FRAMES = "frames";
  public static final String FRAME_ERRORS = "frame_errors";
  public static final String FLOW_COUNTS = "flow_counts";
  public static final String LATE_FRAMES = "late_frames";
  public static final List<String> TABLES = List.of(IMAGES, IMAGE_ERRORS, LABEL_STATS, JOB_RUNS, FRAMES, FRAME_ERRORS, FLOW_COUNTS, LATE_FRAMES);

  /**
   * Leading columns of {@code frames} (partitioned by capture_date); the analysers' and the model's
   * columns follow ({@link #framesSchema}), then {@link #FRAMES_TRAILER}.
   */
  public static final StructType FRAMES_HEAD = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("captured_at", DataTypes.TimestampType, false)
      .add("capture_date", DataTypes.DateType, false)
      .add("time_source", DataTypes.StringType, false)
      .add("image_id", DataTypes.StringType, false)
      .add("path", DataTypes.StringType, true)
      .add("kafka_topic", DataTypes.StringType, true)
      .add("kafka_partition", DataTypes.IntegerType, true)
      .add("kafka_offset", DataTypes.LongType, true)
      .add("bytes", DataTypes.LongType, false)
      .add("width", DataTypes.IntegerType, false)
      .add("height", DataTypes.IntegerType, false);

  public static final StructType FRAMES_TRAILER = new StructType()
      .add("model_versions", DataTypes.StringType, false)
      .add("processed_at", DataTypes.TimestampType, false)
      .add("stream", DataTypes.StringType, false)
      .add("batch_id", DataTypes.LongType, false);

  public static final StructType FRAME_ERRORS_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("captured_at", DataTypes.TimestampType, true)
      .add("path", DataTypes.StringType, true)
      .add("kafka_topic", DataTypes.StringType, true)
      .add("kafka_partition", DataTypes.IntegerType, true)
      .add("kafka_offset", DataTypes.LongType, true)
      .add("image_id", DataTypes.StringType, true)
      .add("bytes", DataTypes.LongType, true)
      .add("stage", DataTypes.StringType, false)
      .add("error_class", DataTypes.StringType, false)
      .add("message", DataTypes.StringType, true)
      .add("stream", DataTypes.StringType, false)
      .add("batch_id", DataTypes.LongType, false)
      .add("failed_at", DataTypes.TimestampType, false);

  public static final StructType LATE_FRAMES_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("captured_at", DataTypes.TimestampType, false)
      .add("time_source", DataTypes.StringType, false)
      .add("image_id", DataTypes.StringType, true)
      .add("path", DataTypes.StringType, true)
      .add("kafka_topic", DataTypes.StringType, true)
      .add("kafka_partition", DataTypes.IntegerType, true)
      .add("kafka_offset", DataTypes.LongType, true)
      .add("watermark", DataTypes.TimestampType, false)
      .add("stream", DataTypes.StringType, false)
      .add("batch_id", DataTypes.LongType, false)
      .add("arrived_at", DataTypes.TimestampType, false);

  public static final StructType FLOW_COUNTS_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("window_start", DataTypes.TimestampType, false)
      .add("window_end", DataTypes.TimestampType, false)
      .add("frames", DataTypes.LongType, false)
      .add("people_detections", DataTypes.LongType, true)
      .add("avg_people", DataTypes.DoubleType, true)
      .add("peak_people", DataTypes.IntegerType, true)
      .add("faces", DataTypes.LongType, true)
      .add("final", DataTypes.BooleanType, false)
      .add("updated_at", DataTypes.TimestampType, false);

  public static final StructType IMAGES_SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("path", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("captured_at", DataTypes.TimestampType, true)
      .add("ingest_date", DataTypes.DateType, false)
      .add("bytes", DataTypes.LongType, false)
      .add("width", DataTypes.IntegerType, false)
      .add("height", DataTypes.IntegerType, false)
      .add("format", DataTypes.StringType, false)
      .add("top_label", DataTypes.StringType, true)
      .add("top_score", DataTypes.FloatType, true)
      .add("labels", ImageColumns.LABELS_TYPE, true)
      .add("embedding", ImageColumns.EMBEDDING_TYPE, true)
      .add("model_name", DataTypes.StringType, false)
      .add("model_version", DataTypes.StringType, false)
      .add("model_sha256", DataTypes.StringType, false)
      .add("processed_at", DataTypes.TimestampType, false)
      .add("job_run_id", DataTypes.StringType, false);

  public static final StructType IMAGE_ERRORS_SCHEMA = new StructType()
      .add("path", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("image_id", DataTypes.StringType, true)
      .add("bytes", DataTypes.LongType, true)
      .add("stage", DataTypes.StringType, false)
      .add("error_class", DataTypes.StringType, false)
      .add("message", DataTypes.StringType, true)
      .add("job_run_id", DataTypes.StringType, false)
      .add("failed_at", DataTypes.TimestampType, false);

  public static final StructType LABEL_STATS_SCHEMA = new StructType()
      .add("ingest_date", DataTypes.DateType, false)
      .add("source", DataTypes.StringType, false)
      .add("label", DataTypes.StringType, false)
      .add("images", DataTypes.LongType, false)
      .add("avg_score", DataTypes.DoubleType, true);

  public static final StructType JOB_RUNS_SCHEMA = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("job", DataTypes.StringType, false)
      .add("arguments", DataTypes.StringType, true)
      .add("started", DataTypes.TimestampType, false)
      .add("finished", DataTypes.TimestampType, true)
      .add("inputs_seen", DataTypes.LongType, true)
      .add("images_written", DataTypes.LongType, true)
      .add("errors_written", DataTypes.LongType, true)
      .add("status", DataTypes.StringType, false)
      .add("message", DataTypes.StringType, true);

  /**
   * Columns the backfill adds to {@code job_runs} (nullable, so batch rows keep nulls): the day a
   * row is about, the source, the inputs' fingerprint and the model that processed them.
   */
  public static final StructType JOB_RUNS_DAY_COLUMNS = new StructType()
      .add("run_date", DataTypes.DateType, true)
      .add("source", DataTypes.StringType, true)
      .add("inputs_fingerprint", DataTypes.StringType, true)
      .add("model", DataTypes.StringType, true)
      .add("model_sha256", DataTypes.StringType, true);

  /** The {@code frames} table for these analysers: {@link #FRAMES_HEAD}, their columns, the model's, {@link #FRAMES_TRAILER}. */
  public static StructType framesSchema(List<StructField> analysisFields, boolean labels, boolean embedding) {
    StructType s = FRAMES_HEAD;
    for (StructField f : analysisFields) {
      s = s.add(f);
    }
    s = withModelColumns(s, labels, embedding);
    for (StructField f : FRAMES_TRAILER.fields()) {
      s = s.add(f);
    }
    return s;
  }

  /** {@code s} with the model's columns: top_label and labels ({@code classify}), embedding ({@code embed}). */
  public static StructType withModelColumns(StructType s, boolean labels, boolean embedding) {
    if (labels) {
      s = s.add("top_label", DataTypes.StringType, true).add("labels", ImageColumns.LABELS_TYPE, true);
    }
    if (embedding) {
      s = s.add("embedding", ImageColumns.EMBEDDING_TYPE, true);
    }
    return s;
  }

  private final String root;

  public Lake(String root) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  public String root() {
    return root;
  }

  public String path(String table) {
    return root + "/" + table;
  }

  /**
   * Creates the table if it does not exist yet; an existing table is left as it is (its schema may
   * have grown nullable columns since, see README "Schema evolution").
   */
  public DeltaTable ensure(SparkSession spark, String table, StructType schema, String... partitionColumns) {
    if (exists(spark, table)) {
      return table(spark, table);
    }
    return DeltaTable.createIfNotExists(spark)
        .location(path(table))
        .addColumns(schema)
        .partitionedBy(partitionColumns)
        .execute();
  }

  public DeltaTable table(SparkSession spark, String table) {
    return DeltaTable.forPath(spark, path(table));
  }

  public boolean exists(SparkSession spark, String table) {
    return DeltaTable.isDeltaTable(spark, path(table));
  }
}
