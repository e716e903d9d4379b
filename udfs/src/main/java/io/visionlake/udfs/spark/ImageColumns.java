package io.visionlake.udfs.spark;

import io.visionlake.udfs.inference.ImageResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/** Spark types of model outputs, shared by the jobs, the transformers and the SQL functions. */
public final class ImageColumns {
  /** {@code array<struct<label:string,score:float>>}, best first. */
  public static final ArrayType LABELS_TYPE = DataTypes.createArrayType(
      DataTypes.createStructType(new StructField[] {
          DataTypes.createStructField("label", DataTypes.StringType, true),
          DataTypes.createStructField("score", DataTypes.FloatType, true)}),
      true);

  /** {@code array<float>}. Nested fields are nullable: Delta cannot enforce NOT NULL inside arrays. */
  public static final ArrayType EMBEDDING_TYPE = DataTypes.createArrayType(DataTypes.FloatType, true);

  private ImageColumns() {}

  /** The top-k labels of a result as Spark rows (a Scala Seq, what Row encoders take), or null. */
  public static scala.collection.immutable.Seq<Row> labels(ImageResult result) {
    if (result == null || !result.isSuccess() || result.topLabels() == null) {
      return null;
    }
    List<Row> out = new ArrayList<>(result.topLabels().length);
    for (int i = 0; i < result.topLabels().length; i++) {
      out.add(RowFactory.create(result.topLabels()[i], result.topScores()[i]));
    }
    return CollectionConverters.asScala(out).toList();
  }

  /** The embedding as a Scala Seq of boxed floats (what Spark rows hold for array<float>), or null. */
  public static scala.collection.immutable.Seq<Float> embedding(ImageResult result) {
    if (result == null || !result.isSuccess() || result.embedding() == null) {
      return null;
    }
    float[] e = result.embedding();
    List<Float> out = new ArrayList<>(e.length);
    for (float v : e) {
      out.add(v);
    }
    return CollectionConverters.asScala(out).toList();
  }

  /** True for the input types the image surfaces accept: binary content. */
  public static boolean isImageContent(DataType type) {
    return DataTypes.BinaryType.equals(type);
  }

  static StructType append(StructType schema, String column, DataType type) {
    if (java.util.Arrays.asList(schema.fieldNames()).contains(column)) {
      throw new IllegalArgumentException("Output column " + column + " already exists; choose another outputCol");
    }
    return schema.add(column, type, true);
  }
}
