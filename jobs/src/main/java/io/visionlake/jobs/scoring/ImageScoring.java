package io.visionlake.jobs.scoring;

import io.visionlake.jobs.backfill.BackfillJob;
import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.Lake;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.spark.ImageColumns;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The scoring core of the file jobs ({@link BatchInferenceJob}, {@link BackfillJob}): the model
 * resolved once on the driver, files scored by {@link FileScorer} through the one {@link
 * PartitionedInference} path, and the projections of the results onto {@code images} and {@code
 * image_errors}. Driver-side only; what it ships to executors is the small {@link FileScorer}.
 */
public final class ImageScoring {
  /** model_name/version/sha256 of rows scored by analysers only. */
  static final String NO_MODEL = "none";
  /** Column naming the analysers (name=version;...) that filled a row's analyser columns. */
  static final String ANALYZER_VERSIONS = "analyzer_versions";

  /** The model, or null when only analysers run. */
  final ModelSpec spec;
  public final String modelSha;
  public final AnalyzerSelection selection;
  private final int batchSize;
  private final JobConf conf;
  private final Broadcast<SerializableConfiguration> hadoopConf;

  private ImageScoring(ModelSpec spec, String modelSha, AnalyzerSelection selection, int batchSize, JobConf conf,
      Broadcast<SerializableConfiguration> hadoopConf) {
    this.spec = spec;
    this.modelSha = modelSha;
    this.selection = selection;
    this.batchSize = batchSize;
    this.conf = conf;
    this.hadoopConf = hadoopConf;
  }

  public String modelName() {
    return spec != null ? spec.name() : NO_MODEL;
  }

  public String modelVersion() {
    return spec != null ? spec.version() : NO_MODEL;
  }

  /** The model's outputs only ({@code classify,embed}). */
  public static ImageScoring prepare(SparkSession spark, JobConf conf, ModelCatalog catalog, String modelRef) {
    return prepare(spark, conf, catalog, modelRef, List.of(AnalyzerSelection.CLASSIFY, AnalyzerSelection.EMBED));
  }

  /**
   * Resolves what a job's {@code --analyzers} asks for (an empty list: {@code classify,embed}):
   * the model ({@code modelRef}, else the configured one) and its weights' checksum when
   * {@code classify} or {@code embed} is among them, and the analysers (validated here, on the
   * driver, before any data is read).
   */
  public static ImageScoring prepare(SparkSession spark, JobConf conf, ModelCatalog catalog, String modelRef, List<String> analyzers) {
    AnalyzerSelection selection = AnalyzerSelection.resolve(
        analyzers.isEmpty() ? List.of(AnalyzerSelection.CLASSIFY, AnalyzerSelection.EMBED) : analyzers, conf.asMap());
    // classify/embed are the model's outputs; without them no model loads at all.
    ModelSpec spec = null;
    if (selection.needsModel()) {
      spec = catalog.resolve(modelRef != null ? modelRef : conf.get(JobOptions.MODEL));
      if (conf.getOrNull(JobOptions.BATCH_SIZE) != null) {
        spec = spec.toBuilder().optBatchSize(conf.getInt(JobOptions.BATCH_SIZE)).build();
      }
    }
    // Analysers hold each batch's decoded pixels until all of them have run: smaller batches.
    int batchSize = selection.specs.isEmpty() ? spec.batchSize()
        : conf.getOrNull(JobOptions.BATCH_SIZE) != null ? conf.getInt(JobOptions.BATCH_SIZE) : conf.getInt(JobOptions.ANALYZERS_BATCH_SIZE);
    Broadcast<SerializableConfiguration> hadoopConf = new JavaSparkContext(spark.sparkContext())
        .broadcast(new SerializableConfiguration(spark.sessionState().newHadoopConf()));
    String modelSha = spec == null ? NO_MODEL : spec.sha256() != null ? spec.sha256()
        : ModelFiles.sha256(ModelFiles.localize(spec.modelUri(), hadoopConf.value().value()));
    return new ImageScoring(spec, modelSha, selection, batchSize, conf, hadoopConf);
  }

  /**
   * Lists the files under {@code inputs} with Spark's file index (parallel, glob-aware,
   * recursive). The scan itself would silently drop zero-byte files, so executors stat and read
   * each listed file themselves.
   */
  public static String[] list(SparkSession spark, Collection<String> inputs) {
    return spark.read().format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(inputs.toArray(new String[0]))
        .inputFiles();
  }

  /** Number of inference partitions for {@code inputs} files. */
  public int partitions(SparkSession spark, long inputs) {
    int filesPerPartition = conf.getInt(JobOptions.FILES_PER_PARTITION);
    return (int) Math.max(1, Math.max(Math.min(inputs, spark.sparkContext().defaultParallelism()),
        (inputs + filesPerPartition - 1) / filesPerPartition));
  }

