package io.visionlake.bench;

import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.ImageInferenceRunner;
import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The {@code similarity} workload: which embedding tells copies of a photo from distinct photos. On
 * the real photos of {@code data/samples/photos} (OpenCV's and darknet's sample photos), each photo
 * gets copies as they occur in real collections — cropped by 5 % and 10 % of the width and height
 * (half on each side, or all of it off the left and top, which shifts the content), half size, JPEG quality 60, rotated by 3 degrees (corners cut so no border shows), and a 5 % crop
 * saved at quality 60 — and every image is embedded with each model through the jobs' inference
 * path ({@link ImageInferenceRunner}). Distances are Euclidean between L2-normalised embeddings
 * (0..2), as {@code similar} compares them. Prints, per model, the distribution (min / median /
 * max) of copy-to-original distances per kind of copy and of distances between distinct photos
 * (every image of one photo against every image of another), and the threshold that separates them
 * best: the one with the fewest misses plus false pairs, each as a share of its class.
 *
 * <p>Runs alone too: {@code java -cp <bench classpath> io.visionlake.bench.SimilarityBench [models]}.
 */
public final class SimilarityBench {
  /** The kinds of copy, in report order. */
  static final List<String> COPIES = List.of("crop5", "crop10", "crop5-side", "crop10-side", "half", "q60", "rot3",
      "crop5-q60");
  static final String NAME = "similarity";
  static final List<String> DEFAULT_MODELS = List.of("tiny-image", "centernet-embed");

  private SimilarityBench() {}

  public static void main(String[] args) throws Exception {
    Path home = ModelCatalog.fromEnvironment().home();
    List<String> models = args.length > 0 ? Arrays.asList(args[0].split(",")) : DEFAULT_MODELS;
    System.out.println(InferenceBench.JSON.writeValueAsString(run(home, models)));
  }

  static Map<String, Object> run(Path home, List<String> models) throws IOException {
    Path dir = home.resolve("data/samples/photos");
    List<Path> photos;
    try (Stream<Path> s = Files.list(dir)) {
      photos = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jpg")).sorted().collect(Collectors.toList());
    }
    if (photos.size() < 2) {
      throw new IllegalStateException("Fewer than 2 photos under " + dir + ": run scripts/setup");
    }
    // images.get(p) = the original's bytes, then one copy per COPIES entry.
    List<List<byte[]>> images = new ArrayList<>();
    for (Path photo : photos) {
      BufferedImage img = ImageIO.read(photo.toFile());
      List<byte[]> family = new ArrayList<>();
      family.add(Files.readAllBytes(photo));
      for (String copy : COPIES) {
        family.add(copy(img, copy));
      }
      images.add(family);
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("photos", photos.size());
    report.put("copies", COPIES);
    ModelCatalog catalog = new ModelCatalog(home);
    for (String model : models) {
      ModelSpec spec = catalog.resolve(model);
      long start = System.nanoTime();
      float[][][] emb = new float[photos.size()][][];
      try (ImageInferenceRunner runner = new ImageInferenceRunner(spec, DecodeOptions.defaults(), 1)) {
        for (int p = 0; p < photos.size(); p++) {
          List<ImageResult> results = runner.inferAll(images.get(p));
          emb[p] = new float[results.size()][];
          for (int i = 0; i < results.size(); i++) {
            ImageResult r = results.get(i);
            if (!r.isSuccess() || r.embedding() == null) {
              throw new IllegalStateException(model + " could not embed " + photos.get(p) + " copy " + i + ": " + r);
            }
            emb[p][i] = unit(r.embedding());
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      report.put(model, measure(photos, emb, seconds));
    }
    return report;
  }

  static Map<String, Object> measure(List<Path> photos, float[][][] emb, double seconds) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Double> copies = new ArrayList<>();
    Map<String, Object> perKind = new LinkedHashMap<>();
    String worstCopy = null;
    double worst = -1;
    for (int k = 0; k < COPIES.size(); k++) {
      List<Double> d = new ArrayList<>();
      String farthest = null;
      double far = -1;
      for (int p = 0; p < photos.size(); p++) {
        double x = distance(emb[p][0], emb[p][k + 1]);
        d.add(x);
        if (x > far) {
          far = x;
          farthest = photos.get(p).getFileName().toString();
        }
        if (x > worst) {
          worst = x;
          worstCopy = photos.get(p).getFileName() + " " + COPIES.get(k);
        }
      }
      copies.addAll(d);
      Map<String, Object> kind = summary(d);
      kind.put("farthest", farthest);
      perKind.put(COPIES.get(k), kind);
    }
    List<Double> distinct = new ArrayList<>();
    String closest = null;
    double best = 3;
    for (int p = 0; p < photos.size(); p++) {
      for (int q = p + 1; q < photos.size(); q++) {
        for (float[] a : emb[p]) {
          for (float[] b : emb[q]) {
            double x = distance(a, b);
            distinct.add(x);
            if (x < best) {
              best = x;
              closest = photos.get(p).getFileName() + " ~ " + photos.get(q).getFileName();
            }
          }
        }
      }
    }
    m.put("copies", summary(copies));
    m.put("copies_by_kind", perKind);
    m.put("farthest_copy", worstCopy);
    m.put("distinct", summary(distinct));
    m.put("closest_distinct", closest);
    m.putAll(threshold(copies, distinct));
    m.put("embed_seconds", InferenceBench.round(seconds));
    return m;
  }

  /**
   * The threshold with the fewest errors, each class weighted by its size (misses / copies + false
   * pairs / distinct pairs); among equals, the middle of the gap between the classes.
   */
  static Map<String, Object> threshold(List<Double> copies, List<Double> distinct) {
    double[] c = copies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] d = distinct.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] all = java.util.stream.DoubleStream.concat(Arrays.stream(c), Arrays.stream(d)).sorted().toArray();
    double bestError = Double.MAX_VALUE;
    double bestAt = 0;
    double bestNext = 0;
    int bestMiss = 0;
    int bestFalse = 0;
    for (int i = 0; i < all.length; i++) {
      double t = all[i];
      int miss = c.length - countAtMost(c, t);
      int falsePairs = countAtMost(d, t);
      double error = (double) miss / c.length + (double) falsePairs / d.length;
      if (error < bestError) {
        bestError = error;
        bestAt = t;
        bestNext = i + 1 < all.length ? all[i + 1] : t;
        bestMiss = miss;
        bestFalse = falsePairs;
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("best_threshold", InferenceBench.round((bestAt + bestNext) / 2));
    m.put("missed_copies", bestMiss + "/" + c.length);
    m.put("false_pairs", bestFalse + "/" + d.length);
    m.put("gap", InferenceBench.round(d[0] - c[c.length - 1]));
    // Scale-free: embeddings spread distinct photos differently (tiny-image's median is twice CenterNet's).
    m.put("separation", InferenceBench.round(d[0] / c[c.length - 1]));
    return m;
  }

  private static int countAtMost(double[] sorted, double t) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  static Map<String, Object> summary(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", v.length);
    m.put("min", round3(v[0]));
    m.put("median", round3(v[v.length / 2]));
    m.put("max", round3(v[v.length - 1]));
    return m;
  }

  private static double round3(double x) {
    return Math.round(x * 1000) / 1000.0;
  }

  private static float[] unit(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    float k = s > 0 ? (float) (1 / Math.sqrt(s)) : 0f;
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * k;
    }
    return out;
  }

  private static double distance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double x = a[i] - b[i];
      s += x * x;
    }
    return Math.sqrt(s);
  }

