package io.visionlake.udfs.spark;

import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import java.util.Arrays;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Base of the image Transformers: binary image content in, one model output column out, computed
 * by the shared {@link PartitionedInference} path (one model per executor JVM, batches of
 * {@code batchSize}). Params hold only JSON-serialisable values; the model is referenced by name
 * or spec-file path ({@code model}), never by object, so Pipelines save and load with Spark's
 * default params persistence. A bad image gives a null output, never a failed task.
 */
public abstract class AbstractInferenceTransformer extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> model;
  private final IntParam batchSize;

  protected AbstractInferenceTransformer(String uid) {
    this.uid = uid;
    this.inputCol = new Param<>(this, "inputCol", "binary column with encoded image bytes (e.g. binaryFile's content)");
    this.outputCol = new Param<>(this, "outputCol", "output column name");
    this.model = new Param<>(this, "model", "model name in conf/models or path to a model spec .properties file");
    this.batchSize = new IntParam(this, "batchSize", "images per inference call; 0 uses the spec's batch.size",
        ParamValidators.gtEq(0));
    setDefault(inputCol, "content");
    setDefault(outputCol, uid + "__output");
    setDefault(model, "fashion-cnn");
    setDefault(batchSize, 0);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public Param<String> model() {
    return model;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public String getInputCol() {
    return $(inputCol);
  }

  public String getOutputCol() {
    return $(outputCol);
  }

  public String getModel() {
    return $(model);
  }

  public int getBatchSize() {
    return (Integer) $(batchSize);
  }

  /** Spark type of the output column. */
  protected abstract DataType outputType();

  /** The output value for a successful result. */
  protected abstract Object outputValue(ImageResult result);

  /** Rejects a spec that lacks the output this transformer needs. */
  protected abstract void checkSpec(ModelSpec spec);

  /** Applies params that change the spec (batch size; subclasses add theirs). */
  protected ModelSpec.Builder tuneSpec(ModelSpec.Builder spec) {
    return getBatchSize() > 0 ? spec.optBatchSize(getBatchSize()) : spec;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String in = getInputCol();
    if (!Arrays.asList(schema.fieldNames()).contains(in)) {
      throw new IllegalArgumentException("Input column " + in + " does not exist. Available: " + String.join(", ", schema.fieldNames()));
    }
    DataType actual = schema.apply(in).dataType();
    if (!ImageColumns.isImageContent(actual)) {
      throw new IllegalArgumentException("Input column " + in + " must be of type binary (encoded image bytes) but was " + actual.catalogString());
    }
    return ImageColumns.append(schema, getOutputCol(), outputType());
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType outSchema = transformSchema(dataset.schema());
    ModelSpec spec = tuneSpec(ModelCatalog.fromEnvironment().resolve(getModel()).toBuilder()).build();
    checkSpec(spec);
    PartitionedInference inference = new PartitionedInference(spec, DecodeOptions.defaults(), 0, null);
    int inputIndex = dataset.schema().fieldIndex(getInputCol());
    MapPartitionsFunction<Row, Row> score = rows -> inference.apply(rows,
        r -> r.isNullAt(inputIndex) ? null : (byte[]) r.get(inputIndex),
        (r, result) -> append(r, result == null || !result.isSuccess() ? null : outputValue(result)));
    return dataset.toDF().mapPartitions(score, Encoders.row(outSchema));
  }

  private static Row append(Row row, Object value) {
    Object[] values = new Object[row.size() + 1];
    for (int i = 0; i < row.size(); i++) {
      values[i] = row.get(i);
    }
    values[row.size()] = value;
    return RowFactory.create(values);
  }

  @Override
  public Transformer copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + ": uid=" + uid;
  }
}
