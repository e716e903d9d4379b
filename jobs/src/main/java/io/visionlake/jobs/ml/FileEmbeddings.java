package io.visionlake.jobs.ml;

import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.conf.MlOptions;
import io.visionlake.jobs.scoring.FileScorer;

import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.model.ModelSpec;
import java.net.URI;
import java.nio.file.Paths;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Runs files named in a Dataset through the batch job's executor side ({@link FileScorer} over
 * {@link PartitionedInference}) with a given model: how the MLlib jobs embed a query image, lake
 * images for another model, and labelled images. Driver-side wiring only; no second inference path.
 */
public final class FileEmbeddings {
  private final SparkSession spark;
  private final ModelSpec spec;
  private final JobConf conf;
  private final Broadcast<SerializableConfiguration> hadoopConf;

  private FileEmbeddings(SparkSession spark, ModelSpec spec, JobConf conf) {
    this.spark = spark;
    this.spec = spec;
    this.conf = conf;
    this.hadoopConf = new JavaSparkContext(spark.sparkContext())
        .broadcast(new SerializableConfiguration(spark.sessionState().newHadoopConf()));
  }

  /** For the model {@code ref} (a name in conf/models or a spec path), with the run's batch size override. */
  static FileEmbeddings of(SparkSession spark, ModelCatalog catalog, String ref, JobConf conf) {
    ModelSpec spec = catalog.resolve(ref);
    if (!spec.hasEmbedding()) {
      throw new IllegalArgumentException("Model '" + spec.name() + "' has no embedding output (output.embedding in its spec);"
          + " similarity and heads need one. Pick a model with an embedding (e.g. " + MlOptions.SIMILARITY_MODEL_DEFAULT
          + " or " + JobOptions.MODEL_DEFAULT + ").");
    }
    if (conf.getOrNull(JobOptions.BATCH_SIZE) != null) {
      spec = spec.toBuilder().optBatchSize(conf.getInt(JobOptions.BATCH_SIZE)).build();
    }
    return new FileEmbeddings(spark, spec, conf);
  }

  ModelSpec spec() {
    return spec;
  }

  /** sha256 of the model file, as the batch job records it in images.model_sha256. */
  String modelSha256() {
    return spec.sha256() != null ? spec.sha256() : ModelFiles.sha256(ModelFiles.localize(spec.modelUri(), hadoopConf.value().value()));
  }

  /**
   * One {@link FileScorer#RESULT_SCHEMA} row per row of {@code listing} (its first column is the
   * file's path or URI): the embedding, or the stage and reason the file could not be used.
   */
  Dataset<Row> score(Dataset<Row> listing, int partitions) {
    PartitionedInference inference = new PartitionedInference(spec,
        DecodeOptions.builder().maxPixels(conf.getLong(JobOptions.MAX_PIXELS)).build(), conf.getInt(JobOptions.THREADS), null);
    return listing.repartition(Math.max(1, partitions))
        .mapPartitions(new FileScorer(inference, hadoopConf, conf.getLong(JobOptions.MAX_FILE_BYTES)), Encoders.row(FileScorer.RESULT_SCHEMA));
  }

  /** Partitions for {@code files} files: the batch job's rule (filesPerPartition, at least the parallelism when there are that many files). */
  int partitionsFor(long files) {
    int perPartition = conf.getInt(JobOptions.FILES_PER_PARTITION);
    return (int) Math.max(1, Math.max(Math.min(files, spark.sparkContext().defaultParallelism()), (files + perPartition - 1) / perPartition));
  }

  /** A local path becomes a file: URI (the form the batch job's listing writes); URIs stay as they are. */
  static String toUri(String path) {
    try {
      if (new URI(path).getScheme() != null) {
        return path;
      }
    } catch (java.net.URISyntaxException e) {
      // not a URI: a local path with characters URIs do not allow
    }
    return Paths.get(path).toAbsolutePath().normalize().toUri().toString();
  }
}
