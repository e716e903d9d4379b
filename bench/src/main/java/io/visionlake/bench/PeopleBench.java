package io.visionlake.bench;

import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.analyze.HogPeopleAnalyzer;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.image.OpenCvLoader;
import io.visionlake.udfs.inference.ImageInferenceRunner;
import io.visionlake.udfs.inference.ImageResult;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.opencv.core.Core;

/**
 * The HOG people detector (people-hog, the fallback) on vtest.avi frames (768x576): frames/s through the inference
 * runner (decode once + HOG) with one thread per core, as concurrent stream tasks run it; and the
 * pyramid-step lever, as CPU time per frame on one thread (independent of other load on the
 * machine) with the mean number of people found, so speed and detections are judged together.
 */
public final class PeopleBench {
  private PeopleBench() {}

  static Map<String, Object> run(Path home, int cores, int count) throws Exception {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(Files.readAllBytes(home.resolve(String.format("data/samples/cameras/vtest-%04d.jpg", 100 + (i * 7) % 600))));
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("frames", frames.size());
    r.put("frame_size", "768x576");
    double fps = framesPerSecond(frames, cores);
    r.put("frames_per_s", InferenceBench.round(fps));
    System.err.printf(Locale.ROOT, "[bench] people: %d frames, %d threads: %.1f frames/s%n", frames.size(), cores, fps);
    Map<String, Object> levers = new LinkedHashMap<>();
    for (String scale : new String[] {"1.05", "1.1", "1.2"}) {
      double[] cost = cpuPerFrame(frames, scale);
      String key = "scale_" + scale;
      levers.put(key + "_cpu_ms_per_frame", InferenceBench.round(cost[0]));
      levers.put(key + "_mean_people", InferenceBench.round(cost[1]));
      System.err.printf(Locale.ROOT, "[bench] people lever scale=%s: %.1f ms CPU/frame (one thread), %.2f people/frame%n",
          scale, cost[0], cost[1]);
    }
    r.put("levers", levers);
    return r;
  }

  private static double framesPerSecond(List<byte[]> frames, int threads) throws Exception {
    // Warm-up: native libraries and the detector's state load once per JVM.
    runShare(frames.subList(0, 1));
    List<Callable<Integer>> tasks = new ArrayList<>();
    int per = (frames.size() + threads - 1) / threads;
    for (int t = 0; t < threads; t++) {
      List<byte[]> share = frames.subList(Math.min(frames.size(), t * per), Math.min(frames.size(), (t + 1) * per));
      tasks.add(() -> runShare(share));
    }
    return InferenceBench.itemsPerSecond(tasks);
  }

  private static int runShare(List<byte[]> share) {
    try (ImageInferenceRunner runner = new ImageInferenceRunner(null, List.of(Analyzers.resolve(HogPeopleAnalyzer.NAME, Map.of())),
        DecodeOptions.defaults(), 1, 4)) {
      int n = 0;
      for (ImageResult result : runner.inferAll(share)) {
        if (!result.isSuccess()) {
          throw new IllegalStateException("A vtest frame failed: " + result.errorMessage());
        }
        n++;
      }
      return n;
    }
  }

  /** {CPU ms per frame on one thread, mean people per frame} for pyramid step {@code scale}. */
  private static double[] cpuPerFrame(List<byte[]> frames, String scale) throws Exception {
    OpenCvLoader.ensureLoaded();
    int saved = Core.getNumThreads();
    Core.setNumThreads(1);
    try {
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      HogPeopleAnalyzer detector = new HogPeopleAnalyzer(Map.of("scale", scale));
      ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());
      long cpu = 0;
      long people = 0;
      for (byte[] frame : frames) {
        try (DecodedImage image = decoder.decode(frame)) {
          long t0 = mx.getCurrentThreadCpuTime();
          people += detector.detect(image.mat(), 1).size();
          cpu += mx.getCurrentThreadCpuTime() - t0;
        }
      }
      return new double[] {cpu / 1e6 / frames.size(), (double) people / frames.size()};
    } finally {
      Core.setNumThreads(saved);
    }
  }
}
