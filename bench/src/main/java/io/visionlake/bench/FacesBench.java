package io.visionlake.bench;

import io.visionlake.udfs.analyze.FacesAnalyzer;
import io.visionlake.udfs.analyze.faces.Face;
import io.visionlake.udfs.analyze.faces.FaceApi;
import io.visionlake.udfs.analyze.faces.RgbImage;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Speed of the {@code faces} analyser on photos with several faces (face-api's six demo photos,
 * 1920 px wide, 3-5 faces each, and opencv-doc's facereg.jpg and messi5.jpg): the raw loop on one
 * core (decoded pixels, networks warm, {@link FaceApi} with one intra-op thread), detection alone
 * and detection + landmarks + descriptors, in faces/s and images/s; the networks' load time; and
 * the batch job with {@code --analyzers faces} on all cores, with the ratio of job to raw loop x
 * cores. {@code main} prints the raw numbers alone (no Spark).
 */
public final class FacesBench {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  private FacesBench() {}

  static List<Path> photos(Path home) throws Exception {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> demo = Files.list(home.resolve("models/face-api/demo"))) {
      demo.filter(p -> p.toString().endsWith(".jpg")).sorted().forEach(out::add);
    }
    out.add(Paths.get("/usr/share/doc/opencv-doc/opencv4/html/facereg.jpg"));
    out.add(Paths.get("/usr/share/doc/opencv-doc/examples/data/messi5.jpg"));
    return out;
  }

  /** The raw loop's numbers (one core). */
  static Map<String, Object> raw(Path home, int rounds) throws Exception {
    List<RgbImage> images = new ArrayList<>();
    ImageDecoder decoder = new ImageDecoder();
    for (Path p : photos(home)) {
      try (DecodedImage d = decoder.decode(Files.readAllBytes(p))) {
        images.add(RgbImage.fromBgr(d.mat()));
      }
    }
    Path dir = home.resolve("models/face-api");
    long t0 = System.nanoTime();
    FaceApi first = FaceApi.load(dir, 1);
    double firstLoadMs = (System.nanoTime() - t0) / 1e6;
    first.close();
    t0 = System.nanoTime();
    Map<String, Object> r = new LinkedHashMap<>();
    try (FaceApi api = FaceApi.load(dir, 1)) {
      double loadMs = (System.nanoTime() - t0) / 1e6;
      // Warm-up: every input shape once.
      int faces = api.detectAll(images, 0.5f, 100, true).stream().mapToInt(List::size).sum();
      // Wall time, and the process's CPU time (the networks run in this thread with one intra-op
      // thread, so CPU seconds are one core's seconds, whatever else loads the machine).
      long start = System.nanoTime();
      long cpu = OS.getProcessCpuTime();
      for (int k = 0; k < rounds; k++) {
        for (RgbImage im : images) {
          api.detect(List.of(im), 0.5f, 100);
        }
      }
      double detectS = (System.nanoTime() - start) / 1e9;
      double detectCpu = (OS.getProcessCpuTime() - cpu) / 1e9;
      start = System.nanoTime();
      cpu = OS.getProcessCpuTime();
      for (int k = 0; k < rounds; k++) {
        for (RgbImage im : images) {
          api.detectAll(List.of(im), 0.5f, 100, true);
        }
      }
      double fullS = (System.nanoTime() - start) / 1e9;
      double fullCpu = (OS.getProcessCpuTime() - cpu) / 1e9;
      int n = rounds * images.size();
      r.put("images", images.size());
      r.put("faces_per_pass", faces);
      r.put("first_load_ms", InferenceBench.round(firstLoadMs));
      r.put("load_ms", InferenceBench.round(loadMs));
      r.put("detect_img_s", InferenceBench.round(n / detectS));
      r.put("detect_faces_s", InferenceBench.round((double) rounds * faces / detectS));
      r.put("full_img_s", InferenceBench.round(n / fullS));
      r.put("full_faces_s", InferenceBench.round((double) rounds * faces / fullS));
      r.put("detect_faces_per_cpu_s", InferenceBench.round((double) rounds * faces / detectCpu));
      r.put("full_faces_per_cpu_s", InferenceBench.round((double) rounds * faces / fullCpu));
      r.put("detect_cpu_ms_per_img", InferenceBench.round(1000 * detectCpu / n));
      r.put("landmarks_descriptor_cpu_ms_per_face", InferenceBench.round(1000 * (fullCpu - detectCpu) / (rounds * faces)));
      System.err.printf(Locale.ROOT, "[bench] faces raw loop, 1 core, %d photos with %d faces, x%d: detection %.2f img/s = %.1f faces/s; "
              + "detection + landmarks + descriptors %.2f img/s = %.1f faces/s; per CPU second: %.1f and %.1f faces "
              + "(detection %.0f ms CPU per image, landmarks + descriptor %.1f ms CPU per face); "
              + "networks built in %.0f ms (%.0f ms with TensorFlow's first start)%n",
          images.size(), faces, rounds, n / detectS, rounds * faces / detectS, n / fullS, rounds * faces / fullS,
          rounds * faces / detectCpu, rounds * faces / fullCpu, 1000 * detectCpu / n, 1000 * (fullCpu - detectCpu) / (rounds * faces),
          loadMs, firstLoadMs);
    }
    return r;
  }

  static Map<String, Object> run(SparkSession spark, Path home, Path work, int cores, int copies) throws Exception {
    Map<String, Object> r = raw(home, 2);
    List<Path> photos = photos(home);
    Path dir = InferenceBench.fresh(work.resolve("faces-photos"));
    for (int k = 0; k < copies; k++) {
      for (Path p : photos) {
        Files.copy(p, dir.resolve(k + "-" + p.getFileName()));
      }
    }
    double job = AnalyzerBench.job(spark, FacesAnalyzer.NAME, dir, work, photos);
    double perImage = ((Number) r.get("faces_per_pass")).doubleValue() / photos.size();
    r.put("job_images", copies * photos.size());
    r.put("job_img_s", InferenceBench.round(job));
    r.put("job_faces_s", InferenceBench.round(job * perImage));
    r.put("job_vs_raw_x_cores", InferenceBench.round(job / (((Number) r.get("full_img_s")).doubleValue() * cores)));
    System.err.printf(Locale.ROOT, "[bench] faces: batch job --analyzers faces %.2f img/s = %.1f faces/s on %d cores (%.2fx the raw loop x cores)%n",
        job, job * perImage, cores, r.get("job_vs_raw_x_cores"));
    return r;
  }

  public static void main(String[] args) throws Exception {
    Path home = Paths.get(System.getenv().getOrDefault("VISIONLAKE_HOME", ".")).toAbsolutePath();
    System.out.println(raw(home, args.length > 0 ? Integer.parseInt(args[0]) : 2));
  }
}
