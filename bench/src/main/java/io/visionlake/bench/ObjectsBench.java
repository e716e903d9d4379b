package io.visionlake.bench;

import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.analyze.ObjectsAnalyzer;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
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
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code objects} workload (issue: the stream end to end against the raw detector): on the
 * vtest.avi frames of {@code data/samples/cameras},
 * <ul>
 *   <li>the raw detector loop (decode + CenterNet + post-processing, {@link ObjectsAnalyzer#detect})
 *       in its best layout on the machine's cores: one detector with all cores as TensorFlow
 *       intra-op threads, or one detector per core with one thread each; the faster is the limit;
 *   <li>the stream end to end: the frames landed as two cameras, {@code scripts/submit stream
 *       --analyzers objects --trigger available-now} into a fresh lake, after a warm-up stream (model
 *       load and JIT), frames per second of wall time;
 *   <li>their ratio, and the tracker's share of the stream's micro-batch time;
 *   <li>what tracking changes in the counts: person detections summed per frame against distinct
 *       person tracks per window.
 * </ul>
 */
public final class ObjectsBench {
  static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(ZoneOffset.UTC);

  private ObjectsBench() {}

  static Map<String, Object> run(SparkSession spark, Path home, Path work, int frames, int cores) throws Exception {
    List<Path> all;
    try (Stream<Path> s = Files.list(home.resolve("data/samples/cameras"))) {
      all = s.filter(p -> p.getFileName().toString().endsWith(".jpg")).sorted().collect(Collectors.toList());
    }
    if (all.isEmpty()) {
      throw new IllegalStateException("No vtest frames under " + home.resolve("data/samples/cameras") + ": run scripts/setup");
    }
    List<byte[]> bytes = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      bytes.add(Files.readAllBytes(all.get(i % all.size())));
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("frames", frames);
    double oneWide = raw(bytes, 1, cores);
    double perCore = cores > 1 ? raw(bytes, cores, 1) : oneWide;
    double best = Math.max(oneWide, perCore);
    r.put("raw_1x" + cores + "_fps", InferenceBench.round(oneWide));
    r.put("raw_" + cores + "x1_fps", InferenceBench.round(perCore));
    r.put("raw_best_fps", InferenceBench.round(best));
    System.err.printf(Locale.ROOT, "[bench] objects raw: 1 detector x %d threads %.2f fps · %d detectors x 1 thread %.2f fps%n",
        cores, oneWide, cores, perCore, best);

    stream(spark, all.subList(0, Math.min(8, all.size())), work.resolve("objects-warmup"));
    Path dir = InferenceBench.fresh(work.resolve("objects-stream"));
    List<Path> landed = new ArrayList<>();
    Instant t0 = Instant.parse("2024-05-01T08:00:00Z");
    for (int i = 0; i < frames; i++) {
      String camera = i % 2 == 0 ? "north" : "south";
      Path cam = Files.createDirectories(dir.resolve("landing/camera=" + camera));
      landed.add(Files.write(cam.resolve(NAME.format(t0.plusMillis(200L * (i / 2))) + ".jpg"), bytes.get(i)));
    }
    long start = System.nanoTime();
    long[] timings = stream(spark, null, dir);
    double seconds = (System.nanoTime() - start) / 1e9;
    double streamFps = frames / seconds;
    r.put("stream_fps", InferenceBench.round(streamFps));
    r.put("stream_over_raw", InferenceBench.round(streamFps / best));
    r.put("micro_batches", timings[0]);
    r.put("tracker_share_of_batches", InferenceBench.round((double) timings[2] / Math.max(1, timings[1])));
    System.err.printf(Locale.ROOT, "[bench] objects stream: %d frames in %.1f s = %.2f fps (%.2fx the raw limit); %d micro-batches, "
        + "tracking %d of %d ms%n", frames, seconds, streamFps, streamFps / best, timings[0], timings[2], timings[1]);
    // What tracking changes for an analyst: people per window as distinct tracks, not summed boxes.
    org.apache.spark.sql.Row flows = spark.read().format("delta").load(dir.resolve("lake/flow_counts").toString())
        .agg(org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)),
            org.apache.spark.sql.functions.sum("people_detections"), org.apache.spark.sql.functions.sum("people"))
        .first();
    long personTracks = spark.read().format("delta").load(dir.resolve("lake/tracks").toString())
        .filter("label = 'person'").count();
    r.put("windows", flows.getLong(0));
    r.put("person_detections", flows.getLong(1));
    r.put("person_tracks_per_window_sum", flows.getLong(2));
    r.put("person_tracks", personTracks);
    System.err.printf(Locale.ROOT, "[bench] objects stream: %d windows of 10 s: %d person detections (summed per frame), %d distinct person "
        + "tracks per window (summed over windows), %d person tracks in all%n", flows.getLong(0), flows.getLong(1), flows.getLong(2), personTracks);
    return r;
  }

  /** Frames/s of {@code detectors} threads, each with its own analyser of {@code threads} TensorFlow threads. */
  private static double raw(List<byte[]> bytes, int detectors, int threads) throws Exception {
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int t = 0; t < detectors; t++) {
      int first = t;
      ObjectsAnalyzer analyzer = new ObjectsAnalyzer(Map.of("threads", Integer.toString(threads),
          Analyzers.HOME_OPTION, io.visionlake.udfs.model.ModelCatalog.fromEnvironment().home().toString()));
      ImageDecoder decoder = new ImageDecoder();
      try (DecodedImage warm = decoder.decode(bytes.get(0))) {
        analyzer.detect(warm.mat(), warm.reduction()); // model load and first run outside the clock
      }
      tasks.add(() -> {
        int n = 0;
        for (int i = first; i < bytes.size(); i += detectors) {
          try (DecodedImage img = decoder.decode(bytes.get(i), 512, 512)) {
            analyzer.detect(img.mat(), img.reduction());
          }
          n++;
        }
        return n;
      });
    }
    return InferenceBench.itemsPerSecond(tasks);
  }

  /** Streams {@code dir}/landing (or {@code warmup} frames copied there) once, available-now; returns the writer's timings. */
  private static long[] stream(SparkSession spark, List<Path> warmup, Path dir) throws Exception {
    if (warmup != null) {
      InferenceBench.fresh(dir);
      Path cam = Files.createDirectories(dir.resolve("landing/camera=warmup"));
      Instant t0 = Instant.parse("2024-05-01T07:00:00Z");
      for (int i = 0; i < warmup.size(); i++) {
        Files.copy(warmup.get(i), cam.resolve(NAME.format(t0.plusMillis(200L * i)) + ".jpg"));
      }
    }
    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + dir.resolve("landing"),
        dir.resolve("lake").toString(), dir.resolve("checkpoint").toString()).trigger("available-now").analyzers("objects").window("10s"));
    h.awaitTermination();
    return h.timings();
  }
}