  /** One copy of {@code img}, JPEG-encoded. */
  static byte[] copy(BufferedImage img, String kind) throws IOException {
    int w = img.getWidth();
    int h = img.getHeight();
    switch (kind) {
      case "crop5":
        return jpeg(crop(img, 0.05, true), 0.9f);
      case "crop10":
        return jpeg(crop(img, 0.10, true), 0.9f);
      case "crop5-side":
        return jpeg(crop(img, 0.05, false), 0.9f);
      case "crop10-side":
        return jpeg(crop(img, 0.10, false), 0.9f);
      case "half":
        return jpeg(draw(img, 0, 0, w, h, w / 2, h / 2), 0.9f);
      case "q60":
        return jpeg(draw(img, 0, 0, w, h, w, h), 0.6f);
      case "rot3":
        return jpeg(rotate(img, 3), 0.9f);
      case "crop5-q60":
        return jpeg(crop(img, 0.05, true), 0.6f);
      default:
        throw new IllegalArgumentException("Unknown copy " + kind);
    }
  }

  /** {@code fraction} of the width and of the height cut off: half on each side, or off the left and top. */
  static BufferedImage crop(BufferedImage img, double fraction, boolean centred) {
    int cutX = (int) Math.round(img.getWidth() * fraction);
    int cutY = (int) Math.round(img.getHeight() * fraction);
    int dx = centred ? cutX / 2 : cutX;
    int dy = centred ? cutY / 2 : cutY;
    int w = img.getWidth() - cutX;
    int h = img.getHeight() - cutY;
    return draw(img, dx, dy, w, h, w, h);
  }

  /**
   * Rotated by {@code degrees} about the centre and cut to the largest centred rectangle of the
   * same aspect with no border in it, as photo editors "straighten".
   */
  static BufferedImage rotate(BufferedImage img, double degrees) {
    int w = img.getWidth();
    int h = img.getHeight();
    double a = Math.toRadians(degrees);
    double sin = Math.abs(Math.sin(a));
    double cos = Math.cos(a);
    // The largest w*s x h*s rectangle inside the rotated w x h image.
    double s = Math.min(w / (w * cos + h * sin), h / (h * cos + w * sin));
    int ow = (int) Math.floor(w * s);
    int oh = (int) Math.floor(h * s);
    BufferedImage out = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    AffineTransform t = new AffineTransform();
    t.translate(ow / 2.0, oh / 2.0);
    t.rotate(a);
    t.translate(-w / 2.0, -h / 2.0);
    g.drawImage(img, t, null);
    g.dispose();
    return out;
  }

  private static BufferedImage draw(BufferedImage src, int x, int y, int w, int h, int outW, int outH) {
    BufferedImage out = new BufferedImage(outW, outH, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, outW, outH, x, y, x + w, y + h, null);
    g.dispose();
    return out;
  }

  static byte[] jpeg(BufferedImage img, float quality) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    param.setCompressionQuality(quality);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream stream = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(stream);
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
