package io.visionlake.udfs.heads;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * A trained label head: an MLlib {@link PipelineModel} (StandardScaler, LogisticRegression,
 * IndexToString) over one model's image embeddings, saved in a directory (any Hadoop URI) as
 * {@code pipeline/} plus {@code head.properties}, which records the embedding model the head was
 * trained on, so it is never applied to another model's embeddings.
 *
 * <p>{@link #apply} adds {@link #LABEL_COL} and {@link #SCORE_COL} (the predicted label's
 * probability); rows without an embedding get nulls. Driver-side: load once per job.
 */
public final class LabelHead {
  public static final String LABEL_COL = "head_label";
  public static final String SCORE_COL = "head_score";
  /** Columns the pipeline reads and writes, named so they cannot meet a table's own columns. */
  public static final String FEATURES_COL = "__head_features";
  public static final String SCALED_COL = "__head_scaled";
  public static final String RAW_COL = "__head_raw";
  public static final String PROBABILITY_COL = "__head_probability";
  public static final String PREDICTION_COL = "__head_prediction";
  public static final String PIPELINE_DIR = "pipeline";
  public static final String METADATA_FILE = "head.properties";
  public static final String KEY_NAME = "name";
  public static final String KEY_EMBEDDING_MODEL = "embedding.model";
  public static final String KEY_EMBEDDING_VERSION = "embedding.model.version";
  public static final String KEY_EMBEDDING_SHA256 = "embedding.model.sha256";
  public static final String KEY_LABELS = "labels";

  private final String uri;
  private final PipelineModel pipeline;
  private final Properties metadata;

  private LabelHead(String uri, PipelineModel pipeline, Properties metadata) {
    this.uri = uri;
    this.pipeline = pipeline;
    this.metadata = metadata;
  }

  /** Saves {@code pipeline} and {@code metadata} under {@code uri}, replacing a head already there. */
  public static LabelHead save(SparkSession spark, String uri, PipelineModel pipeline, Properties metadata) {
    try {
      pipeline.write().overwrite().save(uri + "/" + PIPELINE_DIR);
      Path file = new Path(uri, METADATA_FILE);
      FileSystem fs = file.getFileSystem(spark.sessionState().newHadoopConf());
      try (OutputStream out = fs.create(file, true)) {
        metadata.store(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), "VisionLake label head");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot save head to " + uri + ": " + e.getMessage(), e);
    }
    return new LabelHead(uri, pipeline, metadata);
  }

  /** Loads the head saved under {@code uri}; a missing or partial head is an error that names the path. */
  public static LabelHead load(SparkSession spark, String uri) {
    Path file = new Path(uri, METADATA_FILE);
    Properties metadata = new Properties();
    try {
      FileSystem fs = file.getFileSystem(spark.sessionState().newHadoopConf());
      if (!fs.exists(file)) {
        throw new IllegalArgumentException("No label head at " + uri + " (" + file + " is missing); train one with "
            + "scripts/submit train-head, or check --head and spark.visionlake.heads.dir");
      }
      try (InputStream in = fs.open(file)) {
        metadata.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read head " + file + ": " + e.getMessage(), e);
    }
    return new LabelHead(uri, PipelineModel.load(uri + "/" + PIPELINE_DIR), metadata);
  }

  public String uri() {
    return uri;
  }

  public String name() {
    return metadata.getProperty(KEY_NAME);
  }

  /** Name of the model (spec) whose embeddings the head reads. */
  public String embeddingModel() {
    return metadata.getProperty(KEY_EMBEDDING_MODEL);
  }

  public List<String> labels() {
    return Arrays.asList(metadata.getProperty(KEY_LABELS, "").split(","));
  }

  public PipelineModel pipeline() {
    return pipeline;
  }

  /** Fails unless the head was trained on {@code modelName}'s embeddings. */
  public void requireEmbeddingModel(String modelName) {
    if (!modelName.equals(embeddingModel())) {
      throw new IllegalArgumentException("Head '" + name() + "' (" + uri + ") was trained on embeddings of model '"
          + embeddingModel() + "', but this run embeds with '" + modelName + "'; run with --model " + embeddingModel()
          + " or train the head on " + modelName);
    }
  }

  /** {@code rows} with {@link #LABEL_COL} and {@link #SCORE_COL} computed from {@code embeddingCol} (array&lt;float&gt;). */
  public Dataset<Row> apply(Dataset<Row> rows, String embeddingCol) {
    Dataset<Row> withVector = rows.filter(col(embeddingCol).isNotNull())
        .withColumn(FEATURES_COL, org.apache.spark.ml.functions.array_to_vector(col(embeddingCol)));
    Dataset<Row> scored = pipeline.transform(withVector)
        .withColumn(SCORE_COL, array_max(org.apache.spark.ml.functions.vector_to_array(col(PROBABILITY_COL), "float32")))
        .drop(FEATURES_COL, SCALED_COL, RAW_COL, PROBABILITY_COL, PREDICTION_COL);
    Dataset<Row> without = withNulls(rows.filter(col(embeddingCol).isNull()));
    return scored.unionByName(without);
  }

  /** {@code rows} with null head columns: what rows scored without a head carry. */
  public static Dataset<Row> withNulls(Dataset<Row> rows) {
    return rows.withColumn(LABEL_COL, lit(null).cast(DataTypes.StringType)).withColumn(SCORE_COL, lit(null).cast(DataTypes.FloatType));
  }
}
