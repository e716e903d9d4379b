package io.visionlake.bench;

import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.udfs.analyze.AnalyzerSpec;
import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.ImageInferenceRunner;
import io.visionlake.udfs.inference.ImageResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Speed of one analyser ({@code ocr}, {@code colors}, ...) on real images: the opencv-doc photos
 * and text pages of {@code data/samples/photos} and {@code data/samples/text}, repeated to {@code
 * n} files. Two numbers: the analyser alone through the inference path (decode once + analyse,
 * one runner per core, warmed up) and the batch job with {@code --analyzers <name>} end to end
 * into a fresh lake (after a warm-up run, as for the model workloads).
 */
public final class AnalyzerBench {
  private AnalyzerBench() {}

  static Map<String, Object> run(SparkSession spark, String analyzer, Path home, Path work, int n, int cores) throws Exception {
    List<Path> samples;
    try (Stream<Path> photos = Files.list(home.resolve("data/samples/photos"));
        Stream<Path> text = Files.list(home.resolve("data/samples/text"))) {
      samples = Stream.concat(photos, text).sorted().collect(Collectors.toList());
    }
    Path dir = InferenceBench.fresh(work.resolve("analyzer-" + analyzer + "-" + n));
    List<byte[]> bytes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path src = samples.get(i % samples.size());
      Path copy = dir.resolve(String.format(Locale.ROOT, "%04d-%s", i, src.getFileName()));
      Files.copy(src, copy);
      bytes.add(Files.readAllBytes(copy));
    }
    System.err.printf(Locale.ROOT, "[bench] %s: %d images (%d distinct real images)%n", analyzer, n, samples.size());
    AnalyzerSpec spec = Analyzers.resolve(analyzer, Map.of());
    double alone = alone(spec, bytes, cores);
    double job = job(spark, analyzer, dir, work, samples);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("images", n);
    r.put("distinct_images", samples.size());
    r.put("analyzer_img_s", InferenceBench.round(alone));
    r.put("job_img_s", InferenceBench.round(job));
    System.err.printf(Locale.ROOT, "[bench] %s: analyser alone %.1f img/s (%d threads) · batch job --analyzers %s %.1f img/s%n",
        analyzer, alone, cores, analyzer, job);
    return r;
  }

  /** Decode + analyse, one runner per thread, each thread taking every cores-th image. */
  static double alone(AnalyzerSpec spec, List<byte[]> bytes, int cores) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(cores);
    try {
      List<Future<ImageInferenceRunner>> runners = new ArrayList<>();
      for (int t = 0; t < cores; t++) {
        runners.add(pool.submit(() -> {
          ImageInferenceRunner r = new ImageInferenceRunner(null, List.of(spec), DecodeOptions.defaults(), 1, 1);
          r.infer(List.of(bytes.get(0))); // loads models and warms the engine
          return r;
        }));
      }
      List<ImageInferenceRunner> ready = new ArrayList<>();
      for (Future<ImageInferenceRunner> f : runners) {
        ready.add(f.get());
      }
      long start = System.nanoTime();
      List<Future<Integer>> parts = new ArrayList<>();
      for (int t = 0; t < cores; t++) {
        int first = t;
        ImageInferenceRunner runner = ready.get(t);
        parts.add(pool.submit(() -> {
          int done = 0;
          for (int i = first; i < bytes.size(); i += cores) {
            ImageResult r = runner.infer(List.of(bytes.get(i))).get(0);
            if (!r.isSuccess()) {
              throw new IllegalStateException("Analyser failed on bench image " + i + ": " + r);
            }
            done++;
          }
          return done;
        }));
      }
      int done = 0;
      for (Future<Integer> p : parts) {
        done += p.get();
      }
      double rate = done / ((System.nanoTime() - start) / 1e9);
      ready.forEach(ImageInferenceRunner::close);
      return rate;
    } finally {
      pool.shutdown();
    }
  }

  static double job(SparkSession spark, String analyzer, Path dir, Path work, List<Path> samples) throws IOException {
    Path warm = InferenceBench.fresh(work.resolve("analyzer-warmup-" + analyzer));
    for (int i = 0; i < Math.min(4, samples.size()); i++) {
      Files.copy(samples.get(i), warm.resolve(samples.get(i).getFileName()));
    }
    BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(warm.toString()),
        InferenceBench.fresh(work.resolve("lake-warmup-" + analyzer)).toString(), "warmup").analyzers(analyzer));
    BatchInferenceJob.Result result = BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(dir.toString()),
        InferenceBench.fresh(work.resolve("lake-" + analyzer)).toString(), "bench").analyzers(analyzer));
    return result.inputsSeen / result.seconds;
  }
}
