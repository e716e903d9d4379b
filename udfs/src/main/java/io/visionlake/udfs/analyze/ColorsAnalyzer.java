package io.visionlake.udfs.analyze;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code colors}: the dominant colours of an image. The decoded pixels (BGR; the decoder has
 * already dropped any alpha channel, so transparency plays no part) are sampled on a regular grid
 * of at most {@code sample} pixels on the longer side (nearest neighbour, not area averaging: an
 * average invents colours along every edge that the image does not have), then clustered with
 * k-means in RGB. Initialisation is deterministic (k-means++ with a fixed seed), so the same image always
 * gives the same answer. Clusters whose centres end up closer than {@code mergeDistance} are
 * merged. Adds {@code colors}: {@code array<struct<hex,name,fraction>>}, largest first, fractions
 * summing to 1, names from {@link ColorPalette}.
 *
 * <p>Options ({@code spark.visionlake.analyzer.colors.*}): {@code k} (5), {@code sample} (96),
 * {@code iterations} (20), {@code mergeDistance} (RGB units, 24), {@code minFraction} (clusters
 * smaller than this are folded into their nearest neighbour, 0.02).
 */
public final class ColorsAnalyzer extends NamedAnalyzer {
  public static final String NAME = "colors";
  private static final long SEED = 20240611L;

