package io.visionlake.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.scoring.AnalyzerSelection;
import io.visionlake.jobs.scoring.FrameScorer;
import io.visionlake.jobs.scoring.HeadColumns;
import io.visionlake.jobs.scoring.InputFiles;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.udfs.heads.LabelHead;
import io.visionlake.udfs.model.ModelCatalog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;

/**
 * Camera streams into Delta: frames from a landing folder ({@link LandingSource}) or a Kafka
 * topic run through the same partitioned analysis path as the batch job (people, faces,
 * classify, embed), and land in {@code frames}, {@code frame_errors} and {@code late_frames};
 * {@code flow_counts} is MERGEd every micro-batch. Exactly once through restarts: see {@link
 * MicroBatchWriter}.
 */
public final class StreamingInferenceJob {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StreamingInferenceJob.class);
  static final String JOB = "stream";
  static final String DEFAULT_QUERY_NAME = "visionlake-stream";

  private StreamingInferenceJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, new StreamCommand(), args);
  }

  /** Starts the stream on {@code spark} and returns at once; what tests call. */
  public static Handle run(SparkSession spark, Settings settings) throws TimeoutException {
    MicroBatchWriter writer = writer(spark, settings);
    int maxPerTrigger = writer.maxPerTrigger();
    Dataset<Row> source = source(spark, settings, maxPerTrigger);
    StreamProgress progress = new StreamProgress(settings.queryName, writer,
        settings.isKafka() ? null : backlog(settings), maxPerTrigger);
    spark.streams().addListener(progress);
    StreamingQuery query = source.writeStream()
        .queryName(settings.queryName)
        .option("checkpointLocation", settings.checkpoint)
        .trigger(trigger(settings.trigger))
        .foreachBatch(writer)
        .start();
    return new Handle(spark, query, progress, writer);
  }

  /** The foreachBatch function of a stream with {@code settings}, its tables ensured (tests call it to replay a batch). */
  static MicroBatchWriter writer(SparkSession spark, Settings settings) {
    // First, before any model loads: a restart that contradicts its checkpoint is refused at once.
    StreamIdentity identity = StreamIdentity.resolve(spark.sessionState().newHadoopConf(), settings.checkpoint, settings.queryName,
        settings.source, settings.windowSeconds);
    ModelCatalog catalog = ModelCatalog.fromEnvironment();
    JobConf conf = JobConf.forJob(catalog, settings.confFile, spark);
    int maxPerTrigger = settings.maxPerTrigger != null ? settings.maxPerTrigger : conf.getInt(JobOptions.STREAM_MAX_PER_TRIGGER);
    if (maxPerTrigger < 1) {
      throw new IllegalArgumentException("--max-per-trigger must be >= 1, got " + maxPerTrigger);
    }

    long maxClockSkewSeconds;
    try {
      maxClockSkewSeconds = parseSeconds(conf.get(JobOptions.STREAM_MAX_CLOCK_SKEW), JobOptions.STREAM_MAX_CLOCK_SKEW);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " (set it with --conf or the conf file; default "
          + JobOptions.STREAM_MAX_CLOCK_SKEW_DEFAULT + ")", e);
    }

    ScoringPlan plan = ScoringPlan.prepare(spark, conf, catalog, settings.model, settings.analyzers, settings.head != null,
        ScoringPlan.Workload.FRAMES);
    LabelHead head = HeadColumns.load(spark, settings.head, conf, catalog.home(), plan.modelName());
    Lake lake = new Lake(settings.lake);
    // The gallery is read once for the stream's life: a new enrolment applies after a restart.
    io.visionlake.jobs.faces.FaceRecognition faces = io.visionlake.jobs.faces.FaceRecognition.prepare(spark, lake, conf, plan.selection());
    MicroBatchWriter writer = new MicroBatchWriter(spark, lake, plan, head, tracking(settings, conf), faces, new MicroBatchWriter.Options(
        settings.queryName, identity.id(), identity.legacy(), settings.windowSeconds, settings.watermarkSeconds, spark.sparkContext().defaultParallelism(),
        maxPerTrigger, conf.getInt(JobOptions.COMMIT_ATTEMPTS), settings.checkpoint, maxClockSkewSeconds,
        conf.getLong(JobOptions.STREAM_METRICS_INTERVAL)));
    writer.ensureTables();
    return writer;
  }

  /**
   * The tracker of a stream that runs the {@code objects} analyser (null otherwise), with the
   * {@code spark.visionlake.tracker.*} settings and the {@code --cameras} lines and zones.
   */
  static CameraTracking tracking(Settings settings, JobConf conf) {
    boolean objects = settings.analyzers.contains(io.visionlake.udfs.analyze.ObjectsAnalyzer.NAME);
    if (!objects) {
      if (settings.cameras != null) {
        throw new IllegalArgumentException("--cameras " + settings.cameras + " gives lines and zones to the objects tracker, but "
            + "--analyzers " + String.join(",", settings.analyzers) + " has no objects: add objects to --analyzers");
      }
      return null;
    }
    Map<String, io.visionlake.udfs.track.CameraLayout> layouts = settings.cameras == null ? Map.of()
        : io.visionlake.udfs.track.CameraLayouts.parse(settings.cameras);
    return new CameraTracking(io.visionlake.udfs.track.TrackerSettings.fromConf(conf.asMap()), layouts);
  }

  /** The source, normalised to {@link FrameScorer#SOURCE_SCHEMA}. */
  static Dataset<Row> source(SparkSession spark, Settings settings, int maxPerTrigger) {
    if (settings.source instanceof StreamSource.Kafka kafka) {
      // Spark's Kafka source with a restart defect worked around (see KafkaSource).
      return spark.readStream().format(KafkaSource.class.getName())
          .option("kafka.bootstrap.servers", kafka.bootstrap())
          .option("subscribe", kafka.topic())
          .option("startingOffsets", settings.startingOffsets)
          .option("maxOffsetsPerTrigger", maxPerTrigger)
          .option("failOnDataLoss", "true")
          .load()
          .select(col("key").cast(DataTypes.StringType).as("camera_id"), lit(null).cast(DataTypes.StringType).as("path"),
              col("topic").as("kafka_topic"), col("partition").as("kafka_partition"), col("offset").as("kafka_offset"),
              col("timestamp").as("source_time"), col("value").as("content"));
    }
    // Paths only: the scorer reads each file (see LandingSource for why not Spark's binaryFile stream).
    org.apache.spark.sql.streaming.DataStreamReader reader = spark.readStream().format(LandingSource.class.getName())
        .option(LandingSource.MAX_FILES, maxPerTrigger)
        .option(LandingSource.CLEAN_SOURCE, settings.cleanSource.name().toLowerCase(Locale.ROOT));
    if (settings.archiveDir != null) {
      reader = reader.option(LandingSource.ARCHIVE_DIR, settings.archiveDir);
    }
    return landingRows(reader.load(landing(settings)));
  }

  /** Rows of {@link LandingSource#SCHEMA} as source rows: no camera yet (the scorer finds it in the path), no content. */
  static Dataset<Row> landingRows(Dataset<Row> files) {
    return files.select(lit(null).cast(DataTypes.StringType).as("camera_id"), col("path"),
        lit(null).cast(DataTypes.StringType).as("kafka_topic"), lit(null).cast(DataTypes.IntegerType).as("kafka_partition"),
        lit(null).cast(DataTypes.LongType).as("kafka_offset"), col("modificationTime").as("source_time"),
        lit(null).cast(DataTypes.BinaryType).as("content"));
  }

  static String landing(Settings settings) {
    if (!(settings.source instanceof StreamSource.Landing landing)) {
      throw new IllegalStateException("The stream reads Kafka (" + settings.source + "), not a landing folder");
    }
    return landing.path();
  }

  /**
   * Files under the landing folder the stream has not taken yet and the dot-files skipped, as the
   * source's own listing for the last trigger saw them: no second listing of a folder that may hold
   * months of frames.
   */
  private static Supplier<StreamProgress.Landing> backlog(Settings settings) {
    String root = landing(settings);
    return () -> {
      StreamProgress.Landing seen = LandingSource.backlog(root);
      return seen == null ? new StreamProgress.Landing(-1, 0) : seen;
    };
  }

  static Trigger trigger(String spec) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    if (s.equals("available-now")) {
      return Trigger.AvailableNow();
    }
    if (s.equals("once")) {
      return Trigger.AvailableNow();
    }
    return Trigger.ProcessingTime(parseSeconds(s, "--trigger") * 1000L);
  }

  /** {@code 30s}, {@code 1m}, {@code 2h}, {@code 500ms} (rounded to seconds) or plain seconds. */
  static long parseSeconds(String value, String what) {
    Matcher m = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?").matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(what + ": expected a duration like 30s, 1m or 2h, got '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    switch (unit) {
      case "ms": return n / 1000;
      case "m": return n * 60;
      case "h": return n * 3600;
      case "d": return n * 86400;
      default: return n;
    }
  }

  /** What a stream is asked to do. */
  public static final class Settings {
    final StreamSource source;
    final String lake;
    final String checkpoint;
    String trigger = "10s";
    long windowSeconds = 60;
    long watermarkSeconds = 120;
    List<String> analyzers = List.of("objects", "faces");
    Integer maxPerTrigger;
    String queryName = DEFAULT_QUERY_NAME;
    String startingOffsets = "earliest";
    String model;
    Path confFile;
    String head;
    Path cameras;
    LandingSource.Clean cleanSource = LandingSource.Clean.OFF;
    String archiveDir;

    private Settings(String source, String lake, String checkpoint) {
      if (checkpoint == null || checkpoint.isBlank()) {
        throw new IllegalArgumentException("--checkpoint is required");
      }
      this.source = StreamSource.parse(source);
      this.lake = lake;
      this.checkpoint = checkpoint;
    }

    public static Settings of(String source, String lake, String checkpoint) {
      return new Settings(source, lake, checkpoint);
    }

    public Settings trigger(String trigger) {
      StreamingInferenceJob.trigger(trigger);
      this.trigger = trigger;
      return this;
    }

    public Settings window(String window) {
      this.windowSeconds = parseSeconds(window, "--window");
      if (windowSeconds < 1) {
        throw new IllegalArgumentException("--window must be at least 1s, got " + window);
      }
      return this;
    }

    public Settings watermark(String watermark) {
      this.watermarkSeconds = parseSeconds(watermark, "--watermark");
      return this;
    }

    public Settings analyzers(String list) {
      this.analyzers = AnalyzerSelection.parse(list, "--analyzers");
      return this;
    }

    public Settings maxPerTrigger(int n) {
      this.maxPerTrigger = n;
      return this;
    }

    /** With a label head (a name under spark.visionlake.heads.dir, or a path/URI). */
    public Settings head(String head) {
      this.head = head;
      return this;
    }

    /** Lines and zones per camera for the tracker (a properties file, see {@code CameraLayouts}), or null. */
    public Settings cameras(Path file) {
      this.cameras = file;
      return this;
    }

    /**
     * What becomes of a landed file once its batch is committed: {@code off}, {@code archive} (to
     * {@code archiveDir}, outside the landing folder) or {@code delete}. Landing folders only.
     */
    public Settings cleanSource(String mode, String archiveDir) {
      LandingSource.Clean clean = LandingSource.Clean.parse(mode, "--clean-source");
      if (clean != LandingSource.Clean.OFF && isKafka()) {
        throw new IllegalArgumentException("--clean-source " + mode + " applies to a landing folder (dir:<path>); Kafka keeps its records by "
            + "the topic's retention");
      }
      if (clean == LandingSource.Clean.ARCHIVE) {
        if (archiveDir == null || archiveDir.isBlank()) {
          throw new IllegalArgumentException("--clean-source archive needs --archive-dir <path>: where processed files go");
        }
        String root = ((StreamSource.Landing) source).path().replaceAll("/+$", "");
        String target = archiveDir.replaceAll("/+$", "");
        if (target.equals(root) || target.startsWith(root + "/")) {
          throw new IllegalArgumentException("--archive-dir " + archiveDir + " is inside the landing folder " + root
              + ": archived files would be listed again; choose a folder outside it");
        }
      } else if (archiveDir != null) {
        throw new IllegalArgumentException("--archive-dir is for --clean-source archive (got --clean-source " + mode + ")");
      }
      this.cleanSource = clean;
      this.archiveDir = archiveDir;
      return this;
    }

    public Settings queryName(String name) {
      this.queryName = name;
      return this;
    }

    boolean isKafka() {
      return source instanceof StreamSource.Kafka;
    }
  }

  /** A running stream: the query, its progress lines, and a way to wait or stop. */
  public static final class Handle {
    private final SparkSession spark;
    private final StreamingQuery query;
    private final StreamProgress progress;
    private final MicroBatchWriter writer;

    Handle(SparkSession spark, StreamingQuery query, StreamProgress progress, MicroBatchWriter writer) {
      this.spark = spark;
      this.query = query;
      this.progress = progress;
      this.writer = writer;
    }

    public StreamingQuery query() {
      return query;
    }

    /** One line per micro-batch, as printed. */
    public List<String> progressLines() {
      return progress.lines();
    }

    /** Input rows of each micro-batch, in order. */
    public List<Long> batchRows() {
      return progress.batchRows();
    }

    /** The most advanced camera's watermark (the cameras' own are {@link #watermarks()}), or null. */
    public java.time.Instant watermark() {
      return writer.watermark();
    }

    /** Each camera's watermark after the last batch. */
    public java.util.Map<String, java.time.Instant> watermarks() {
      return writer.watermarks();
    }

    /** Waits for the query to end (available-now ends by itself), then detaches the listener. */
    public void awaitTermination() throws StreamingQueryException {
      try {
        query.awaitTermination();
      } finally {
        detach();
      }
    }

    /** Stops the query (between or inside a micro-batch: a partial batch is replayed on restart). */
    public void stop() throws TimeoutException {
      try {
        query.stop();
      } finally {
        detach();
      }
    }

    /**
     * Lets the listener see the last progress events (they are delivered asynchronously), removes
     * it, and appends the metrics rows still pending. A failure to append them is logged, not
     * thrown: it must not hide why the query ended, and metrics are not data.
     */
    private void detach() {
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty();
      } catch (TimeoutException e) {
        // progress lines may be missing their last batch; nothing else depends on them
      }
      spark.streams().removeListener(progress);
      try {
        writer.metrics().append();
      } catch (RuntimeException e) {
        LOG.warn("Stream {}: the last micro-batches' stream_metrics rows were not written: {}", query.name(), e.toString());
      }
    }

    /** Since start: {micro-batches, their total ms, of which tracking ms} (the bench's tracker share). */
    public long[] timings() {
      return writer.timings();
    }

    public String summary() {
      return String.format(Locale.ROOT, "Stream %s: %d micro-batch(es), %,d rows, watermark %s", query.name(),
          progress.batchRows().size(), progress.batchRows().stream().mapToLong(Long::longValue).sum(), writer.watermark());
    }
  }
}
