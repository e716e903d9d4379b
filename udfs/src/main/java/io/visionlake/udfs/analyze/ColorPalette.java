package io.visionlake.udfs.analyze;

import java.util.List;
import java.util.Locale;

/**
 * The 20 colour names the {@code colors} analyser reports (documented in README, "Analysers"): a
 * colour is named after the nearest entry in CIELAB (D65), where distance follows perceived
 * difference better than in RGB.
 */
public final class ColorPalette {
  /** Name and sRGB value of each entry. */
  public static final List<Object[]> ENTRIES = List.of(
      new Object[] {"black", 0x000000}, new Object[] {"gray", 0x808080}, new Object[] {"silver", 0xC0C0C0},
      new Object[] {"white", 0xFFFFFF}, new Object[] {"red", 0xFF0000}, new Object[] {"maroon", 0x800000},
      new Object[] {"orange", 0xFFA500}, new Object[] {"brown", 0x8B4513}, new Object[] {"beige", 0xF5F5DC},
      new Object[] {"yellow", 0xFFFF00}, new Object[] {"olive", 0x808000}, new Object[] {"lime", 0x00FF00},
      new Object[] {"green", 0x008000}, new Object[] {"teal", 0x008080}, new Object[] {"cyan", 0x00FFFF},
      new Object[] {"blue", 0x0000FF}, new Object[] {"navy", 0x000080}, new Object[] {"purple", 0x800080},
      new Object[] {"magenta", 0xFF00FF}, new Object[] {"pink", 0xFFC0CB});

  private static final double[][] LAB = new double[ENTRIES.size()][];

  static {
    for (int i = 0; i < ENTRIES.size(); i++) {
      int rgb = (Integer) ENTRIES.get(i)[1];
      LAB[i] = lab((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    }
  }

  private ColorPalette() {}

  /** The palette name nearest to this sRGB colour. */
  public static String name(double r, double g, double b) {
    double[] lab = lab(r, g, b);
    int best = 0;
    double bestD = Double.MAX_VALUE;
    for (int i = 0; i < LAB.length; i++) {
      double d = sq(lab[0] - LAB[i][0]) + sq(lab[1] - LAB[i][1]) + sq(lab[2] - LAB[i][2]);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return (String) ENTRIES.get(best)[0];
  }

  /** {@code #rrggbb}, lower case. */
  public static String hex(double r, double g, double b) {
    return String.format(Locale.ROOT, "#%02x%02x%02x", clamp(r), clamp(g), clamp(b));
  }

  /** sRGB (0..255) to CIELAB, D65 white point. */
  static double[] lab(double r, double g, double b) {
    double lr = linear(r / 255.0);
    double lg = linear(g / 255.0);
    double lb = linear(b / 255.0);
    double x = (0.4124 * lr + 0.3576 * lg + 0.1805 * lb) / 0.95047;
    double y = 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
    double z = (0.0193 * lr + 0.1192 * lg + 0.9505 * lb) / 1.08883;
    double fx = f(x);
    double fy = f(y);
    double fz = f(z);
    return new double[] {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
  }

  private static double linear(double c) {
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }

  private static double f(double t) {
    return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
  }

  private static double sq(double v) {
    return v * v;
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }
}
