package io.visionlake.udfs.analyze.faces;

import io.visionlake.udfs.analyze.Boxes;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/** The {@code face_boxes} column: its Spark type and conversion of faces to its rows. */
public final class FaceBoxes {
  /**
   * One face: {@code x, y, w, h} (int, original-image pixels, rounded), {@code score} (detector
   * confidence), {@code landmarks} (136 floats {@code x0, y0, ..., x67, y67} in original-image
   * pixels, face-api's 68-point order: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67)
   * and {@code descriptor} (128 floats; same person when the Euclidean distance is small). The
   * Haar fallback leaves landmarks and descriptor null.
   */
  public static final StructType FACE = DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("x", DataTypes.IntegerType, true),
      DataTypes.createStructField("y", DataTypes.IntegerType, true),
      DataTypes.createStructField("w", DataTypes.IntegerType, true),
      DataTypes.createStructField("h", DataTypes.IntegerType, true),
      DataTypes.createStructField("score", DataTypes.FloatType, true),
      DataTypes.createStructField("landmarks", DataTypes.createArrayType(DataTypes.FloatType, false), true),
      DataTypes.createStructField("descriptor", DataTypes.createArrayType(DataTypes.FloatType, false), true)});

  /** {@code array<struct<x:int,y:int,w:int,h:int,score:float,landmarks:array<float>,descriptor:array<float>>>}. */
  public static final ArrayType TYPE = DataTypes.createArrayType(FACE, true);

  private FaceBoxes() {}

  /** Faces found on pixels {@code scale} times smaller than the original, as a value of {@link #TYPE}. */
  public static scala.collection.immutable.Seq<Row> toRows(List<Face> faces, double scale) {
    List<Row> rows = new ArrayList<>(faces.size());
    for (Face f : faces) {
      float[] landmarks = f.landmarks();
      Object lm = null;
      if (landmarks != null) {
        float[] scaled = new float[landmarks.length];
        for (int i = 0; i < scaled.length; i++) {
          scaled[i] = (float) (landmarks[i] * scale);
        }
        lm = floats(scaled);
      }
      rows.add(RowFactory.create((int) Math.round(f.x() * scale), (int) Math.round(f.y() * scale),
          (int) Math.round(f.width() * scale), (int) Math.round(f.height() * scale), f.score(), lm,
          f.descriptor() == null ? null : floats(f.descriptor())));
    }
    return CollectionConverters.asScala(rows).toList();
  }

  /** Boxes of a detector without landmarks or descriptors (the Haar fallback), as a value of {@link #TYPE}. */
  public static scala.collection.immutable.Seq<Row> fromBoxes(List<Boxes.Box> boxes) {
    List<Row> rows = new ArrayList<>(boxes.size());
    boxes.forEach(b -> rows.add(RowFactory.create(b.x, b.y, b.w, b.h, b.score, null, null)));
    return CollectionConverters.asScala(rows).toList();
  }

  private static scala.collection.immutable.Seq<Float> floats(float[] values) {
    List<Float> out = new ArrayList<>(values.length);
    for (float v : values) {
      out.add(v);
    }
    return CollectionConverters.asScala(out).toList();
  }
}
