package io.visionlake.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.window;

import io.visionlake.jobs.faces.FaceRecognition;
import io.visionlake.jobs.faces.FaceSightings;
import io.visionlake.jobs.lake.DeltaRetry;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.lake.SideBySide;
import io.visionlake.jobs.scoring.AnalyzerSelection;
import io.visionlake.jobs.scoring.FrameScorer;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.udfs.heads.LabelHead;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code foreachBatch} sink of the streaming job; runs on the driver once per micro-batch.
 *
 * <p>Exactly once: {@code frames}, {@code frame_errors} and {@code late_frames} are appended with
 * Delta's idempotent writes ({@code txnAppId} = the stream id recorded in the checkpoint, see {@link
 * StreamIdentity}; {@code txnVersion} = batch id), so a batch replayed after a crash or restart adds
 * nothing to a table it already reached, and another checkpoint's batches never count as this one's. Each
 * camera has its own watermark, from its own frames of earlier batches only ({@link CameraWatermarks},
 * which also keeps the "now" a batch judged clock skew against), so a replay classifies late and
 * skewed frames exactly as the first attempt did. The same state keeps each camera's windows that
 * are not final yet as running statistics ({@link OpenWindows}) and the rows of tracks not ended
 * ({@link OpenTracks}): the batch adds its frames, crossings and tracks and writes the rows with
 * absolute values into {@code flow_counts}, {@code object_counts} and {@code tracks}, one commit
 * each that replaces the stream's previous open rows ({@link WindowFiles}), so they equal a
 * recomputation from {@code frames} however often a batch runs, and a batch reads no table's
 * history to get there.
 */
