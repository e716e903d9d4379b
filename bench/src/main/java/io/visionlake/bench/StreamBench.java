package io.visionlake.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code stream} workload: what a micro-batch costs beside its inference, whether that cost
 * grows with the lake's history, and how fresh the counts are at a fixed landing rate.
 * <ul>
 *   <li>history ratio: one micro-batch of the same frames (two cameras, {@code objects}) into a
 *       lake that holds only two earlier batches, and into the same lake where 100x the first
 *       batch's rows were added to every stream table between the two (earlier hours of the same
 *       day and earlier days, one file per copy, as a long-running stream leaves them). Each run
 *       twice, alternating; the faster of each kind counts. The ratio is history / fresh of the
 *       batch's time in the sink. The batch after the copies (another writer's commits) is
 *       reported apart ({@code after_foreign_commit_ms}): it rewrites the stream's open windows in
 *       full, as after a backfill or {@code maintain};
 *   <li>fixed cost: the measured batch's time outside scoring and tracking (appends, state, the
 *       windows' files and commits), from {@code stream_metrics.phase_ms};
 *   <li>live: cameras landing frames at a fixed rate (files written now, so {@code landed_at} is
 *       the real landing time) through {@code --trigger 5s} for a while: sustained frames/s,
 *       end-to-end latency p50/p95 over the batches, files per table per micro-batch.
 * </ul>
 */
final class StreamBench {
  static final String NAME = "stream";
  static final DateTimeFormatter FILE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(ZoneOffset.UTC);
  static final int HISTORY = 100;

  private StreamBench() {}

  static Map<String, Object> run(SparkSession spark, Path home, Path work, int batchFrames, int liveSeconds, double liveFps,
      int simulatedMinutes, int maintainMinutes, boolean history) throws Exception {
    List<Path> frames;
    try (Stream<Path> s = Files.list(home.resolve("data/samples/cameras"))) {
      frames = s.filter(p -> p.getFileName().toString().endsWith(".jpg")).sorted().collect(Collectors.toList());
    }
    if (frames.size() < 3 * batchFrames) {
      throw new IllegalStateException("Need " + 3 * batchFrames + " vtest frames under data/samples/cameras: run scripts/setup");
    }
    Map<String, Object> r = new LinkedHashMap<>();
    if (history) {
      history(spark, work, frames, batchFrames, r);
    }
    if (liveSeconds > 0) {
      r.put("live", live(spark, work.resolve("stream-live"), frames, liveSeconds, liveFps));
    }
    if (simulatedMinutes > 0) {
      r.put("simulated", simulated(spark, work.resolve("stream-simulated"), frames, simulatedMinutes, liveFps,
          maintainMinutes));
    }
    return r;
  }

