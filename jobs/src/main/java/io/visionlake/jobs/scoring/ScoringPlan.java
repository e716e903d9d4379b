package io.visionlake.jobs.scoring;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.LayoutAccumulator;
import io.visionlake.udfs.inference.LayoutTuner;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.spark.ImageColumns;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
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
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;

/**
 * What every job scores and how, decided once on the driver: the model (resolved from the catalog,
 * its weights' checksum), the analysers (validated before any data is read), the batch size, the
 * decode limits and the Hadoop configuration the executors read files with. Batch, backfill,
 * stream, {@code similar} and {@code train-head} all ask a plan for their {@link
 * PartitionedInference} and scorers, so the five jobs cannot drift apart.
 *
 * <p>Driver-side only (it holds a broadcast handle); executors get the small serialisable
 * {@link FileScorer} / {@link FrameScorer} it builds.
 */
public final class ScoringPlan {
  /** model_name/version/sha256 of rows scored by analysers only. */
  public static final String NO_MODEL = "none";
  /** Column naming the analysers (name=version;...) that filled a row's analyser columns. */
  public static final String ANALYZER_VERSIONS = "analyzer_versions";

  /** What the plan scores: files of a listing, or a stream's frames (smaller batches: latency). */
  public enum Workload { FILES, FRAMES }

  private final ModelSpec spec;
  private final String modelSha;
  private final AnalyzerSelection selection;
  private final int batchSize;
  private final JobConf conf;
  private final Broadcast<SerializableConfiguration> hadoopConf;
  private final LayoutAccumulator layouts;

  private ScoringPlan(ModelSpec spec, String modelSha, AnalyzerSelection selection, int batchSize, JobConf conf,
      Broadcast<SerializableConfiguration> hadoopConf, LayoutAccumulator layouts) {
    this.spec = spec;
    this.modelSha = modelSha;
    this.selection = selection;
    this.batchSize = batchSize;
    this.conf = conf;
    this.hadoopConf = hadoopConf;
    this.layouts = layouts;
  }

  /**
   * The plan for {@code analyzers} (an empty list: {@code classify,embed}). The model ({@code
   * modelRef}, else the configured one) loads only when {@code classify} or {@code embed} is among
   * them; a label head ({@code withHead}) reads the embedding, so it implies {@code embed}.
   */
  public static ScoringPlan prepare(SparkSession spark, JobConf conf, ModelCatalog catalog, String modelRef,
      List<String> analyzers, boolean withHead, Workload workload) {
    List<String> names = new ArrayList<>(analyzers.isEmpty() ? List.of(AnalyzerSelection.CLASSIFY, AnalyzerSelection.EMBED) : analyzers);
    if (withHead && !names.contains(AnalyzerSelection.EMBED)) {
      names.add(AnalyzerSelection.EMBED);
    }
    AnalyzerSelection selection = AnalyzerSelection.resolve(names, conf.asMap());
    ModelSpec spec = selection.needsModel() ? withBatchOverride(catalog.resolve(modelRef != null ? modelRef : conf.get(JobOptions.MODEL)), conf) : null;
    return create(spark, conf, spec, selection, batchSize(conf, spec, selection, workload));
  }

  /**
   * The plan of {@code similar} and {@code train-head}: the model's embedding only. Fails, naming
   * the model, when it has no embedding output.
   */
  public static ScoringPlan forEmbeddings(SparkSession spark, JobConf conf, ModelCatalog catalog, String modelRef,
      String suggestion) {
    ModelSpec spec = catalog.resolve(modelRef);
    if (!spec.hasEmbedding()) {
      throw new IllegalArgumentException("Model '" + spec.name() + "' has no embedding output (output.embedding in its spec);"
          + " similarity and heads need one. Pick a model with an embedding (e.g. " + suggestion + ").");
    }
    AnalyzerSelection selection = AnalyzerSelection.resolve(List.of(AnalyzerSelection.EMBED), conf.asMap());
    spec = withBatchOverride(spec, conf);
    return create(spark, conf, spec, selection, batchSize(conf, spec, selection, Workload.FILES));
  }

