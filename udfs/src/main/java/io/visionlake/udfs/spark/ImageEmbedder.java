package io.visionlake.udfs.spark;

import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.model.ModelSpec;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataType;

/**
 * Embeds images: adds {@code outputCol} as {@code array<float>}, the model's embedding output
 * (null for an image that cannot be decoded). Feed it to MLlib after {@code array_to_vector}.
 */
public class ImageEmbedder extends AbstractInferenceTransformer {
  private static final long serialVersionUID = 1L;

  public ImageEmbedder(String uid) {
    super(uid);
  }

  public ImageEmbedder() {
    this(Identifiable.randomUID("imageEmbedder"));
  }

  public ImageEmbedder setInputCol(String value) {
    set(inputCol(), value);
    return this;
  }

  public ImageEmbedder setOutputCol(String value) {
    set(outputCol(), value);
    return this;
  }

  public ImageEmbedder setModel(String value) {
    set(model(), value);
    return this;
  }

  public ImageEmbedder setBatchSize(int value) {
    set(batchSize(), value);
    return this;
  }

  @Override
  protected DataType outputType() {
    return ImageColumns.EMBEDDING_TYPE;
  }

  @Override
  protected Object outputValue(ImageResult result) {
    return ImageColumns.embedding(result);
  }

  @Override
  protected void checkSpec(ModelSpec spec) {
    if (!spec.hasEmbedding()) {
      throw new IllegalArgumentException("Model '" + spec.name() + "' has no embedding output (output.embedding); use another model");
    }
  }

  public static MLReader<ImageEmbedder> read() {
    return new DefaultParamsReader<>();
  }

  public static ImageEmbedder load(String path) {
    return read().load(path);
  }
}