  /** The history ratio and a first batch's fixed cost (see the class comment), into {@code r}. */
  private static void history(SparkSession spark, Path work, List<Path> frames, int batchFrames, Map<String, Object> r) throws Exception {
    Instant seed = Instant.parse("2024-05-10T20:00:00Z");
    Instant measured = seed.plusSeconds(600);
    // Warm-up: model loads, JIT, Delta's first commits.
    oneBatch(spark, InferenceBench.fresh(work.resolve("stream-warmup")), frames.subList(0, batchFrames), seed, "warmup", batchFrames);

    List<Long> fresh = new ArrayList<>();
    List<Long> history = new ArrayList<>();
    List<Long> afterForeign = new ArrayList<>();
    Map<String, Long> phasesFresh = null;
    for (int attempt = 0; attempt < 2; attempt++) {
      for (boolean withHistory : new boolean[] {false, true}) {
        Path dir = InferenceBench.fresh(work.resolve("stream-" + (withHistory ? "history" : "fresh")));
        // The lake's past: one real batch, then (for the history lake) 100 copies of its rows at earlier times.
        oneBatch(spark, dir, frames.subList(0, batchFrames), seed, "seed", batchFrames);
        if (withHistory) {
          addHistory(spark, dir.resolve("lake"), HISTORY);
        }
        // One more batch of the stream, on both lakes: a stream that has run for months wrote its
        // history itself, so its tables stand as its last batch left them; the history copies were
        // another writer's commits, after which a stream's first batch rewrites its open windows
        // in full (the general path, timed apart as after_foreign_commit_ms).
        Row caughtUp = oneBatch(spark, dir, frames.subList(2 * batchFrames, 3 * batchFrames), seed.plusSeconds(300), "catch-up",
            batchFrames);
        if (withHistory) {
          afterForeign.add(caughtUp.getLong(caughtUp.fieldIndex("duration_ms")));
        }
        Row m = oneBatch(spark, dir, frames.subList(batchFrames, 2 * batchFrames), measured, "measured", batchFrames);
        long sink = m.getLong(m.fieldIndex("duration_ms"));
        (withHistory ? history : fresh).add(sink);
        if (!withHistory) {
          phasesFresh = m.getJavaMap(m.fieldIndex("phase_ms"));
        }
        System.err.printf(Locale.ROOT, "[bench] stream: %s lake, batch of %d frames: %d ms %s%n", withHistory ? HISTORY + "x history" : "fresh",
            batchFrames, sink, m.getJavaMap(m.fieldIndex("phase_ms")));
      }
    }
    long bestFresh = fresh.stream().mapToLong(Long::longValue).min().orElseThrow();
    long bestHistory = history.stream().mapToLong(Long::longValue).min().orElseThrow();
    r.put("batch_frames", batchFrames);
    r.put("batch_ms_fresh", fresh);
    r.put("batch_ms_history_" + HISTORY + "x", history);
    r.put("history_ratio", InferenceBench.round((double) bestHistory / bestFresh));
    r.put("after_foreign_commit_ms", afterForeign);
    long inference = phasesFresh.getOrDefault("score", 0L) + phasesFresh.getOrDefault("tracking", 0L);
    long total = phasesFresh.values().stream().mapToLong(Long::longValue).sum();
    r.put("phase_ms_fresh", phasesFresh);
    r.put("fixed_cost_ms", total - inference);
    System.err.printf(Locale.ROOT, "[bench] stream: history ratio %.2f (best %d ms with %dx history vs %d ms fresh); fixed cost per batch %d ms "
        + "(of %d ms; scoring and tracking %d ms)%n", (double) bestHistory / bestFresh, bestHistory, HISTORY, bestFresh, total - inference,
        total, inference);

  }