  private static ScoringPlan create(SparkSession spark, JobConf conf, ModelSpec spec, AnalyzerSelection selection, int batchSize) {
    Broadcast<SerializableConfiguration> hadoopConf = new JavaSparkContext(spark.sparkContext())
        .broadcast(new SerializableConfiguration(spark.sessionState().newHadoopConf()));
    String modelSha = spec == null ? NO_MODEL : spec.sha256() != null ? spec.sha256()
        : ModelFiles.sha256(ModelFiles.localize(spec.modelUri(), hadoopConf.value().value()));
    LayoutAccumulator layouts = new LayoutAccumulator();
    spark.sparkContext().register(layouts, "visionlake.layouts");
    return new ScoringPlan(spec, modelSha, selection, batchSize, conf, hadoopConf, layouts);
  }

  /** {@code spark.visionlake.batchSize}, when set, replaces the spec's batch size for this run. */
  private static ModelSpec withBatchOverride(ModelSpec spec, JobConf conf) {
    return conf.getOrNull(JobOptions.BATCH_SIZE) == null ? spec : spec.toBuilder().optBatchSize(conf.getInt(JobOptions.BATCH_SIZE)).build();
  }

  /**
   * The one place that decides images per inference call: {@code spark.visionlake.batchSize} when
   * set; else a stream's {@code stream.batchSize} (latency); else, when analysers run,
   * {@code analyzers.batchSize} (they hold each batch's decoded pixels until all have run); else the
   * model spec's {@code batch.size}.
   */
  static int batchSize(JobConf conf, ModelSpec spec, AnalyzerSelection selection, Workload workload) {
    if (conf.getOrNull(JobOptions.BATCH_SIZE) != null) {
      return conf.getInt(JobOptions.BATCH_SIZE);
    }
    if (workload == Workload.FRAMES) {
      return conf.getInt(JobOptions.STREAM_BATCH_SIZE);
    }
    return selection.specs.isEmpty() ? spec.batchSize() : conf.getInt(JobOptions.ANALYZERS_BATCH_SIZE);
  }

  /** The model, or null when only analysers run. */
  public ModelSpec spec() {
    return spec;
  }

  public AnalyzerSelection selection() {
    return selection;
  }

  public int batchSize() {
    return batchSize;
  }

  /** sha256 of the model's weights ({@link #NO_MODEL} without a model). */
  public String modelSha() {
    return modelSha;
  }

  public String modelName() {
    return spec != null ? spec.name() : NO_MODEL;
  }

  public String modelVersion() {
    return spec != null ? spec.version() : NO_MODEL;
  }

  /** {@code name=version} of every analyser and of the model, {@code ;}-separated: frames.model_versions. */
  public String versions() {
    List<String> versions = new ArrayList<>(selection.versions);
    if (spec != null) {
      versions.add(spec.name() + "=" + spec.version());
    }
    return String.join(";", versions);
  }

  /**
   * Every setting besides the model that changes what a file's rows say: the analysers asked for,
   * their versions and options, the decode and read limits. The backfill's "done" fingerprint
   * hashes it, so a day re-runs when any of them changes; batch size, threads and partitioning
   * change how fast, not what, and are left out. May hold option values: hash it, do not log it.
   */
  public String resultSettings() {
    return String.format(Locale.ROOT, "analyzers=%s;versions=%s;options=%s;maxPixels=%d;maxFileBytes=%d",
        String.join(",", selection.names), String.join(",", selection.versions),
        selection.specs.stream().map(s -> s.name() + "=" + s.className() + s.options()).collect(Collectors.joining(",")),
        conf.getLong(JobOptions.MAX_PIXELS), conf.getLong(JobOptions.MAX_FILE_BYTES));
  }

  /** A readable summary for job descriptions and logs. */
  public String describe() {
    return String.format(Locale.ROOT, "analyzers=%s, model=%s v%s, batch %d", String.join(",", selection.names),
        modelName(), modelVersion(), batchSize);
  }