public final class MicroBatchWriter implements VoidFunction2<Dataset<Row>, Long> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(MicroBatchWriter.class);
  /** Enough for every table a batch writes at once; more would only queue on the driver's cores. */
  private static final int WRITE_THREADS = 4;

  private final transient SparkSession spark;
  private final Lake lake;
  /** Driver-side (foreachBatch runs on the driver): what each micro-batch is scored with. */
  private final transient ScoringPlan plan;
  private final Options options;
  /** The query name, for people (the {@code stream} column, logs, job groups). */
  private final String stream;
  /** The stream id: the Delta txnAppId and the {@code stream_id} column, which tell this stream's rows and batches from others'. */
  private final String streamId;
  /** Each camera's watermark after the last batch (for progress lines and windows' finality). */
  private volatile Map<String, Instant> watermarks = Map.of();
  private final transient CameraWatermarks clocks;
  /** Since start: micro-batches written, their total time and the tracking part of it (ms), for benches and progress. */
  private final java.util.concurrent.atomic.AtomicLong batches = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong batchMillis = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong trackingMillisTotal = new java.util.concurrent.atomic.AtomicLong();
  /** --head: adds head_label, head_score to frames (null: no head). */
  private final transient LabelHead head;
  /** Object tracking (null: the stream runs no objects analyser). */
  private final transient CameraTracking tracking;
  private final transient TrackTables tracks;
  private final transient StreamMetrics metrics;
  /** Writes flow_counts', object_counts' and tracks' rows at about an append's cost. */
  private final transient WindowFiles windowFiles;
  /** Face recognition (null: the stream runs no recognising faces analyser): faces rows and face_sightings. */
  private final transient FaceRecognition faces;

  /**
   * How a stream writes: its name (for people), its id (the Delta txnAppId; {@code legacyId}: a
   * checkpoint of an earlier version, whose rows may lack {@code stream_id}), windows, watermark,
   * parallelism and limits.
   */
  public record Options(String stream, String streamId, boolean legacyId, long windowSeconds, long watermarkDelaySeconds, int partitions,
      int maxPerTrigger, int commitAttempts, String checkpoint, long maxClockSkewSeconds, long metricsIntervalSeconds)
      implements java.io.Serializable {}

  /**
   * @param head the label head adding head_label, head_score to frames, or null
   * @param tracking tracks the {@code objects} column's detections per camera, or null
   * @param faces matches the {@code faces} analyser's faces to the gallery, or null
   */
  MicroBatchWriter(SparkSession spark, Lake lake, ScoringPlan plan, LabelHead head, CameraTracking tracking, FaceRecognition faces,
      Options options) {
    this.spark = spark;
    this.faces = faces;
    this.lake = lake;
    this.plan = plan;
    this.head = head;
    this.tracking = tracking;
    this.options = options;
    this.stream = options.stream();
    this.streamId = options.streamId();
    this.tracks = tracking == null ? null : new TrackTables(spark, lake, stream, streamId);
    this.clocks = new CameraWatermarks(spark.sessionState().newHadoopConf(), options.checkpoint());
    this.windowFiles = new WindowFiles(spark, lake, stream, streamId, options.commitAttempts());
    this.metrics = new StreamMetrics(spark, lake, stream, streamId, options.metricsIntervalSeconds() * 1000);
  }

  int maxPerTrigger() {
    return options.maxPerTrigger();
  }

  StructType framesSchema() {
    AnalyzerSelection selection = plan.selection();
    StructType schema = Lake.framesSchema(FaceRecognition.storedFields(selection.fields), selection.labels, selection.embedding);
    if (tracking != null) { // tracked objects carry their track id
      StructField[] fields = schema.fields().clone();
      for (int i = 0; i < fields.length; i++) {
        if (fields[i].name().equals(io.visionlake.udfs.analyze.ObjectsAnalyzer.NAME)) {
          fields[i] = DataTypes.createStructField(fields[i].name(), DataTypes.createArrayType(TrackTables.TRACKED_OBJECT, true), true);
        }
      }
      schema = new StructType(fields);
    }
    return head == null ? schema : schema.add(LabelHead.LABEL_COL, DataTypes.StringType, true)
        .add(LabelHead.SCORE_COL, DataTypes.FloatType, true);
  }

  /** Creates the four tables when missing (frames with this run's analyser columns). */
  void ensureTables() {
    lake.ensure(spark, Lake.FRAMES, framesSchema(), "capture_date");
    lake.ensure(spark, Lake.FRAME_ERRORS, Lake.FRAME_ERRORS_SCHEMA);
    lake.ensure(spark, Lake.LATE_FRAMES, Lake.LATE_FRAMES_SCHEMA);
    lake.ensure(spark, Lake.FLOW_COUNTS, Lake.FLOW_COUNTS_SCHEMA);
    lake.addLaterColumns(spark, Lake.FLOW_COUNTS);
    if (tracks != null) {
      tracks.ensure();
    }
    if (faces != null) {
      lake.ensure(spark, Lake.FACES, Lake.FACES_SCHEMA, "day");
      lake.ensure(spark, Lake.FACE_SIGHTINGS, Lake.FACE_SIGHTINGS_SCHEMA);
    }
    metrics.ensure();
    watermarks = watermarksOf(maximaBefore(Long.MAX_VALUE, clocks.before(Long.MAX_VALUE)));
  }

  /** The stream's metrics rows (appended every interval; {@link StreamMetrics#append} when the query ends). */
  StreamMetrics metrics() {
    return metrics;
  }

  /** The most advanced camera's watermark after the last batch, or null before any frame. */
  Instant watermark() {
    return watermarks.values().stream().max(Instant::compareTo).orElse(null);
  }

  /** Each camera's watermark after the last batch: its latest on-time capture time minus the delay. */
  Map<String, Instant> watermarks() {
    return watermarks;
  }

  @Override
  public void call(Dataset<Row> batch, Long batchId) {
    long started = System.nanoTime();
    Timestamp startedAt = new Timestamp(System.currentTimeMillis());
    Phases phases = new Phases();
    // Earlier batches' metrics rows, when due: before this batch, so they carry their reported backlog.
    metrics.appendIfDue();
    phases.lap("metrics");
    spark.sparkContext().setJobGroup("visionlake-stream-" + stream + "-" + batchId,
        "Stream " + stream + " micro-batch " + batchId + " into " + lake.root(), false);
    // The state the batch before recorded: cameras' maxima and trackers, read once.
    CameraWatermarks.State prior = clocks.before(batchId);
    Map<String, Long> before = maximaBefore(batchId, prior);
    Map<String, Long> watermarkMillis = watermarkMillis(before);
    // A replay judges clock skew against the "now" of its first attempt, so it classifies the same way.
    CameraWatermarks.State recorded = clocks.recorded(batchId);
    long nowMillis = recorded != null ? recorded.nowMillis() : System.currentTimeMillis();
    FrameScorer scorer = plan.frameScorer(new FrameScorer.Clock(watermarkMillis, nowMillis, options.maxClockSkewSeconds() * 1000,
        io.visionlake.jobs.conf.JobOptions.STREAM_MAX_CLOCK_SKEW));
    StructType resultSchema = plan.frameColumns().schema();
    Dataset<Row> scored = batch.select(FrameScorer.SOURCE_SCHEMA.fieldNames()[0],
            Arrays.copyOfRange(FrameScorer.SOURCE_SCHEMA.fieldNames(), 1, FrameScorer.SOURCE_SCHEMA.size()))
        .repartition(options.partitions())
        .mapPartitions(scorer, Encoders.row(resultSchema))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> cached = scored;
    FaceRecognition.Split split = null;
    try {
      // One small collect: what the batch held, per kind and camera, and each camera's latest on-time capture time.
      List<Row> summary = scored.groupBy("kind", "camera_id").agg(count(lit(1)), max("captured_at")).collectAsList();
      phases.lap("score");
      Timestamp now = Timestamp.from(Instant.now());
      Dataset<Row> frames = scored.filter(col("kind").equalTo(FrameScorer.FRAME));
      // Faces first, straight off the cached scores: each becomes a faces row, frames keep lean boxes.
      if (faces != null) {
        split = faces.split(frames, FaceRecognition.frames(stream, streamId, batchId, now));
        frames = split.rows();
      }
      if (head != null) {
        frames = head.apply(frames, "embedding");
      }
      CameraTracking.Result tracked = null;
      long trackingMillis = 0;
      if (tracking != null) {
        long t0 = System.nanoTime();
        tracked = tracking.run(prior == null ? Map.of() : prior.trackers(), TrackTables.observations(frames));
        trackingMillis = (System.nanoTime() - t0) / 1_000_000;
        frames = tracks.withTrackIds(frames, tracked.trackIds());
        phases.lap("tracking");
      }
      List<Column> frameColumns = new ArrayList<>();
      for (StructField f : framesSchema().fields()) {
        switch (f.name()) {
          case "model_versions": frameColumns.add(lit(plan.versions()).as(f.name())); break;
          case "processed_at": frameColumns.add(lit(now).as(f.name())); break;
          case "stream": frameColumns.add(lit(stream).as(f.name())); break;
          case "stream_id": frameColumns.add(lit(streamId).as(f.name())); break;
          case "batch_id": frameColumns.add(lit(batchId).as(f.name())); break;
          default: frameColumns.add(col(f.name()));
        }
      }
      // Rows of each kind in the batch, from the summary: an empty append is still a Delta commit
      // (about a second), so a table with nothing from this batch is not written (a replay skips it
      // alike). The cameras' maxima after the batch come from the same rows.
      Map<String, Long> kinds = new java.util.TreeMap<>();
      Map<String, Long> after = new java.util.TreeMap<>(before);
      for (Row r : summary) {
        kinds.merge(r.getString(0), r.getLong(2), Long::sum);
        // Only frames move a camera's maximum: late frames are behind it, skewed ones are errors.
        if (FrameScorer.FRAME.equals(r.getString(0)) && !r.isNullAt(3)) {
          after.merge(r.getString(1), r.getTimestamp(3).getTime(), Math::max);
        }
      }
      // The batch's commits run side by side (SideBySide): each table's commit is idempotent on its
      // own, so their order does not matter. The appends start now, the windows are computed meanwhile.
      SideBySide writes = new SideBySide(spark, stream + "-" + batchId, WRITE_THREADS);
      try (writes) {
        if (kinds.containsKey(FrameScorer.FRAME)) {
          Dataset<Row> rows = frames.select(frameColumns.toArray(new Column[0]));
          writes.run(Lake.FRAMES, () -> append(rows, Lake.FRAMES, batchId));
        }
        if (kinds.containsKey(FrameScorer.ERROR)) {
          Dataset<Row> rows = scored.filter(col("kind").equalTo(FrameScorer.ERROR)).select(col("camera_id"), col("captured_at"), col("path"),
              col("kafka_topic"), col("kafka_partition"), col("kafka_offset"), col("image_id"), col("bytes"), col("stage"),
              col("error_class"), col("message"), lit(stream).as("stream"), lit(batchId).as("batch_id"), lit(streamId).as("stream_id"),
              lit(now).as("failed_at"));
          writes.run(Lake.FRAME_ERRORS, () -> append(rows, Lake.FRAME_ERRORS, batchId));
        }
        if (kinds.containsKey(FrameScorer.LATE)) {
          Dataset<Row> rows = scored.filter(col("kind").equalTo(FrameScorer.LATE)).select(col("camera_id"), col("captured_at"),
              col("time_source"), col("image_id"), col("path"), col("kafka_topic"), col("kafka_partition"), col("kafka_offset"),
              byCamera(watermarkMillis).as("watermark"), lit(stream).as("stream"),
              lit(batchId).as("batch_id"), lit(streamId).as("stream_id"), lit(now).as("arrived_at"));
          writes.run(Lake.LATE_FRAMES, () -> append(rows, Lake.LATE_FRAMES, batchId));
        }
        if (split != null) {
          FaceRecognition.Split faceSplit = split;
          writes.run(Lake.FACES, () -> {
            if (faceSplit.faces().count() > 0) { // an empty append is a commit too; a replay counts the same faces
              append(faceSplit.faces(), Lake.FACES, batchId);
            }
          });
        }
        if (tracked != null) {
          tracks.write(tracked, batchId, (rows, table) -> writes.run(table, () -> append(rows, table, batchId)));
        }
        // The batch's frames and crossings join the windows not final yet (kept in the state, not read
        // back from the tables); windows the watermark has passed are written final and dropped.
        OpenWindows windows = openWindows(prior, batchId, before);
        Set<Map.Entry<String, Long>> touched = windows.add(kinds.containsKey(FrameScorer.FRAME) ? OpenWindows.frames(frames) : List.of(),
            tracked == null ? List.of() : crossings(tracked.crossings()), tracked == null ? Map.of() : trackLabels(tracked.tracks()));
        OpenWindows.Written written = windows.drain(touched, watermarkMillis(after), tracking != null, now);
        OpenTracks openTracks = tracked == null ? null : openTracks(prior, batchId);
        OpenTracks.Written trackRows = tracked == null ? null : openTracks.update(tracks.rows(tracked, batchId));
        phases.lap("windows");
        // The windows' new files are written first, so the state records them before anything commits.
        Map<String, WindowFiles.Left> leftBefore = filesOf(prior);
        Map<String, WindowFiles.Left> recordedLeft = filesOf(recorded);
        Map<String, WindowFiles.Left> leftAfter = new java.util.TreeMap<>(leftBefore);
        List<java.util.concurrent.Future<WindowFiles.Prepared>> preparing = new ArrayList<>();
        if (tracked != null && !tracked.tracks().isEmpty()) { // a batch that saw no track writes none
          WindowFiles.Region region = tracksRegion(trackRows);
          preparing.add(writes.submit("prepare " + Lake.TRACKS, () -> windowFiles.prepare(Lake.TRACKS, Lake.TRACKS_SCHEMA,
              trackRows.ended(), trackRows.open(), region, batchId, leftBefore.get(Lake.TRACKS), recordedLeft.get(Lake.TRACKS))));
        }
        // A batch that touched no window and turned none final (only late frames, say) makes no commit.
        if (!touched.isEmpty() || !written.finalFlows().isEmpty() || !written.finalObjects().isEmpty()) {
          WindowFiles.Region region = WindowFiles.Region.windows(written.regionStarts());
          preparing.add(writes.submit("prepare " + Lake.FLOW_COUNTS, () -> windowFiles.prepare(Lake.FLOW_COUNTS, Lake.FLOW_COUNTS_SCHEMA,
              written.finalFlows(), written.openFlows(), region, batchId, leftBefore.get(Lake.FLOW_COUNTS), recordedLeft.get(Lake.FLOW_COUNTS))));
          if (tracked != null) {
            preparing.add(writes.submit("prepare " + Lake.OBJECT_COUNTS, () -> windowFiles.prepare(Lake.OBJECT_COUNTS,
                Lake.OBJECT_COUNTS_SCHEMA, written.finalObjects(), written.openObjects(), region, batchId,
                leftBefore.get(Lake.OBJECT_COUNTS), recordedLeft.get(Lake.OBJECT_COUNTS))));
          }
        }
        List<WindowFiles.Prepared> prepared = new ArrayList<>();
        for (java.util.concurrent.Future<WindowFiles.Prepared> f : preparing) {
          prepared.add(writes.get(f));
        }
        prepared.forEach(w -> leftAfter.put(w.table(), w.after()));
        phases.lap("writes");
        // Recorded before Spark commits the batch: the next batch reads it, a replay of this one rewrites it alike.
        CameraWatermarks.State state = new CameraWatermarks.State(nowMillis, after, tracked != null ? tracked.states() : Map.of(),
            windowsState(windows, openTracks, leftAfter));
        clocks.write(batchId, state);
        watermarks = watermarksOf(after);
        phases.lap("state");
        List<java.util.concurrent.Future<Boolean>> commits = new ArrayList<>();
        for (WindowFiles.Prepared w : prepared) {
          commits.add(writes.submit(w.table(), w::commit));
        }
        boolean asPrepared = true;
        for (java.util.concurrent.Future<Boolean> f : commits) {
          asPrepared &= writes.get(f);
        }
        writes.awaitAll();
        prepared.forEach(w -> leftAfter.put(w.table(), w.after()));
        if (!asPrepared) { // a write took the general path: its new files, for the next batch
          clocks.write(batchId, new CameraWatermarks.State(nowMillis, after, state.trackers(), windowsState(windows, openTracks, leftAfter)));
        }
        phases.lap("commits");
      }
      Dataset<Row> batchFrames = frames;
      // A window of face_sightings changes only when the batch matched someone or a window turns
      // final; most batches of a camera nobody known passes skip the MERGE (about a second each).
      if (split != null && (!split.faces().filter(col("person").isNotNull()).isEmpty()
          || !lake.table(spark, Lake.FACE_SIGHTINGS).toDF().filter(col("final").equalTo(false)).isEmpty())) {
        // Recomputed from faces like flow_counts from frames: a function of that table, whatever the replays.
        DeltaRetry.onConflict("stream " + stream + " batch " + batchId + " face_sightings", options.commitAttempts(),
            () -> refreshWindows(batchFrames, now, Lake.FACE_SIGHTINGS,
                "t.camera_id = s.camera_id AND t.window_start = s.window_start AND t.person = s.person",
                (all, from, to, duration) -> FaceSightings.of(facesBetween(from, to), duration)));
        phases.lap("face_sightings");
      }
      long committed = System.currentTimeMillis();
      long[] landed = kinds.containsKey(FrameScorer.FRAME) ? landedPercentiles(frames) : null;
      phases.lap("metrics");
      metrics.add(new StreamMetrics.Batch(batchId, startedAt, new Timestamp(committed), kinds.getOrDefault(FrameScorer.FRAME, 0L),
          kinds.getOrDefault(FrameScorer.ERROR, 0L), kinds.getOrDefault(FrameScorer.LATE, 0L),
          (int) summary.stream().map(r -> r.getString(1)).distinct().count(), (System.nanoTime() - started) / 1_000_000, phases.millis(),
          landed == null ? null : committed - landed[1], landed == null ? null : committed - landed[0],
          landed == null ? null : committed - landed[2]));
      batches.incrementAndGet();
      batchMillis.addAndGet((System.nanoTime() - started) / 1_000_000);
      trackingMillisTotal.addAndGet(trackingMillis);
      if (tracked != null) {
        LOG.info("Stream {} batch {}: {} in {} ms {} (side by side: {}) ({} tracks, {} crossings, {} zone visits, {} untracked frames), "
            + "watermarks {}", stream, batchId, kinds, (System.nanoTime() - started) / 1_000_000, phases.millis(), writes.millis(),
            tracked.tracks().size(),
            tracked.crossings().size(), tracked.visits().size(), tracked.untracked(), watermarks);
      } else {
        LOG.info("Stream {} batch {}: {} in {} ms {} (side by side: {}), watermarks {}", stream, batchId, kinds,
            (System.nanoTime() - started) / 1_000_000, phases.millis(), writes.millis(), watermarks);
      }
    } finally {
      cached.unpersist();
      if (split != null) {
        split.release();
      }
      spark.sparkContext().clearJobGroup();
    }
  }

  /** Since this writer started: {batches, total batch ms, of which tracking ms}. */
  long[] timings() {
    return new long[] {batches.get(), batchMillis.get(), trackingMillisTotal.get()};
  }

  /**
   * The landing times (epoch ms) of the batch's frames at the 5th and 50th percentile and the
   * earliest: the 95th and 50th percentile and the largest latency, once the commit time is known.
   * One small aggregation over the cached batch.
   */
  private static long[] landedPercentiles(Dataset<Row> frames) {
    Row r = frames.filter(col("landed_at").isNotNull())
        .agg(org.apache.spark.sql.functions.percentile_approx(org.apache.spark.sql.functions.unix_millis(col("landed_at")),
                org.apache.spark.sql.functions.array(lit(0.05), lit(0.5)), lit(10000)),
            min("landed_at"))
        .first();
    if (r.isNullAt(0) || r.isNullAt(1)) {
      return null;
    }
    List<Long> p = r.getList(0);
    return new long[] {p.get(0), p.get(1), r.getTimestamp(1).getTime()};
  }

  /** Wall time per phase of one micro-batch, in the order the phases ran. */
  private static final class Phases {
    private final Map<String, Long> millis = new java.util.LinkedHashMap<>();
    private long mark = System.nanoTime();

    /** Ends the phase {@code name} now; the next one starts. */
    void lap(String name) {
      long now = System.nanoTime();
      millis.merge(name, (now - mark) / 1_000_000, Long::sum);
      mark = now;
    }

    Map<String, Long> millis() {
      return java.util.Collections.unmodifiableMap(millis);
    }
  }

  /** Idempotent append: Delta skips it when this stream (this checkpoint) already wrote this batch id to the table. */
  private void append(Dataset<Row> rows, String table, long batchId) {
    io.visionlake.jobs.lake.IdempotentAppend.append(spark, lake.path(table), rows, streamId, batchId, stream + ":" + batchId);
  }

  /**
   * Each camera's latest capture time (ms) in this stream's batches before {@code batchId}: from the
   * state the previous batch recorded ({@link CameraWatermarks}). A checkpoint an earlier version
   * wrote has progress but no state: then, once, the maxima are derived from its {@code frames} rows.
   */
  private Map<String, Long> maximaBefore(long batchId, CameraWatermarks.State state) {
    if (state != null) {
      return state.maxCaptured();
    }
    boolean earlierBatches = batchId > 0 && (batchId != Long.MAX_VALUE || hasProgress());
    if (!earlierBatches || !lake.exists(spark, Lake.FRAMES)) {
      return Map.of();
    }
    Dataset<Row> frames = lake.table(spark, Lake.FRAMES).toDF();
    Map<String, Long> maxima = new java.util.TreeMap<>();
    frames.filter(own(frames).and(col("batch_id").lt(batchId)))
        .groupBy("camera_id").agg(max("captured_at")).collectAsList()
        .forEach(r -> maxima.put(r.getString(0), r.getTimestamp(1).getTime()));
    return maxima;
  }

  /** Whether Spark has committed a batch in this checkpoint (a restart, not a new stream). */
  private boolean hasProgress() {
    try {
      org.apache.hadoop.fs.Path commits = new org.apache.hadoop.fs.Path(options.checkpoint(), "commits");
      return commits.getFileSystem(spark.sessionState().newHadoopConf()).exists(commits);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot read the checkpoint " + options.checkpoint(), e);
    }
  }

  private Map<String, Instant> watermarksOf(Map<String, Long> maxima) {
    Map<String, Instant> w = new java.util.TreeMap<>();
    watermarkMillis(maxima).forEach((camera, millis) -> w.put(camera, Instant.ofEpochMilli(millis)));
    return java.util.Collections.unmodifiableMap(w);
  }

  /** Each camera's watermark (epoch ms) given its latest capture time: that time minus {@code --watermark}. */
  private Map<String, Long> watermarkMillis(Map<String, Long> maxima) {
    Map<String, Long> w = new java.util.TreeMap<>();
    maxima.forEach((camera, max) -> w.put(camera, max - options.watermarkDelaySeconds() * 1000));
    return w;
  }

  /** The row's camera's entry of {@code millisByCamera} as a timestamp; null for a camera without one. */
  private static Column byCamera(Map<String, Long> millisByCamera) {
    if (millisByCamera.isEmpty()) {
      return lit(null).cast(DataTypes.TimestampType);
    }
    List<Column> entries = new ArrayList<>();
    millisByCamera.forEach((camera, millis) -> {
      entries.add(lit(camera));
      entries.add(lit(new Timestamp(millis)));
    });
    return org.apache.spark.sql.functions.element_at(org.apache.spark.sql.functions.map(entries.toArray(new Column[0])), col("camera_id"));
  }

  private Map<String, Long> watermarkMillis() {
    Map<String, Long> m = new java.util.TreeMap<>();
    watermarks.forEach((camera, w) -> m.put(camera, w.toEpochMilli()));
    return m;
  }

  /**
   * This stream's rows of a stream table. Other streams may write the same lake (with the same
   * query name, even), and their batch ids overlap this one's. Rows written before {@code stream_id}
   * existed have none (the column may not exist yet): they belong to a legacy checkpoint by name.
   */
  private Column own(Dataset<Row> table) {
    boolean hasId = Arrays.asList(table.columns()).contains("stream_id");
    Column byId = hasId ? col("stream_id").equalTo(streamId) : lit(false);
    if (!options.legacyId()) {
      return byId;
    }
    return byId.or(col("stream").equalTo(stream).and(hasId ? col("stream_id").isNull() : lit(true)));
  }

  /** How a windowed table is computed from the frames of the days concerned and the time range touched. */
  private interface WindowCounts {
    Dataset<Row> of(Dataset<Row> frames, Timestamp from, Timestamp to, String windowDuration);
  }

  /** This lake's faces of frames captured between {@code from} and {@code to} (by partition, then time). */
  private Dataset<Row> facesBetween(Timestamp from, Timestamp to) {
    Dataset<Row> all = lake.table(spark, Lake.FACES).toDF();
    return all.filter(col("day").between(utcDate(from), utcDate(to)).and(col("camera_id").isNotNull())
        .and(col("captured_at").geq(from)).and(col("captured_at").lt(to)));
  }

  private static Date utcDate(Timestamp t) {
    return Date.valueOf(t.toInstant().atZone(java.time.ZoneOffset.UTC).toLocalDate());
  }

  /** The batch's crossings as the windows count them. */
  private static List<OpenWindows.Crossing> crossings(List<CameraTracking.Crossing> crossings) {
    List<OpenWindows.Crossing> out = new ArrayList<>(crossings.size());
    crossings.forEach(c -> out.add(new OpenWindows.Crossing(c.camera(), c.label(), c.at(), "in".equals(c.direction()))));
    return out;
  }

  /** Per camera, each track's class (fixed when the track is confirmed) of the tracks the batch saw. */
  private static Map<String, Map<Integer, String>> trackLabels(List<CameraTracking.TrackRow> tracks) {
    Map<String, Map<Integer, String>> labels = new java.util.HashMap<>();
    tracks.forEach(t -> labels.computeIfAbsent(t.camera(), c -> new java.util.HashMap<>()).put(t.trackId(), t.label()));
    return labels;
  }

  /**
   * The windows not final yet after the batch before {@code batchId}: from its state. A checkpoint
   * an earlier version wrote has no windows in its state: then, once, each camera's open windows
   * (from the window holding its watermark on) are recomputed from this stream's rows of {@code
   * frames}, {@code tracks} and {@code line_crossings} of earlier batches.
   */
  private OpenWindows openWindows(CameraWatermarks.State prior, long batchId, Map<String, Long> before) {
    if (prior != null && prior.windows() != null) {
      return OpenWindows.fromJson(options.windowSeconds(), prior.windows().path("open"));
    }
    OpenWindows windows = new OpenWindows(options.windowSeconds());
    if (before.isEmpty() || !lake.exists(spark, Lake.FRAMES)) {
      return windows;
    }
    Map<String, Long> starts = new java.util.TreeMap<>();
    watermarkMillis(before).forEach((camera, watermark) -> starts.put(camera, windows.windowStart(watermark)));
    Timestamp from = new Timestamp(starts.values().stream().min(Long::compare).orElseThrow());
    Column cameras = col("camera_id").isin(starts.keySet().toArray());
    Dataset<Row> frames = lake.table(spark, Lake.FRAMES).toDF();
    List<OpenWindows.Frame> seen = OpenWindows.frames(frames.filter(own(frames).and(cameras).and(col("batch_id").lt(batchId))
        .and(col("capture_date").geq(utcDate(from))).and(col("captured_at").geq(from))));
    seen.removeIf(f -> f.capturedAt() < starts.get(f.camera()));
    Map<String, Map<Integer, String>> labels = new java.util.HashMap<>();
    List<OpenWindows.Crossing> crossed = new ArrayList<>();
    if (lake.exists(spark, Lake.TRACKS)) {
      Dataset<Row> t = lake.table(spark, Lake.TRACKS).toDF();
      t.filter(own(t).and(cameras).and(col("last_seen").geq(from))).select("camera_id", "track_id", "label").collectAsList()
          .forEach(r -> labels.computeIfAbsent(r.getString(0), c -> new java.util.HashMap<>()).put(r.getInt(1), r.getString(2)));
    }
    if (lake.exists(spark, Lake.LINE_CROSSINGS)) {
      Dataset<Row> c = lake.table(spark, Lake.LINE_CROSSINGS).toDF();
      c.filter(own(c).and(cameras).and(col("batch_id").lt(batchId)).and(col("crossed_at").geq(from)))
          .select("camera_id", "label", "crossed_at", "direction").collectAsList()
          .forEach(r -> {
            if (r.getTimestamp(2).getTime() >= starts.get(r.getString(0))) {
              crossed.add(new OpenWindows.Crossing(r.getString(0), r.getString(1), r.getTimestamp(2).getTime(), "in".equals(r.getString(3))));
            }
          });
    }
    windows.add(seen, crossed, labels);
    LOG.info("Stream {} batch {}: open windows recomputed once from the lake's tables (a checkpoint of an earlier version): {} frames",
        stream, batchId, seen.size());
    return windows;
  }

  /** The state's record of the windows: the open ones and where each table's files stand. */
  private static com.fasterxml.jackson.databind.JsonNode windowsState(OpenWindows windows, OpenTracks tracks,
      Map<String, WindowFiles.Left> files) {
    com.fasterxml.jackson.databind.node.ObjectNode json = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    json.set("open", windows.toJson());
    if (tracks != null) {
      json.set("tracks", tracks.toJson());
    }
    com.fasterxml.jackson.databind.node.ObjectNode tables = json.putObject("files");
    files.forEach((table, left) -> {
      if (left != null) {
        com.fasterxml.jackson.databind.node.ObjectNode t = tables.putObject(table).put("version", left.version());
        left.openPaths().forEach(t.putArray("open_paths")::add);
        left.openActions().forEach(t.putArray("open_files")::add);
      }
    });
    return json;
  }

  /**
   * The stream's tracks not ended after the batch before {@code batchId}: from its state; a
   * checkpoint of an earlier version (no tracks in its state) has them read once from {@code tracks}.
   */
  private OpenTracks openTracks(CameraWatermarks.State prior, long batchId) {
    if (prior != null && prior.windows() != null && prior.windows().has("tracks")) {
      return OpenTracks.fromJson(prior.windows().get("tracks"));
    }
    OpenTracks open = new OpenTracks();
    if ((prior != null || batchId > 0) && lake.exists(spark, Lake.TRACKS)) {
      Dataset<Row> t = lake.table(spark, Lake.TRACKS).toDF();
      open.addAll(t.filter(own(t).and(col("ended").equalTo(false)))
          .select(Arrays.stream(Lake.TRACKS_SCHEMA.fieldNames()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
          .collectAsList());
    }
    return open;
  }

  /** This stream's tracks rows not ended (all in the state), from the earliest first_seen among them on. */
  private WindowFiles.Region tracksRegion(OpenTracks.Written rows) {
    long from = Long.MAX_VALUE;
    for (List<Row> list : List.of(rows.ended(), rows.open())) {
      for (Row r : list) {
        from = Math.min(from, r.getTimestamp(Lake.TRACKS_SCHEMA.fieldIndex("first_seen")).getTime());
      }
    }
    return from == Long.MAX_VALUE ? null
        : new WindowFiles.Region("stream_id = " + Lake.sqlString(streamId) + " AND ended = false", "last_seen", from);
  }

  /** Where each table's files stood after the state's batch (empty: unknown). */
  private static Map<String, WindowFiles.Left> filesOf(CameraWatermarks.State state) {
    Map<String, WindowFiles.Left> files = new java.util.TreeMap<>();
    if (state == null || state.windows() == null) {
      return files;
    }
    state.windows().path("files").fields().forEachRemaining(e -> {
      List<String> paths = new ArrayList<>();
      e.getValue().path("open_paths").forEach(p -> paths.add(p.asText()));
      List<String> actions = new ArrayList<>();
      e.getValue().path("open_files").forEach(p -> actions.add(p.asText()));
      files.put(e.getKey(), new WindowFiles.Left(e.getValue().path("version").asLong(), paths, actions));
    });
    return files;
  }

  /**
   * One MERGE per batch for {@code face_sightings}: recomputes from {@code faces} every (camera,
   * window) the batch's frames fall in and every window the watermark has just passed (it turns
   * final), and MERGEs the result. Marking windows final in the same MERGE, not a separate UPDATE, is one Delta
   * commit less per table and batch: a commit on a small table costs about a second here, which
   * is most of a micro-batch's fixed cost.
   */
  private void refreshWindows(Dataset<Row> batchFrames, Timestamp now, String table, String mergeCondition, WindowCounts counts) {
    String duration = options.windowSeconds() + " seconds";
    Column passed = col("window_end").leq(byCamera(watermarkMillis()));
    // Windows not final yet whose camera's watermark has passed their end: few (the last window or
    // two per camera); files holding only final windows are skipped by Delta's column statistics.
    Dataset<Row> turning = watermarks.isEmpty() ? null
        : lake.table(spark, table).toDF().filter(col("final").equalTo(false).and(passed));
    Dataset<Row> touched = batchFrames
        .select(col("camera_id"), window(col("captured_at"), duration).getField("start").as("window_start"));
    if (turning != null) {
      touched = touched.union(turning.select("camera_id", "window_start"));
    }
    touched = touched.distinct().persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row range = touched.agg(min("window_start"), max("window_start")).first();
      if (range.isNullAt(0)) {
        return; // no frame and no window to finalise: no commit
      }
      Date from = Date.valueOf(range.getTimestamp(0).toInstant().atZone(java.time.ZoneOffset.UTC).toLocalDate());
      Date to = Date.valueOf(range.getTimestamp(1).toInstant().plusSeconds(options.windowSeconds()).atZone(java.time.ZoneOffset.UTC).toLocalDate());
      Timestamp rangeEnd = Timestamp.from(range.getTimestamp(1).toInstant().plusSeconds(options.windowSeconds()));
      // Only the frames of the touched windows' time range: the day partitions, then Delta's
      // captured_at statistics skip the day's other files (each batch appends its own), so a
      // batch reads about what it wrote, not its day's history.
      Dataset<Row> all = lake.table(spark, Lake.FRAMES).toDF().filter(col("capture_date").between(from, to)
          .and(col("captured_at").geq(range.getTimestamp(0))).and(col("captured_at").lt(rangeEnd)));
      Dataset<Row> windows = counts.of(all, range.getTimestamp(0), rangeEnd, duration)
          .join(touched, new String[] {"camera_id", "window_start"}, "left_semi");
      // Each camera's windows are final by its own watermark only.
      Dataset<Row> source = windows.withColumn("final", org.apache.spark.sql.functions.coalesce(passed, lit(false)))
          .withColumn("updated_at", lit(now));
      if (turning != null) {
        // A window turning final whose frames are gone (none to recompute it from) keeps its
        // counts and is marked final all the same.
        Dataset<Row> kept = turning.join(windows.select("camera_id", "window_start").distinct(),
                new String[] {"camera_id", "window_start"}, "left_anti")
            .withColumn("final", lit(true)).withColumn("updated_at", lit(now));
        source = source.unionByName(kept.select(Arrays.stream(source.columns()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new)));
      }
      // The range in the condition lets the MERGE skip the table's files of other times (window_start statistics).
      String inRange = String.format(java.util.Locale.ROOT, " AND t.window_start >= timestamp_millis(%d) AND t.window_start <= timestamp_millis(%d)",
          range.getTimestamp(0).getTime(), range.getTimestamp(1).getTime());
      lake.table(spark, table).as("t")
          .merge(source.as("s"), mergeCondition + inRange)
          .whenMatched().updateAll()
          .whenNotMatched().insertAll()
          .execute();
    } finally {
      touched.unpersist();
    }
  }

}
