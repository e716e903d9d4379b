package io.visionlake.jobs.lake;

import io.delta.tables.DeltaTable;
import io.visionlake.udfs.spark.ImageColumns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

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
  public static final String IMAGE_EMBEDDINGS = "image_embeddings";
  public static final String NEAR_DUPLICATES = "near_duplicates";
  public static final String MODEL_EVALS = "model_evals";
  public static final String RENDERS = "renders";
  public static final String OBJECT_STATS = "object_stats";
  public static final String TRACKS = "tracks";
  public static final String LINE_CROSSINGS = "line_crossings";
  public static final String ZONE_VISITS = "zone_visits";
  public static final String OBJECT_COUNTS = "object_counts";
  public static final String STREAM_METRICS = "stream_metrics";
  public static final String FACES = "faces";
  public static final String FACE_GALLERY = "face_gallery";
  public static final String FACE_SIGHTINGS = "face_sightings";
  /** Every table a VisionLake job writes; a lake holds those its jobs have run (see {@link #tables}). */
  public static final List<String> TABLES = List.of(IMAGES, IMAGE_ERRORS, LABEL_STATS, JOB_RUNS, FRAMES, FRAME_ERRORS, FLOW_COUNTS,
      LATE_FRAMES, IMAGE_EMBEDDINGS, NEAR_DUPLICATES, MODEL_EVALS, RENDERS, OBJECT_STATS, TRACKS, LINE_CROSSINGS, ZONE_VISITS, OBJECT_COUNTS,
      STREAM_METRICS, FACES, FACE_GALLERY, FACE_SIGHTINGS);

  /**
   * Z-ORDER columns per table for {@code maintain}: what the notebooks, dashboards and jobs filter
   * or join on besides the partition. A table of {@link #TABLES} with an empty list is small
   * (one row per run or per day) and is compacted only.
   */
  public static final Map<String, List<String>> ZORDER = Map.ofEntries(
      Map.entry(IMAGES, List.of("source", "top_label")),
      Map.entry(IMAGE_ERRORS, List.of("source", "stage")),
      Map.entry(LABEL_STATS, List.of()),
      Map.entry(JOB_RUNS, List.of()),
      Map.entry(FRAMES, List.of("camera_id", "captured_at")),
      Map.entry(FLOW_COUNTS, List.of("camera_id", "window_start")),
      Map.entry(FRAME_ERRORS, List.of("camera_id")),
      Map.entry(LATE_FRAMES, List.of("camera_id")),
      // similar reads one model's embeddings and merges on image_id.
      Map.entry(IMAGE_EMBEDDINGS, List.of("model_name", "image_id")),
      // similar merges new pairs on (image_id_a, image_id_b).
      Map.entry(NEAR_DUPLICATES, List.of("image_id_a", "image_id_b")),
      Map.entry(MODEL_EVALS, List.of()),
      Map.entry(RENDERS, List.of()),
      Map.entry(OBJECT_STATS, List.of()),
      Map.entry(TRACKS, List.of("camera_id", "first_seen")),
      // faces search and forget read by person; sightings are per camera and window.
      Map.entry(FACES, List.of("person", "camera_id")),
      Map.entry(FACE_GALLERY, List.of()),
      Map.entry(FACE_SIGHTINGS, List.of("camera_id", "window_start")),
      Map.entry(LINE_CROSSINGS, List.of("camera_id", "crossed_at")),
      Map.entry(ZONE_VISITS, List.of("camera_id", "entered_at")),
      Map.entry(OBJECT_COUNTS, List.of("camera_id", "window_start")),
      Map.entry(STREAM_METRICS, List.of()));

  /** The command that writes each table, for messages about a table a lake does not have yet. */
  public static final Map<String, String> WRITTEN_BY = Map.ofEntries(
      Map.entry(IMAGES, "scripts/submit batch (or backfill)"),
      Map.entry(IMAGE_ERRORS, "scripts/submit batch (or backfill)"),
      Map.entry(LABEL_STATS, "scripts/submit batch (or backfill)"),
      Map.entry(JOB_RUNS, "scripts/submit batch (or backfill)"),
      Map.entry(FRAMES, "scripts/submit stream"),
      Map.entry(FRAME_ERRORS, "scripts/submit stream"),
      Map.entry(FLOW_COUNTS, "scripts/submit stream"),
      Map.entry(LATE_FRAMES, "scripts/submit stream"),
      Map.entry(IMAGE_EMBEDDINGS, "scripts/submit similar"),
      Map.entry(NEAR_DUPLICATES, "scripts/submit similar"),
      Map.entry(MODEL_EVALS, "scripts/submit train-head"),
      Map.entry(RENDERS, "scripts/submit render"),
      Map.entry(OBJECT_STATS, "scripts/submit batch (or backfill) --analyzers objects"),
      Map.entry(TRACKS, "scripts/submit stream --analyzers objects"),
      Map.entry(LINE_CROSSINGS, "scripts/submit stream --analyzers objects --cameras FILE"),
      Map.entry(ZONE_VISITS, "scripts/submit stream --analyzers objects --cameras FILE"),
      Map.entry(OBJECT_COUNTS, "scripts/submit stream --analyzers objects"),
      Map.entry(STREAM_METRICS, "scripts/submit stream"),
      Map.entry(FACES, "scripts/submit batch, backfill or stream --analyzers faces"),
      Map.entry(FACE_GALLERY, "scripts/submit faces enrol"),
      Map.entry(FACE_SIGHTINGS, "scripts/submit stream --analyzers faces"));

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
      .add("batch_id", DataTypes.LongType, false)
      // The stream id from the checkpoint (null in rows written before it existed); see StreamIdentity.
      .add("stream_id", DataTypes.StringType, true)
      // When the frame reached the stream (landed file's modification time, Kafka record time): latency's start.
      .add("landed_at", DataTypes.TimestampType, true);

  /** One row per micro-batch of a stream: what it held, where its time went, how fresh its frames were. */
  public static final StructType STREAM_METRICS_SCHEMA = new StructType()
      .add("stream", DataTypes.StringType, false)
      .add("stream_id", DataTypes.StringType, false)
      .add("batch_id", DataTypes.LongType, false)
      .add("started_at", DataTypes.TimestampType, false)
      .add("committed_at", DataTypes.TimestampType, false)
      .add("frames", DataTypes.LongType, false)
      .add("errors", DataTypes.LongType, false)
      .add("late", DataTypes.LongType, false)
      .add("cameras", DataTypes.IntegerType, false)
      .add("duration_ms", DataTypes.LongType, false)
      .add("phase_ms", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType, false), false)
      .add("latency_p50_ms", DataTypes.LongType, true)
      .add("latency_p95_ms", DataTypes.LongType, true)
      .add("latency_max_ms", DataTypes.LongType, true)
      .add("backlog", DataTypes.LongType, true);

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
      .add("stream_id", DataTypes.StringType, true)
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
      .add("stream_id", DataTypes.StringType, true)
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
      .add("updated_at", DataTypes.TimestampType, false)
      .add("people", DataTypes.LongType, true);

  /** One row per track (per stream and camera), updated with absolute values until the track ends. */
  public static final StructType TRACKS_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("track_id", DataTypes.IntegerType, false)
      .add("label", DataTypes.StringType, false)
      .add("first_seen", DataTypes.TimestampType, false)
      .add("last_seen", DataTypes.TimestampType, false)
      .add("frames", DataTypes.LongType, false)
      .add("first_x", DataTypes.IntegerType, false)
      .add("first_y", DataTypes.IntegerType, false)
      .add("last_x", DataTypes.IntegerType, false)
      .add("last_y", DataTypes.IntegerType, false)
      .add("max_score", DataTypes.FloatType, false)
      .add("ended", DataTypes.BooleanType, false)
      .add("stream", DataTypes.StringType, false)
      .add("stream_id", DataTypes.StringType, false)
      .add("batch_id", DataTypes.LongType, false);

  public static final StructType LINE_CROSSINGS_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("line", DataTypes.StringType, false)
      .add("label", DataTypes.StringType, false)
      .add("track_id", DataTypes.IntegerType, false)
      .add("crossed_at", DataTypes.TimestampType, false)
      .add("direction", DataTypes.StringType, false)
      .add("stream", DataTypes.StringType, false)
      .add("stream_id", DataTypes.StringType, false)
      .add("batch_id", DataTypes.LongType, false);

  public static final StructType ZONE_VISITS_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("zone", DataTypes.StringType, false)
      .add("label", DataTypes.StringType, false)
      .add("track_id", DataTypes.IntegerType, false)
      .add("entered_at", DataTypes.TimestampType, false)
      .add("exited_at", DataTypes.TimestampType, false)
      .add("dwell_s", DataTypes.DoubleType, false)
      .add("stream", DataTypes.StringType, false)
      .add("stream_id", DataTypes.StringType, false)
      .add("batch_id", DataTypes.LongType, false);

  public static final StructType OBJECT_COUNTS_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("window_start", DataTypes.TimestampType, false)
      .add("window_end", DataTypes.TimestampType, false)
      .add("label", DataTypes.StringType, false)
      .add("objects", DataTypes.LongType, false)
      .add("detections", DataTypes.LongType, false)
      .add("peak", DataTypes.IntegerType, false)
      .add("crossings_in", DataTypes.LongType, false)
      .add("crossings_out", DataTypes.LongType, false)
      .add("final", DataTypes.BooleanType, false)
      .add("updated_at", DataTypes.TimestampType, false);

  /** array&lt;float&gt; of a face: landmarks (68 x/y pairs) and descriptor (128 floats). */
  public static final org.apache.spark.sql.types.ArrayType FLOATS = DataTypes.createArrayType(DataTypes.FloatType, false);

  /**
   * {@code faces}: one row per face the {@code faces} analyser found in an image (image_id, path,
   * source, job_run_id) or a stream's frame (camera_id, captured_at, stream, stream_id, batch_id),
   * with the gallery person it matched (null: unknown). Partitioned by {@code day}: the image's
   * ingest_date, the frame's capture_date.
   */
  public static final StructType FACES_SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("path", DataTypes.StringType, true)
      .add("source", DataTypes.StringType, true)
      .add("camera_id", DataTypes.StringType, true)
      .add("captured_at", DataTypes.TimestampType, true)
      .add("face_index", DataTypes.IntegerType, false)
      .add("x", DataTypes.IntegerType, false)
      .add("y", DataTypes.IntegerType, false)
      .add("w", DataTypes.IntegerType, false)
      .add("h", DataTypes.IntegerType, false)
      .add("score", DataTypes.FloatType, false)
      .add("landmarks", FLOATS, true)
      .add("descriptor", FLOATS, true)
      .add("person", DataTypes.StringType, true)
      .add("distance", DataTypes.FloatType, true)
      .add("model_versions", DataTypes.StringType, false)
      .add("job_run_id", DataTypes.StringType, true)
      .add("stream", DataTypes.StringType, true)
      .add("stream_id", DataTypes.StringType, true)
      .add("batch_id", DataTypes.LongType, true)
      .add("processed_at", DataTypes.TimestampType, false)
      .add("day", DataTypes.DateType, false);

  /** {@code face_gallery}: one row per enrolled image of a person (exactly one face), its descriptor. */
  public static final StructType FACE_GALLERY_SCHEMA = new StructType()
      .add("person", DataTypes.StringType, false)
      .add("path", DataTypes.StringType, false)
      .add("image_id", DataTypes.StringType, false)
      .add("descriptor", FLOATS, false)
      .add("model_versions", DataTypes.StringType, false)
      .add("enrolled_at", DataTypes.TimestampType, false);

  /** {@code face_sightings}: per camera, tumbling window and gallery person, the frames they were seen in. */
  public static final StructType FACE_SIGHTINGS_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, false)
      .add("window_start", DataTypes.TimestampType, false)
      .add("window_end", DataTypes.TimestampType, false)
      .add("person", DataTypes.StringType, false)
      .add("frames", DataTypes.LongType, false)
      .add("faces", DataTypes.LongType, false)
      .add("first_seen", DataTypes.TimestampType, false)
      .add("last_seen", DataTypes.TimestampType, false)
      .add("min_distance", DataTypes.FloatType, true)
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

  /** Per ingest date, source and COCO label: what the objects analyser found in the day's images. */
  public static final StructType OBJECT_STATS_SCHEMA = new StructType()
      .add("ingest_date", DataTypes.DateType, false)
      .add("source", DataTypes.StringType, false)
      .add("label", DataTypes.StringType, false)
      .add("images", DataTypes.LongType, false)
      .add("objects", DataTypes.LongType, false)
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
   * row is about, the source, the inputs' fingerprint and the model that processed them, and the
   * day's input folder (added later: rows written before have it null).
   */
  public static final StructType JOB_RUNS_DAY_COLUMNS = new StructType()
      .add("run_date", DataTypes.DateType, true)
      .add("source", DataTypes.StringType, true)
      .add("inputs_fingerprint", DataTypes.StringType, true)
      .add("model", DataTypes.StringType, true)
      .add("model_sha256", DataTypes.StringType, true)
      .add("input_dir", DataTypes.StringType, true);

  /**
   * Columns any run may fill, added to {@code job_runs} after it existed (rows written before read
   * null): the inference layout(s) the run's executors used, {@code model: batch=B,threads=T (how)}
   * {@code ;}-separated (see LayoutTuner).
   */
  public static final StructType JOB_RUNS_RUN_COLUMNS = new StructType()
      .add("layout", DataTypes.StringType, true);

  /** Every column added to {@link #JOB_RUNS_SCHEMA} later: the day columns, then the run columns. */
  public static final StructType JOB_RUNS_LATER_COLUMNS = concat(JOB_RUNS_DAY_COLUMNS, JOB_RUNS_RUN_COLUMNS);

  private static StructType concat(StructType a, StructType b) {
    StructType s = a;
    for (StructField f : b.fields()) {
      s = s.add(f);
    }
    return s;
  }

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

  /** {@code image_embeddings}: one embedding per image and model, computed once by {@code similar}. */
  public static final StructType IMAGE_EMBEDDINGS_SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("model_name", DataTypes.StringType, false)
      .add("model_sha256", DataTypes.StringType, false)
      .add("path", DataTypes.StringType, false)
      .add("embedding", ImageColumns.EMBEDDING_TYPE, false)
      .add("embedded_at", DataTypes.TimestampType, false);

  /** {@code near_duplicates}: pairs of images {@code similar} found close, {@code image_id_a < image_id_b}. */
  public static final StructType NEAR_DUPLICATES_SCHEMA = new StructType()
      .add("image_id_a", DataTypes.StringType, false)
      .add("image_id_b", DataTypes.StringType, false)
      .add("path_a", DataTypes.StringType, false)
      .add("path_b", DataTypes.StringType, false)
      .add("distance", DataTypes.DoubleType, false)
      .add("model_name", DataTypes.StringType, false)
      .add("found_at", DataTypes.TimestampType, false);

  /** {@code model_evals}: one row per head {@code train-head} trained, with its held-out evaluation. */
  public static final StructType MODEL_EVALS_SCHEMA = new StructType()
      .add("head", DataTypes.StringType, false)
      .add("trained_at", DataTypes.TimestampType, false)
      .add("head_uri", DataTypes.StringType, false)
      .add("embedding_model", DataTypes.StringType, false)
      .add("labels", DataTypes.createArrayType(DataTypes.StringType, false), false)
      .add("train_count", DataTypes.LongType, false)
      .add("test_count", DataTypes.LongType, false)
      .add("unusable_images", DataTypes.LongType, false)
      .add("accuracy", DataTypes.DoubleType, true)
      .add("macro_f1", DataTypes.DoubleType, true)
      .add("confusion", DataTypes.createMapType(DataTypes.StringType,
          DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType, false), false), false);

  /**
   * {@code renders}: one row per image {@code render} wrote (a {@code --per} render writes one per
   * sheet, sharing its render_id): the query and its inputs in tile order
   * (so the render can be made again), how many tiles became placeholders, the settings and where
   * the JPEG is. Sheets written without {@code --out} are under {@code <lake>/renders/_sheets/}.
   */
  public static final StructType RENDERS_SCHEMA = new StructType()
      .add("render_id", DataTypes.StringType, false)
      .add("kind", DataTypes.StringType, false)
      .add("query", DataTypes.StringType, false)
      .add("per", DataTypes.StringType, true)
      .add("sheet_key", DataTypes.StringType, true)
      .add("paths", DataTypes.createArrayType(DataTypes.StringType, true), false)
      .add("rows", DataTypes.LongType, false)
      .add("placeholders", DataTypes.IntegerType, false)
      .add("annotated", DataTypes.BooleanType, false)
      .add("columns", DataTypes.IntegerType, false)
      .add("thumb", DataTypes.IntegerType, false)
      .add("path", DataTypes.StringType, false)
      .add("render_ms", DataTypes.LongType, false)
      .add("rendered_at", DataTypes.TimestampType, false);

  /**
   * Nullable columns a later job adds to a table (the backfill adds its columns to {@code job_runs}
   * on its first run): {@link #read} gives a table that predates them those columns as nulls, so a
   * query over them works on every lake.
   */
  public static final Map<String, StructType> LATER_COLUMNS = Map.of(JOB_RUNS, JOB_RUNS_LATER_COLUMNS,
      FLOW_COUNTS, new StructType().add("people", DataTypes.LongType, true),
      FRAMES, new StructType().add("landed_at", DataTypes.TimestampType, true));

  private final String root;

  /**
   * A relative local root ({@code --lake lake}) is made absolute against the working directory:
   * Delta takes a relative table location for a table name and refuses it, and {@code delta.`lake/x`}
   * in SQL is no table either.
   */
  public Lake(String root) {
    String r = root.endsWith("/") && root.length() > 1 ? root.substring(0, root.length() - 1) : root;
    this.root = r.contains(":") || r.startsWith("/") ? r : java.nio.file.Paths.get(r).toAbsolutePath().normalize().toString();
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

  /**
   * Adds the {@link #LATER_COLUMNS} an existing table lacks (nullable, so earlier rows read null),
   * for writers that MERGE by column name into a table an earlier version created.
   */
  public void addLaterColumns(SparkSession spark, String table) {
    List<String> columns = List.of(table(spark, table).toDF().columns());
    for (StructField f : LATER_COLUMNS.getOrDefault(table, new StructType()).fields()) {
      if (!columns.contains(f.name())) {
        spark.sql("ALTER TABLE delta.`" + path(table) + "` ADD COLUMNS (`" + f.name() + "` " + f.dataType().sql() + ")");
      }
    }
  }

  public DeltaTable table(SparkSession spark, String table) {
    return DeltaTable.forPath(spark, path(table));
  }

  /** The table's rows, with the {@link #LATER_COLUMNS} it does not have yet as typed nulls. */
  public Dataset<Row> read(SparkSession spark, String table) {
    Dataset<Row> df = spark.read().format("delta").load(path(table));
    List<String> columns = List.of(df.columns());
    for (StructField f : LATER_COLUMNS.getOrDefault(table, new StructType()).fields()) {
      if (!columns.contains(f.name())) {
        df = df.withColumn(f.name(), functions.lit(null).cast(f.dataType()));
      }
    }
    return df;
  }

  public boolean exists(SparkSession spark, String table) {
    return DeltaTable.isDeltaTable(spark, path(table));
  }

  /**
   * The tables this lake has, sorted by name: every directory under the root that is a Delta table,
   * VisionLake's or not (a user may keep their own tables beside ours). Fails if the root is missing.
   */
  public List<String> tables(SparkSession spark) {
    List<String> names = new ArrayList<>();
    try {
      Path dir = new Path(root);
      FileSystem fs = dir.getFileSystem(spark.sessionState().newHadoopConf());
      if (!fs.exists(dir)) {
        throw new IllegalArgumentException("Lake " + root + " does not exist; run a job with --lake " + root + " first");
      }
      for (FileStatus status : fs.listStatus(dir)) {
        String name = status.getPath().getName();
        if (status.isDirectory() && exists(spark, name)) {
          names.add(name);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list lake " + root + ": " + e.getMessage(), e);
    }
    names.sort(null);
    return names;
  }

  /**
   * {@code value} as a Spark SQL string literal, for predicates given as text (MERGE conditions,
   * {@code replaceWhere}): quotes and backslashes escaped, so a camera id, path or name is never SQL.
   */
  public static String sqlString(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