  /** The executor-side inference of this plan; {@code done} (optional) counts scored images for progress. */
  public PartitionedInference inference(LongAccumulator done) {
    return new PartitionedInference(spec, selection.specs, batchSize,
        DecodeOptions.builder().maxPixels(conf.getLong(JobOptions.MAX_PIXELS)).build(), conf.getInt(JobOptions.THREADS), done,
        conf.getLong(JobOptions.MAX_BATCH_BYTES)).withLayoutTuning(tuning(conf), layouts);
  }

  /** {@code inference.autotune*}: whether executors measure each model's layout, where they keep it, how long they may take. */
  static LayoutTuner.Settings tuning(JobConf conf) {
    long budget = conf.getLong(JobOptions.AUTOTUNE_BUDGET_MS);
    if (budget < 1) {
      throw new IllegalArgumentException("Setting " + JobOptions.AUTOTUNE_BUDGET_MS + " must be >= 1 (milliseconds), got " + budget);
    }
    return new LayoutTuner.Settings(conf.getBoolean(JobOptions.AUTOTUNE), conf.get(JobOptions.AUTOTUNE_DIR), budget);
  }

  /**
   * The layouts the plan's partitions ran with so far ({@code model: batch=B,threads=T (how)},
   * distinct, {@code ; }-separated): {@code job_runs.layout}. Null before any model ran.
   */
  public String layouts() {
    return layouts.joined();
  }

  /** Inference partitions for {@code inputs} files (see {@link #partitions(long, int, int)}). */
  public int partitions(SparkSession spark, long inputs) {
    return partitions(inputs, conf.getInt(JobOptions.FILES_PER_PARTITION), spark.sparkContext().defaultParallelism());
  }

  /**
   * At most {@code filesPerPartition} files each, at least one partition per core when there are
   * that many files, and a whole number of waves: the count is rounded up to a multiple of the
   * cores, so no core idles through a last wave of fewer partitions than cores (600 ResNet images
   * at 256 files each were 3 partitions on 2 cores: a third of the run on one core).
   */
  static int partitions(long inputs, int filesPerPartition, int cores) {
    long byFiles = (inputs + filesPerPartition - 1) / filesPerPartition;
    long n = Math.max(Math.min(inputs, cores), byFiles);
    if (cores > 0 && n > cores) {
      n = (n + cores - 1) / cores * cores;
    }
    return (int) Math.max(1, Math.min(n, inputs));
  }

  /** The scorer's rows: {@link FileScorer}'s outcome columns, then the analysers' columns. */
  public StructType fileResultSchema() {
    return ResultColumns.files(selection.fields).schema();
  }

  /**
   * One {@link #fileResultSchema()} row per row of {@code listing} (its first column is the file's
   * path or URI), scored in {@code partitions} partitions. Lazy; the caller persists if it reads twice.
   */
  public Dataset<Row> scoreFiles(Dataset<Row> listing, int partitions, LongAccumulator done) {
    FileScorer scorer = new FileScorer(inference(done), hadoopConf, conf.getLong(JobOptions.MAX_FILE_BYTES), ResultColumns.files(selection.fields));
    return listing.repartition(Math.max(1, partitions), col(listing.columns()[0]))
        .mapPartitions(scorer, Encoders.row(fileResultSchema()));
  }

  /**
   * The batch and backfill scoring of {@code files}: persisted at {@code
   * spark.visionlake.results.storageLevel}, so the caller counts the outcomes in one pass, writes
   * from the cache, then unpersists. {@code done} counts scored files.
   */
  public Dataset<Row> score(SparkSession spark, List<String> files, LongAccumulator done) {
    Dataset<Row> listing = spark.createDataset(files, Encoders.STRING()).toDF("path");
    return scoreFiles(listing, partitions(spark, files.size()), done).persist(storageLevel(conf));
  }

  /** The stream's scorer for one micro-batch, judging capture times against {@code clock}. */
  public FrameScorer frameScorer(FrameScorer.Clock clock) {
    return new FrameScorer(inference(null), hadoopConf, conf.getLong(JobOptions.MAX_FILE_BYTES), frameColumns(), clock);
  }

  /** The frame scorer's rows. */
  public ResultColumns frameColumns() {
    return ResultColumns.frames(selection.fields, selection.labels, selection.embedding);
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
   * nullable and join the table by schema evolution.
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
}