  /** Lands {@code batch} as two cameras at {@code t0} under {@code dir}/landing and streams it as one micro-batch; returns its metrics row. */
  private static Row oneBatch(SparkSession spark, Path dir, List<Path> batch, Instant t0, String tag, int maxPerTrigger) throws Exception {
    // One landing folder and checkpoint per lake: the measured batch continues the stream the seed batch began.
    Path landing = dir.resolve("landing");
    for (int i = 0; i < batch.size(); i++) {
      Path cam = Files.createDirectories(landing.resolve("camera=" + (i % 2 == 0 ? "north" : "south")));
      Files.copy(batch.get(i), cam.resolve(FILE.format(t0.plusMillis(200L * (i / 2))) + ".jpg"));
    }
    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing,
            dir.resolve("lake").toString(), dir.resolve("checkpoint").toString())
        .trigger("available-now").analyzers("objects").window("10s").maxPerTrigger(maxPerTrigger).queryName("bench"));
    h.awaitTermination();
    if (h.batchRows().size() != 1) {
      throw new IllegalStateException("The " + tag + " frames took " + h.batchRows().size() + " micro-batches, not one");
    }
    // The batch just written: the latest commit (history copies are dated earlier).
    return spark.read().format("delta").load(dir.resolve("lake").resolve(Lake.STREAM_METRICS).toString())
        .orderBy(col("committed_at").desc()).first();
  }

  /**
   * Adds {@code copies} copies of every stream table's rows, each copy {@code k} shifted {@code k}
   * x 20 minutes earlier (the same day first, then the days before) and written as its own file, as
   * months of micro-batches leave a lake; batch ids shifted so they do not collide. Not {@code
   * stream_metrics}: no batch reads it, and its batch ids tell the stream which rows it wrote.
   */
  private static void addHistory(SparkSession spark, Path lake, int copies) {
    Map<String, List<String>> times = new LinkedHashMap<>();
    times.put(Lake.FRAMES, List.of("captured_at", "landed_at", "processed_at"));
    times.put(Lake.FLOW_COUNTS, List.of("window_start", "window_end", "updated_at"));
    times.put(Lake.OBJECT_COUNTS, List.of("window_start", "window_end", "updated_at"));
    times.put(Lake.TRACKS, List.of("first_seen", "last_seen"));
    times.put(Lake.LINE_CROSSINGS, List.of("crossed_at"));
    Dataset<Row> k = spark.range(1, copies + 1).toDF("k");
    times.forEach((table, columns) -> {
      Path path = lake.resolve(table);
      if (!Files.isDirectory(path)) {
        return;
      }
      Dataset<Row> rows = spark.read().format("delta").load(path.toString());
      List<String> present = List.of(rows.columns());
      Dataset<Row> copied = rows.crossJoin(k);
      for (String c : columns) {
        if (present.contains(c)) {
          copied = copied.withColumn(c, expr(c + " - make_dt_interval(0, 0, 20 * k, 0)"));
        }
      }
      if (present.contains("capture_date")) {
        copied = copied.withColumn("capture_date", expr("to_date(captured_at)"));
      }
      if (present.contains("batch_id")) {
        copied = copied.withColumn("batch_id", col("batch_id").plus(col("k").multiply(lit(1000L))));
      }
      copied.repartition(copies, col("k")).drop("k").write().format("delta").mode("append").save(path.toString());
    });
  }

  /**
   * Two cameras land frames at {@code fps} in all for {@code seconds} (written now, renamed into
   * place like scripts/replay-camera) while the stream runs with {@code --trigger 5s}; then the
   * query stops and {@code stream_metrics} tells the rest.
   */
  private static Map<String, Object> live(SparkSession spark, Path work, List<Path> frames, int seconds, double fps) throws Exception {
    Path dir = InferenceBench.fresh(work);
    Path landing = Files.createDirectories(dir.resolve("landing"));
    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing,
            dir.resolve("lake").toString(), dir.resolve("checkpoint").toString())
        .trigger("5s").analyzers("objects").window("10s").queryName("bench-live"));
    long start = System.nanoTime();
    long periodNanos = (long) (1e9 / fps);
    int n = 0;
    while (System.nanoTime() - start < seconds * 1_000_000_000L) {
      long due = start + n * periodNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      Path cam = Files.createDirectories(landing.resolve("camera=" + (n % 2 == 0 ? "north" : "south")));
      Path tmp = cam.resolve(".landing-" + n);
      Files.copy(frames.get(n % frames.size()), tmp);
      Files.move(tmp, cam.resolve(FILE.format(Instant.now()) + "-" + n + ".jpg"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      n++;
    }
    // Let the stream take what landed last, then stop it.
    long landed = n;
    long deadline = System.currentTimeMillis() + 120_000;
    while (h.batchRows().stream().mapToLong(Long::longValue).sum() < landed && System.currentTimeMillis() < deadline) {
      Thread.sleep(500);
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    h.stop();
    Dataset<Row> m = spark.read().format("delta").load(dir.resolve("lake").resolve(Lake.STREAM_METRICS).toString()).filter("frames > 0");
    Row agg = m.agg(expr("sum(frames)"), expr("count(*)"), expr("percentile(latency_p50_ms, 0.5)"), expr("percentile(latency_p95_ms, 0.95)"),
        expr("avg(duration_ms)")).first();
    long taken = agg.getLong(0);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("landing_fps", fps);
    r.put("seconds", seconds);
    r.put("frames_landed", landed);
    r.put("frames_taken", taken);
    r.put("sustained_fps", InferenceBench.round(taken / elapsed));
    r.put("micro_batches", agg.getLong(1));
    r.put("latency_p50_ms", Math.round(agg.getDouble(2)));
    r.put("latency_p95_ms", Math.round(agg.getDouble(3)));
    r.put("avg_batch_ms", Math.round(agg.getDouble(4)));
    // The steady state's fixed cost: each batch's time outside scoring and tracking, the first batch (model loads) aside.
    List<Long> fixed = new ArrayList<>();
    for (Row b : m.orderBy("batch_id").collectAsList().stream().skip(1).toList()) {
      Map<String, Long> phases = b.getJavaMap(b.fieldIndex("phase_ms"));
      fixed.add(phases.values().stream().mapToLong(Long::longValue).sum() - phases.getOrDefault("score", 0L)
          - phases.getOrDefault("tracking", 0L));
    }
    java.util.Collections.sort(fixed);
    r.put("fixed_cost_ms_steady", fixed);
    r.put("fixed_cost_ms_steady_median", fixed.isEmpty() ? null : fixed.get(fixed.size() / 2));
    Map<String, Integer> files = files(spark, dir.resolve("lake"), Lake.FRAMES, Lake.FLOW_COUNTS, Lake.OBJECT_COUNTS, Lake.TRACKS,
        Lake.STREAM_METRICS);
    r.put("files_per_table", files);
    long batches = agg.getLong(1);
    System.err.printf(Locale.ROOT, "[bench] stream live: %d frames landed at %.1f fps over %d s, %d taken = %.2f fps sustained in %d "
            + "micro-batches (avg %d ms, fixed cost median %s ms of %s); latency p50 %.1f s, p95 %.1f s; files %s (per batch: frames %.2f)%n",
        landed, fps, seconds, taken, taken / elapsed, batches, Math.round(agg.getDouble(4)), r.get("fixed_cost_ms_steady_median"), fixed,
        agg.getDouble(2) / 1000, agg.getDouble(3) / 1000, files,
        batches == 0 ? 0.0 : files.getOrDefault(Lake.FRAMES, 0) / (double) batches);
    return r;
  }

  /** maintain.settledMinutes of the simulated run, in wall minutes (see {@link #simulated}). */
  static final long SIMULATED_SETTLED_MINUTES = 1;
  /** The live workload's trigger, in seconds: a simulated micro-batch holds this many seconds of frames. */
  static final int TRIGGER_SECONDS = 5;

  /**
   * What an hour (or {@code minutes}) of a stream leaves in the lake: two cameras' frames at {@code
   * fps} in all, captured over {@code minutes} of camera time, landed up front (landing times in
   * capture order) and taken {@link #TRIGGER_SECONDS} seconds of frames per micro-batch, back to
   * back, as a {@code --trigger 5s} stream at that rate would take them. A scheduled {@code
   * maintain} (default retention) runs beside the stream every {@code maintainMinutes}
   * simulated minutes (0: never), as it would in production. Reports the files per table before and after
   * each maintain and at the end, and the files the stream added in all (what a lake without
   * maintenance would hold). Latency is not measured here: every frame landed before the stream
   * started.
   */
  private static Map<String, Object> simulated(SparkSession spark, Path work, List<Path> frames, int minutes, double fps,
      int maintainMinutes) throws Exception {
    Path dir = InferenceBench.fresh(work);
    Path landing = dir.resolve("landing");
    int count = (int) Math.round(minutes * 60 * fps);
    int perBatch = (int) Math.round(TRIGGER_SECONDS * fps);
    Instant t0 = Instant.parse("2024-05-10T08:00:00Z");
    long landedBase = System.currentTimeMillis() - count - 60_000L;
    for (int i = 0; i < count; i++) {
      Path cam = Files.createDirectories(landing.resolve("camera=" + (i % 2 == 0 ? "north" : "south")));
      Path f = cam.resolve(FILE.format(t0.plusMillis(Math.round(i * 1000 / fps))) + ".jpg");
      Files.copy(frames.get(i % frames.size()), f);
      // The landing source takes files in landing order: landed as captured.
      Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(landedBase + i));
    }
    Path lakeDir = dir.resolve("lake");
    Lake lake = new Lake(lakeDir.toString());
    long started = System.nanoTime();
    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing,
            lakeDir.toString(), dir.resolve("checkpoint").toString())
        .trigger("available-now").analyzers("objects").window("10s").maxPerTrigger(perBatch).queryName("bench-simulated"));
    int batchesPerMaintain = maintainMinutes > 0 ? maintainMinutes * 60 / TRIGGER_SECONDS : Integer.MAX_VALUE;
    List<Map<String, Object>> maintains = new ArrayList<>();
    int next = batchesPerMaintain;
    while (h.query().isActive()) {
      int done = h.batchRows().size();
      if (done >= next) { // beside the stream, which keeps committing while maintain runs
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("after_batches", done);
        m.put("files_before", files(spark, lakeDir));
        long t = System.nanoTime();
        // Settled after one wall minute: the simulation runs about four times faster than the
        // cameras, and the stream's current file is a second old (batches back to back).
        io.visionlake.jobs.ops.MaintainJob.run(spark, lake, 168L, 8, SIMULATED_SETTLED_MINUTES);
        m.put("maintain_s", InferenceBench.round((System.nanoTime() - t) / 1e9));
        m.put("files_after", files(spark, lakeDir));
        System.err.printf(Locale.ROOT, "[bench] stream simulated: maintain after %d batches in %.1f s: files %s -> %s%n", done,
            (System.nanoTime() - t) / 1e9, m.get("files_before"), m.get("files_after"));
        maintains.add(m);
        next = (done / batchesPerMaintain + 1) * batchesPerMaintain;
      }
      Thread.sleep(200);
    }
    h.awaitTermination();
    double wall = (System.nanoTime() - started) / 1e9;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("simulated_minutes", minutes);
    r.put("frames", count);
    r.put("frames_per_batch", perBatch);
    r.put("micro_batches", h.batchRows().size());
    r.put("frames_taken", table(spark, lakeDir, Lake.FRAMES).count());
    r.put("wall_s", InferenceBench.round(wall));
    r.put("maintain_every_minutes", maintainMinutes);
    r.put("maintains", maintains);
    Map<String, Integer> end = files(spark, lakeDir);
    r.put("files_per_table", end);
    Map<String, Long> added = new LinkedHashMap<>();
    for (String t : end.keySet()) { // every file the stream's commits added: what the table would hold with no maintain
      String[] commits;
      try (Stream<Path> l = Files.list(lakeDir.resolve(t).resolve("_delta_log"))) {
        commits = l.map(Path::toString).filter(n -> n.endsWith(".json")).toArray(String[]::new);
      }
      Dataset<Row> log = spark.read().json(commits)
          .withColumn("commit", org.apache.spark.sql.functions.input_file_name());
      Dataset<Row> ops = log.where("commitInfo IS NOT NULL").selectExpr("commit", "commitInfo.operation AS operation");
      added.put(t, !List.of(log.columns()).contains("add") ? 0L
          : log.where("add IS NOT NULL").join(ops, "commit").where("operation <> 'OPTIMIZE'").count());
    }
    r.put("files_added_by_stream", added);
    System.err.printf(Locale.ROOT, "[bench] stream simulated: %d min of 2 cameras at %.1f fps = %d frames in %d micro-batches of %d (%.0f s wall);"
        + " files per table at the end %s (maintain every %d min); files the stream added in all %s%n", minutes, fps, count,
        h.batchRows().size(), perBatch, wall, end, maintainMinutes, added);
    return r;
  }

  private static Dataset<Row> table(SparkSession spark, Path lake, String name) {
    return spark.read().format("delta").load(lake.resolve(name).toString());
  }

  /** Files per stream table (those present) of the latest version. */
  private static Map<String, Integer> files(SparkSession spark, Path lake) {
    return files(spark, lake, Lake.FRAMES, Lake.FLOW_COUNTS, Lake.OBJECT_COUNTS, Lake.TRACKS, Lake.LINE_CROSSINGS, Lake.STREAM_METRICS);
  }

  /** Files of each of {@code tables} present in {@code lake}, at its latest version. */
  private static Map<String, Integer> files(SparkSession spark, Path lake, String... tables) {
    Map<String, Integer> files = new LinkedHashMap<>();
    for (String t : tables) {
      if (Files.isDirectory(lake.resolve(t).resolve("_delta_log"))) {
        files.put(t, table(spark, lake, t).inputFiles().length);
      }
    }
    return files;
  }
}
