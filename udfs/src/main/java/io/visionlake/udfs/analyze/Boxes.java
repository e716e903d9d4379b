package io.visionlake.udfs.analyze;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import scala.jdk.javaapi.CollectionConverters;

/** Detection boxes: the Spark type, non-maximum suppression and conversion to rows. */
public final class Boxes {
  /** {@code array<struct<x:int,y:int,w:int,h:int,score:float>>} in original-image pixels. */
  public static final ArrayType TYPE = DataTypes.createArrayType(DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("x", DataTypes.IntegerType, true),
      DataTypes.createStructField("y", DataTypes.IntegerType, true),
      DataTypes.createStructField("w", DataTypes.IntegerType, true),
      DataTypes.createStructField("h", DataTypes.IntegerType, true),
      DataTypes.createStructField("score", DataTypes.FloatType, true)}), true);

  private Boxes() {}

  /** One detection. */
  public static final class Box {
    public final int x;
    public final int y;
    public final int w;
    public final int h;
    public final float score;

    public Box(int x, int y, int w, int h, float score) {
      this.x = x;
      this.y = y;
      this.w = w;
      this.h = h;
      this.score = score;
    }

    Box scaled(double f) {
      return new Box((int) Math.round(x * f), (int) Math.round(y * f), (int) Math.round(w * f), (int) Math.round(h * f), score);
    }

    double iou(Box o) {
      int ix = Math.max(0, Math.min(x + w, o.x + o.w) - Math.max(x, o.x));
      int iy = Math.max(0, Math.min(y + h, o.y + o.h) - Math.max(y, o.y));
      double inter = (double) ix * iy;
      return inter / ((double) w * h + (double) o.w * o.h - inter);
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "[%d,%d %dx%d %.2f]", x, y, w, h, score);
    }
  }

  /** Greedy NMS: best score first, drop boxes overlapping a kept one by more than {@code maxIou}. */
  public static List<Box> nms(List<Box> boxes, double maxIou) {
    List<Box> sorted = new ArrayList<>(boxes);
    sorted.sort((a, b) -> Float.compare(b.score, a.score));
    List<Box> kept = new ArrayList<>();
    for (Box b : sorted) {
      boolean overlaps = false;
      for (Box k : kept) {
        if (b.iou(k) > maxIou) {
          overlaps = true;
          break;
        }
      }
      if (!overlaps) {
        kept.add(b);
      }
    }
    return kept;
  }

  public static List<Box> scale(List<Box> boxes, double factor) {
    if (factor == 1.0) {
      return boxes;
    }
    List<Box> out = new ArrayList<>(boxes.size());
    boxes.forEach(b -> out.add(b.scaled(factor)));
    return out;
  }

  /** As a Spark value of {@link #TYPE}. */
  public static scala.collection.immutable.Seq<Row> toRows(List<Box> boxes) {
    List<Row> rows = new ArrayList<>(boxes.size());
    boxes.forEach(b -> rows.add(RowFactory.create(b.x, b.y, b.w, b.h, b.score)));
    return CollectionConverters.asScala(rows).toList();
  }

  static double option(java.util.Map<String, String> options, String analyzer, String key, double def) {
    String v = options.get(key);
    if (v == null || v.isBlank()) {
      return def;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Setting " + Analyzers.PREFIX + analyzer + "." + key + " must be a number, got '" + v + "'");
    }
  }

  /** The (count, boxes) column pair of a box detector, one entry per image. */
  static List<Object[]> countsAndBoxes(List<org.opencv.core.Mat> images, int[] reductions,
      java.util.function.BiFunction<org.opencv.core.Mat, Integer, List<Box>> detect) {
    List<Object[]> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      List<Box> boxes = detect.apply(images.get(i), reductions[i]);
      out.add(new Object[] {boxes.size(), toRows(boxes)});
    }
    return out;
  }
}