  /** {@code array<struct<hex:string,name:string,fraction:double>>}. */
  public static final ArrayType TYPE = DataTypes.createArrayType(DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("hex", DataTypes.StringType, true),
      DataTypes.createStructField("name", DataTypes.StringType, true),
      DataTypes.createStructField("fraction", DataTypes.DoubleType, true)}), true);

  private final int k;
  private final int sample;
  private final int iterations;
  private final double mergeDistance;
  private final double minFraction;

  public ColorsAnalyzer(String name, Map<String, String> options) {
    super(name);
    this.k = (int) Boxes.option(options, name, "k", 5);
    this.sample = (int) Boxes.option(options, name, "sample", 96);
    this.iterations = (int) Boxes.option(options, name, "iterations", 20);
    this.mergeDistance = Boxes.option(options, name, "mergeDistance", 24);
    this.minFraction = Boxes.option(options, name, "minFraction", 0.02);
    if (k < 1 || sample < 4 || iterations < 1 || mergeDistance < 0 || minFraction < 0 || minFraction >= 0.5) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "Analyser %s: need k >= 1, sample >= 4, iterations >= 1, mergeDistance >= 0, 0 <= minFraction < 0.5 (got %d, %d, %d, %s, %s)",
          name, k, sample, iterations, mergeDistance, minFraction));
    }
  }

  public ColorsAnalyzer(Map<String, String> options) {
    this(NAME, options);
  }

  @Override
  public String version() {
    return String.format(Locale.ROOT, "kmeans(k=%d,sample=%d,merge=%s)", k, sample, mergeDistance);
  }

  @Override
  public List<StructField> fields() {
    return List.of(DataTypes.createStructField(name, TYPE, true));
  }

  /** A JPEG may be decoded at 1/8 as long as it stays above the sample size: colours survive. */
  @Override
  public int[] minDecodeSize() {
    return new int[] {sample, sample};
  }

  @Override
  public List<Object[]> analyze(List<Mat> images, int[] reductions) {
    List<Object[]> out = new ArrayList<>(images.size());
    for (Mat m : images) {
      List<Row> rows = new ArrayList<>();
      for (Dominant d : dominant(m)) {
        rows.add(RowFactory.create(d.hex(), d.name(), d.fraction));
      }
      out.add(new Object[] {CollectionConverters.asScala(rows).toList()});
    }
    return out;
  }

  /** One dominant colour. */
  public record Dominant(double r, double g, double b, double fraction) {
    public String hex() {
      return ColorPalette.hex(r, g, b);
    }

    public String name() {
      return ColorPalette.name(r, g, b);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%s %s %.3f", hex(), name(), fraction);
    }
  }

  /** Dominant colours of BGR pixels, largest first; fractions sum to 1. */
  public List<Dominant> dominant(Mat bgr) {
    double[][] pixels = samplePixels(bgr);
    int n = pixels.length;
    double[][] centres = initialCentres(pixels);
    int[] assign = new int[n];
    for (int it = 0; it < iterations; it++) {
      boolean changed = assignAll(pixels, centres, assign) || it == 0;
      centres = means(pixels, assign, centres);
      if (!changed) {
        break;
      }
    }
    assignAll(pixels, centres, assign);
    double[] counts = new double[centres.length];
    for (int a : assign) {
      counts[a]++;
    }
    List<double[]> clusters = new ArrayList<>(); // r, g, b, weight
    for (int c = 0; c < centres.length; c++) {
      if (counts[c] > 0) {
        clusters.add(new double[] {centres[c][0], centres[c][1], centres[c][2], counts[c] / n});
      }
    }
    mergeClose(clusters);
    clusters.sort((a, b) -> Double.compare(b[3], a[3]));
    double total = 0;
    for (double[] c : clusters) {
      total += c[3];
    }
    List<Dominant> out = new ArrayList<>(clusters.size());
    for (double[] c : clusters) {
      out.add(new Dominant(c[0], c[1], c[2], c[3] / total));
    }
    return out;
  }

  private double[][] samplePixels(Mat bgr) {
    double scale = Math.min(1.0, (double) sample / Math.max(bgr.cols(), bgr.rows()));
    Mat small = bgr;
    if (scale < 1.0) {
      small = new Mat();
      Imgproc.resize(bgr, small, new Size(Math.max(1, Math.round(bgr.cols() * scale)), Math.max(1, Math.round(bgr.rows() * scale))),
          0, 0, Imgproc.INTER_NEAREST);
    }
    try {
      byte[] data = new byte[(int) small.total() * 3];
      small.get(0, 0, data);
      double[][] px = new double[(int) small.total()][];
      for (int i = 0; i < px.length; i++) {
        px[i] = new double[] {data[3 * i + 2] & 0xff, data[3 * i + 1] & 0xff, data[3 * i] & 0xff};
      }
      return px;
    } finally {
      if (small != bgr) {
        small.release();
      }
    }
  }

  /** k-means++ seeding with a fixed seed; stops early when every pixel is already a centre. */
  private double[][] initialCentres(double[][] pixels) {
    java.util.Random random = new java.util.Random(SEED);
    List<double[]> centres = new ArrayList<>();
    centres.add(pixels[random.nextInt(pixels.length)].clone());
    double[] d2 = new double[pixels.length];
    while (centres.size() < k) {
      double sum = 0;
      for (int i = 0; i < pixels.length; i++) {
        d2[i] = Double.MAX_VALUE;
        for (double[] c : centres) {
          d2[i] = Math.min(d2[i], dist2(pixels[i], c));
        }
        sum += d2[i];
      }
      if (sum == 0) {
        break;
      }
      double target = random.nextDouble() * sum;
      int pick = pixels.length - 1;
      for (int i = 0; i < pixels.length; i++) {
        target -= d2[i];
        if (target <= 0 && d2[i] > 0) {
          pick = i;
          break;
        }
      }
      centres.add(pixels[pick].clone());
    }
    return centres.toArray(new double[0][]);
  }

  private static boolean assignAll(double[][] pixels, double[][] centres, int[] assign) {
    boolean changed = false;
    for (int i = 0; i < pixels.length; i++) {
      int best = 0;
      double bestD = Double.MAX_VALUE;
      for (int c = 0; c < centres.length; c++) {
        double d = dist2(pixels[i], centres[c]);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      changed |= assign[i] != best;
      assign[i] = best;
    }
    return changed;
  }

  private static double[][] means(double[][] pixels, int[] assign, double[][] previous) {
    double[][] sums = new double[previous.length][3];
    int[] counts = new int[previous.length];
    for (int i = 0; i < pixels.length; i++) {
      int c = assign[i];
      sums[c][0] += pixels[i][0];
      sums[c][1] += pixels[i][1];
      sums[c][2] += pixels[i][2];
      counts[c]++;
    }
    double[][] out = new double[previous.length][];
    for (int c = 0; c < previous.length; c++) {
      out[c] = counts[c] == 0 ? previous[c] : new double[] {sums[c][0] / counts[c], sums[c][1] / counts[c], sums[c][2] / counts[c]};
    }
    return out;
  }

  /** Repeatedly merges the closest pair while it is closer than mergeDistance or one side is tiny. */
  private void mergeClose(List<double[]> clusters) {
    while (clusters.size() > 1) {
      int bi = -1;
      int bj = -1;
      double best = Double.MAX_VALUE;
      for (int i = 0; i < clusters.size(); i++) {
        for (int j = i + 1; j < clusters.size(); j++) {
          double d = Math.sqrt(dist2(clusters.get(i), clusters.get(j)));
          boolean tiny = Math.min(clusters.get(i)[3], clusters.get(j)[3]) < minFraction;
          if ((d < mergeDistance || tiny) && (tiny ? d - 1e6 : d) < best) {
            best = tiny ? d - 1e6 : d;
            bi = i;
            bj = j;
          }
        }
      }
      if (bi < 0) {
        return;
      }
      double[] a = clusters.get(bi);
      double[] b = clusters.get(bj);
      double w = a[3] + b[3];
      if (Math.min(a[3], b[3]) < minFraction) {
        // A sliver (edge pixels blended by the downsampling) joins its neighbour without shifting its colour.
        double[] big = a[3] >= b[3] ? a : b;
        clusters.set(bi, new double[] {big[0], big[1], big[2], w});
      } else {
        clusters.set(bi, new double[] {(a[0] * a[3] + b[0] * b[3]) / w, (a[1] * a[3] + b[1] * b[3]) / w, (a[2] * a[3] + b[2] * b[3]) / w, w});
      }
      clusters.remove(bj);
    }
  }

  private static double dist2(double[] a, double[] b) {
    double dr = a[0] - b[0];
    double dg = a[1] - b[1];
    double db = a[2] - b[2];
    return dr * dr + dg * dg + db * db;
  }
}
