package io.visionlake.udfs.spark;

import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.model.ModelSpec;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataType;

/**
 * Classifies images: adds {@code outputCol} as {@code array<struct<label:string,score:float>>},
 * the top {@code topK} labels, best first (null for an image that cannot be decoded).
 */
public class ImageClassifier extends AbstractInferenceTransformer {
  private static final long serialVersionUID = 1L;

  private final IntParam topK;

  public ImageClassifier(String uid) {
    super(uid);
    this.topK = new IntParam(this, "topK", "labels kept per image; 0 uses the spec's top.k", ParamValidators.gtEq(0));
    setDefault(topK, 0);
  }

  public ImageClassifier() {
    this(Identifiable.randomUID("imageClassifier"));
  }

  public IntParam topK() {
    return topK;
  }

  public int getTopK() {
    return (Integer) $(topK);
  }

  public ImageClassifier setInputCol(String value) {
    set(inputCol(), value);
    return this;
  }

  public ImageClassifier setOutputCol(String value) {
    set(outputCol(), value);
    return this;
  }

  public ImageClassifier setModel(String value) {
    set(model(), value);
    return this;
  }

  public ImageClassifier setBatchSize(int value) {
    set(batchSize(), value);
    return this;
  }

  public ImageClassifier setTopK(int value) {
    set(topK, value);
    return this;
  }

  @Override
  protected ModelSpec.Builder tuneSpec(ModelSpec.Builder spec) {
    return getTopK() > 0 ? super.tuneSpec(spec).optTopK(getTopK()) : super.tuneSpec(spec);
  }

  @Override
  protected DataType outputType() {
    return ImageColumns.LABELS_TYPE;
  }

  @Override
  protected Object outputValue(ImageResult result) {
    return ImageColumns.labels(result);
  }

  @Override
  protected void checkSpec(ModelSpec spec) {
    if (!spec.hasClasses()) {
      throw new IllegalArgumentException("Model '" + spec.name() + "' has no class output (output.classes); use ImageEmbedder or another model");
    }
  }

  public static MLReader<ImageClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static ImageClassifier load(String path) {
    return read().load(path);
  }
}