  /**
   * One row per file ({@link FileScorer#resultSchema}), persisted at {@code
   * spark.visionlake.results.storageLevel}: the caller counts the outcomes in one pass, writes
   * from the cache, then unpersists. {@code done} counts scored files.
   */
  public Dataset<Row> score(SparkSession spark, List<String> files, LongAccumulator done) {
    Dataset<Row> listing = spark.createDataset(files, Encoders.STRING()).toDF("path");
    PartitionedInference inference = new PartitionedInference(spec, selection.specs, batchSize,
        DecodeOptions.builder().maxPixels(conf.getLong(JobOptions.MAX_PIXELS)).build(), conf.getInt(JobOptions.THREADS), done);
    return listing.repartition(partitions(spark, files.size()), col("path"))
        .mapPartitions(new FileScorer(inference, hadoopConf, conf.getLong(JobOptions.MAX_FILE_BYTES), selection.fields),
            Encoders.row(FileScorer.resultSchema(selection.fields)))
        .persist(storageLevel(conf));
  }

  private static StorageLevel storageLevel(JobConf conf) {
    String name = conf.get(JobOptions.RESULTS_STORAGE_LEVEL);
    try {
      return StorageLevel.fromString(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid " + JobOptions.RESULTS_STORAGE_LEVEL + "=" + name
          + ": use a Spark storage level such as DISK_ONLY or MEMORY_AND_DISK", e);
    }
  }

  /** Files that became an image (the rest are errors); the pass that fills the cache. */
  public static long countOk(Dataset<Row> results) {
    return results.agg(coalesce(sum(when(col("ok"), 1L).otherwise(0L)), lit(0L))).first().getLong(0);
  }

  /**
   * The {@code images} rows of {@code results}, dated {@code ingestDate}. Analyser columns are
   * nullable and join the table by schema evolution (see BatchInferenceJob's insert).
   */
  public Dataset<Row> imageRows(Dataset<Row> results, String source, Date ingestDate, Timestamp now, String runId) {
    Column labels = selection.labels ? col("labels") : lit(null).cast(ImageColumns.LABELS_TYPE);
    List<Column> columns = new ArrayList<>(List.of(
        col("image_id"), col("path"), lit(source).as("source"), col("captured_at"), lit(ingestDate).as("ingest_date"),
        col("bytes"), col("width"), col("height"), col("format"),
        element_at(labels, 1).getField("label").as("top_label"),
        element_at(labels, 1).getField("score").as("top_score"),
        labels.as("labels"), (selection.embedding ? col("embedding") : lit(null).cast(ImageColumns.EMBEDDING_TYPE)).as("embedding"),
        lit(modelName()).as("model_name"), lit(modelVersion()).as("model_version"),
        lit(modelSha).as("model_sha256"), lit(now).as("processed_at"), lit(runId).as("job_run_id")));
    selection.fields.forEach(f -> columns.add(col(f.name())));
    if (!selection.versions.isEmpty()) {
      columns.add(lit(String.join(";", selection.versions)).as(ANALYZER_VERSIONS));
    }
    return results.filter(col("ok")).select(columns.toArray(new Column[0]));
  }

  /** The {@code image_errors} rows of {@code results}. */
  public static Dataset<Row> errorRows(Dataset<Row> results, String source, Timestamp now, String runId) {
    return results.filter(col("ok").equalTo(false)).select(
        col("path"), lit(source).as("source"), col("image_id"), col("bytes"), col("stage"), col("error_class"),
        col("message"), lit(runId).as("job_run_id"), lit(now).as("failed_at"));
  }

  /** {@code ingest_date IN ('d1', ...)}: the label_stats (and images) partitions of {@code dates}. */
  static String datePredicate(Collection<Date> dates) {
    return dates.stream().map(d -> "'" + d + "'").collect(Collectors.joining(", ", "ingest_date IN (", ")"));
  }

  /** label_stats rows of the given days, from {@code images}: what the overwrite of those days writes. */
  static Dataset<Row> labelStats(SparkSession spark, Lake lake, Collection<Date> dates) {
    return lake.table(spark, Lake.IMAGES).toDF().filter(datePredicate(dates)).filter(col("top_label").isNotNull())
        .groupBy(col("ingest_date"), col("source"), col("top_label").as("label"))
        .agg(count(lit(1)).as("images"), avg(col("top_score")).as("avg_score"));
  }

  /** Recomputes label_stats from images for the given ingest dates (one replaceWhere overwrite). */
  public static void refreshLabelStats(SparkSession spark, Lake lake, List<Date> dates) {
    lake.ensure(spark, Lake.LABEL_STATS, Lake.LABEL_STATS_SCHEMA, "ingest_date");
    if (dates.isEmpty()) {
      return;
    }
    labelStats(spark, lake, dates)
        .write().format("delta").mode("overwrite").option("replaceWhere", datePredicate(dates))
        .save(lake.path(Lake.LABEL_STATS));
  }
}
