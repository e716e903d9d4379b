package io.visionlake.jobs;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import io.visionlake.udfs.heads.LabelHead;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.spark.ImageColumns;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch inference: every file under the inputs becomes one row in {@code images} (classified and
 * embedded) or in {@code image_errors} (with the stage and reason), {@code label_stats} is
 * recomputed for the days the run touched, and the run is recorded in {@code job_runs}.
 *
 * <p>Re-running over the same files changes nothing: rows are inserted only when their (path,
 * image_id) is new, and the statistics are a deterministic function of {@code images}.
 */
public final class BatchInferenceJob {
  private static final Logger LOG = LoggerFactory.getLogger(BatchInferenceJob.class);
  static final String JOB = "batch";
  /** model_name, model_version and model_sha256 of rows written without a model (no classify or embed). */
  static final String NO_MODEL = "none";
  /** Column of {@code images}: name=version of each analyser that ran, ';'-separated (null when none did). */
  static final String ANALYZER_VERSIONS = "analyzer_versions";

  private BatchInferenceJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, () -> {
      CliArgs cli = CliArgs.forCommand("scripts/submit batch")
          .option("--input", "path|glob|uri", "images to process, read recursively (repeatable, required)")
          .option("--lake", "path|uri", "lake root holding the Delta tables (required)")
          .option("--source", "name", "value of the source column (default: default)")
          .option("--model", "name|file", "model spec name in conf/models or path to a spec file (default: " + JobOptions.MODEL + ")")
          .option("--analyzers", "list", "comma-separated: classify, embed (the model's outputs), ocr, colors, faces, people, or configured ones (default classify,embed)")
          .option("--conf-file", "file", "properties file of spark.visionlake.* settings")
          .option("--head", "name|uri", "label head (scripts/submit train-head) adding head_label, head_score")
          .parse(args);
      if (cli.all("--input").isEmpty()) {
        throw new CliArgs.UsageException("Missing required --input.\n" + cli.usage());
      }
      Settings settings = new Settings(cli.all("--input"), cli.require("--lake"),
          cli.get("--source") == null ? "default" : cli.get("--source"), cli.get("--model"),
          cli.get("--conf-file") == null ? null : Paths.get(cli.get("--conf-file")), cli.describe()).withHead(cli.get("--head"));
      if (cli.get("--analyzers") != null) {
        settings.analyzers(cli.get("--analyzers"));
      }
      SparkSession spark = Sessions.getOrCreate("visionlake-batch");
      Result result = run(spark, settings);
      System.out.println(result.summary());
      spark.stop();
    });
  }

  /** Runs the job on {@code spark}; what tests call. */
  public static Result run(SparkSession spark, Settings settings) {
    ModelCatalog catalog = ModelCatalog.fromEnvironment();
    JobConf conf = JobConf.resolve(catalog.home(), settings.confFile, spark);
    conf.log();
    String runId = UUID.randomUUID().toString();
    Instant started = Instant.now();
    Lake lake = new Lake(settings.lake);
    try {
      Result result = execute(spark, settings, conf, catalog, lake, runId, started);
      recordRun(spark, lake, runId, settings, started, result.inputsSeen, result.imagesWritten, result.errorsWritten, "SUCCEEDED", null);
      return result;
    } catch (RuntimeException e) {
      try {
        recordRun(spark, lake, runId, settings, started, null, null, null, "FAILED", String.valueOf(e.getMessage()));
      } catch (RuntimeException recordError) {
        e.addSuppressed(recordError);
      }
      throw e;
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  private static Result execute(SparkSession spark, Settings settings, JobConf conf, ModelCatalog catalog, Lake lake,
      String runId, Instant started) {
    List<String> analyzerNames = new ArrayList<>(settings.analyzers);
    if (settings.head != null && !analyzerNames.contains(AnalyzerSelection.EMBED)) {
      analyzerNames.add(AnalyzerSelection.EMBED); // a head reads the embedding
    }
    AnalyzerSelection selection = AnalyzerSelection.resolve(analyzerNames, conf.asMap());
    // classify/embed are the model's outputs; without them no model loads at all.
    ModelSpec spec = null;
    if (selection.needsModel()) {
      spec = catalog.resolve(settings.model != null ? settings.model : conf.get(JobOptions.MODEL));
      if (conf.getOrNull(JobOptions.BATCH_SIZE) != null) {
        spec = spec.toBuilder().optBatchSize(conf.getInt(JobOptions.BATCH_SIZE)).build();
      }
    }
    // Analysers hold each batch's decoded pixels until all of them have run: smaller batches.
    int batchSize = selection.specs.isEmpty() ? spec.batchSize()
        : conf.getOrNull(JobOptions.BATCH_SIZE) != null ? conf.getInt(JobOptions.BATCH_SIZE) : conf.getInt(JobOptions.ANALYZERS_BATCH_SIZE);
    String modelName = spec != null ? spec.name() : NO_MODEL;
    String modelVersion = spec != null ? spec.version() : NO_MODEL;
    spark.sparkContext().setJobGroup("visionlake-batch-" + runId,
        String.format(Locale.ROOT, "Batch inference (analyzers=%s, model=%s v%s, inputs=%s) into %s", String.join(",", selection.names),
            modelName, modelVersion, settings.inputs, lake.root()), false);
    LabelHead head = HeadColumns.load(spark, settings.head, conf, catalog.home(), modelName); // --head: fail before inference
    Broadcast<SerializableConfiguration> hadoopConf = new JavaSparkContext(spark.sparkContext())
        .broadcast(new SerializableConfiguration(spark.sessionState().newHadoopConf()));
    String modelSha = spec == null ? NO_MODEL : spec.sha256() != null ? spec.sha256()
        : ModelFiles.sha256(ModelFiles.localize(spec.modelUri(), hadoopConf.value().value()));
    String analyzerVersions = selection.versions.isEmpty() ? null : String.join(";", selection.versions);

    // Spark's file index does the (parallel, glob-aware, recursive) listing; the scan itself would
    // silently drop zero-byte files, so executors stat and read each listed file themselves.
    String[] files = spark.read().format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(settings.inputs.toArray(new String[0]))
        .inputFiles();
    Dataset<Row> listing = spark.createDataset(java.util.Arrays.asList(files), Encoders.STRING()).toDF("path");
    long inputs = files.length;
    int filesPerPartition = conf.getInt(JobOptions.FILES_PER_PARTITION);
    int partitions = (int) Math.max(1, Math.max(Math.min(inputs, spark.sparkContext().defaultParallelism()),
        (inputs + filesPerPartition - 1) / filesPerPartition));
    LOG.info("Run {}: {} input file(s) in {} partition(s), analyzers {}, model {} (sha256 {})", runId, inputs, partitions,
        selection.names, modelName, modelSha);

    LongAccumulator done = spark.sparkContext().longAccumulator("visionlake.images");
    PartitionedInference inference = new PartitionedInference(spec, selection.specs, batchSize,
        DecodeOptions.builder().maxPixels(conf.getLong(JobOptions.MAX_PIXELS)).build(), conf.getInt(JobOptions.THREADS), done);
    Dataset<Row> results = listing.repartition(partitions, col("path"))
        .mapPartitions(new FileScorer(inference, hadoopConf, conf.getLong(JobOptions.MAX_FILE_BYTES), selection.fields),
            Encoders.row(FileScorer.resultSchema(selection.fields)))
        .persist(storageLevel(conf));
    long ok;
    try (ProgressReporter progress = new ProgressReporter(spark, JOB, done, inputs, conf.getInt(JobOptions.PROGRESS_SECONDS))) {
      // One pass fills the cache and counts the outcomes; the writes below read the cache.
      ok = timed("inference", () -> results.agg(coalesce(sum(when(col("ok"), 1L).otherwise(0L)), lit(0L))).first().getLong(0));
    }
    Timestamp now = Timestamp.from(Instant.now());
    Date ingestDate = Date.valueOf(LocalDate.ofInstant(started, ZoneOffset.UTC));
    Column labels = selection.labels ? col("labels") : lit(null).cast(ImageColumns.LABELS_TYPE);
    List<Column> columns = new ArrayList<>(List.of(
        col("image_id"), col("path"), lit(settings.source).as("source"), col("captured_at"), lit(ingestDate).as("ingest_date"),
        col("bytes"), col("width"), col("height"), col("format"),
        element_at(labels, 1).getField("label").as("top_label"),
        element_at(labels, 1).getField("score").as("top_score"),
        labels.as("labels"), (selection.embedding ? col("embedding") : lit(null).cast(ImageColumns.EMBEDDING_TYPE)).as("embedding"),
        lit(modelName).as("model_name"), lit(modelVersion).as("model_version"),
        lit(modelSha).as("model_sha256"), lit(now).as("processed_at"), lit(runId).as("job_run_id")));
    // Analyser columns are nullable and added to the table by schema evolution (see insertNew).
    selection.fields.forEach(f -> columns.add(col(f.name())));
    if (analyzerVersions != null) {
      columns.add(lit(analyzerVersions).as(ANALYZER_VERSIONS));
    }
    Dataset<Row> images = results.filter(col("ok")).select(columns.toArray(new Column[0]));
    Dataset<Row> errors = results.filter(col("ok").equalTo(false)).select(
        col("path"), lit(settings.source).as("source"), col("image_id"), col("bytes"), col("stage"), col("error_class"),
        col("message"), lit(runId).as("job_run_id"), lit(now).as("failed_at"));

    long failed = inputs - ok;
    // Every table exists after any run (analysts' queries never miss one); a MERGE costs seconds of
    // planning even when its source is empty, so the ones with nothing to add are skipped.
    lake.ensure(spark, Lake.IMAGES, Lake.IMAGES_SCHEMA, "ingest_date");
    Dataset<Row> imagesOut = HeadColumns.attach(spark, lake, Lake.IMAGES, images, head); // may add head columns: take the table after
    DeltaTable imagesTable = lake.table(spark, Lake.IMAGES);
    DeltaTable errorsTable = lake.ensure(spark, Lake.IMAGE_ERRORS, Lake.IMAGE_ERRORS_SCHEMA);
    long imagesInserted = ok == 0 ? 0 : timed("write images", () -> insertNew(spark, imagesTable, imagesOut,
        "t.path = s.path AND t.image_id = s.image_id", runId));
    long errorsInserted = failed == 0 ? 0 : timed("write image_errors", () -> insertNew(spark, errorsTable, errors,
        "t.path = s.path AND t.image_id <=> s.image_id AND t.stage = s.stage AND t.error_class = s.error_class", runId));
    // label_stats is a function of images, and a run only adds images dated ingestDate.
    List<Date> touched = imagesInserted > 0 ? List.of(ingestDate) : List.of();
    timed("refresh label_stats", () -> {
      refreshLabelStats(spark, lake, touched);
      return null;
    });

    results.unpersist();
    double seconds = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0;
    return new Result(runId, inputs, ok, failed, imagesInserted, errorsInserted, touched, seconds);
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

  /**
   * Insert-only MERGE: rows whose key is already in the table are left as they are. Returns rows
   * inserted. With schema evolution: a run with a new analyser adds its (nullable) columns to the
   * table, older rows read null there, and a later run without that analyser writes null to them.
   */
  private static long insertNew(SparkSession spark, DeltaTable table, Dataset<Row> rows, String keyCondition, String runId) {
    Row[] metrics = new Row[1];
    withCommitMetadata(spark, runId,
        () -> metrics[0] = table.as("t").merge(rows.as("s"), keyCondition).withSchemaEvolution().whenNotMatched().insertAll().execute().first());
    return metrics[0].getLong(metrics[0].fieldIndex("num_inserted_rows"));
  }

  /** Recomputes label_stats from images for the given ingest dates (one replaceWhere overwrite). */
  private static void refreshLabelStats(SparkSession spark, Lake lake, List<Date> dates) {
    lake.ensure(spark, Lake.LABEL_STATS, Lake.LABEL_STATS_SCHEMA, "ingest_date");
    if (dates.isEmpty()) {
      return;
    }
    Dataset<Row> all = lake.table(spark, Lake.IMAGES).toDF();
    String predicate = dates.stream().map(d -> "'" + d + "'").collect(Collectors.joining(", ", "ingest_date IN (", ")"));
    all.filter(predicate).filter(col("top_label").isNotNull())
        .groupBy(col("ingest_date"), col("source"), col("top_label").as("label"))
        .agg(count(lit(1)).as("images"), avg(col("top_score")).as("avg_score"))
        .write().format("delta").mode("overwrite").option("replaceWhere", predicate)
        .save(lake.path(Lake.LABEL_STATS));
  }

  private static void recordRun(SparkSession spark, Lake lake, String runId, Settings settings, Instant started,
      Long inputs, Long images, Long errors, String status, String message) {
    lake.ensure(spark, Lake.JOB_RUNS, Lake.JOB_RUNS_SCHEMA);
    Row row = RowFactory.create(runId, JOB, settings.arguments, Timestamp.from(started), Timestamp.from(Instant.now()),
        inputs, images, errors, status, message);
    spark.createDataFrame(List.of(row), Lake.JOB_RUNS_SCHEMA).write().format("delta").mode("append")
        .option("userMetadata", runId).save(lake.path(Lake.JOB_RUNS));
  }

  /** Runs one phase of the job and logs how long it took: where a run spends its time, for tuning. */
  private static <T> T timed(String phase, java.util.function.Supplier<T> body) {
    long start = System.nanoTime();
    T value = body.get();
    LOG.info("Phase '{}' took {} ms", phase, (System.nanoTime() - start) / 1_000_000);
    return value;
  }

  /** Tags the commits of {@code action} with the run id, visible in DESCRIBE HISTORY. */
  private static void withCommitMetadata(SparkSession spark, String runId, Runnable action) {
    String key = "spark.databricks.delta.commitInfo.userMetadata";
    spark.conf().set(key, runId);
    try {
      action.run();
    } finally {
      spark.conf().unset(key);
    }
  }

  /** What a run was asked to do. */
  public static final class Settings {
    final List<String> inputs;
    final String lake;
    final String source;
    final String model;
    final Path confFile;
    final String arguments;
    List<String> analyzers = List.of(AnalyzerSelection.CLASSIFY, AnalyzerSelection.EMBED);
    String head;

    public Settings(List<String> inputs, String lake, String source, String model, Path confFile, String arguments) {
      this.inputs = List.copyOf(inputs);
      this.lake = lake;
      this.source = source;
      this.model = model;
      this.confFile = confFile;
      this.arguments = arguments;
    }

    /** Comma-separated analysers (default {@code classify,embed}). */
    public Settings analyzers(String list) {
      this.analyzers = AnalyzerSelection.parse(list, "--analyzers");
      return this;
    }

    /** With a label head (a name under spark.visionlake.heads.dir, or a path/URI); null for none. */
    public Settings withHead(String head) {
      this.head = head;
      return this;
    }

    public static Settings of(List<String> inputs, String lake, String source) {
      return new Settings(inputs, lake, source, null, null, "--input " + String.join(" --input ", inputs) + " --lake " + lake);
    }
  }

  /** What a run did. */
  public static final class Result {
    public final String runId;
    public final long inputsSeen;
    public final long imagesWritten;
    public final long errorsWritten;
    public final long imagesInserted;
    public final long errorsInserted;
    public final List<Date> touchedDates;
    public final double seconds;

    Result(String runId, long inputsSeen, long imagesWritten, long errorsWritten, long imagesInserted, long errorsInserted,
        List<Date> touchedDates, double seconds) {
      this.runId = runId;
      this.inputsSeen = inputsSeen;
      this.imagesWritten = imagesWritten;
      this.errorsWritten = errorsWritten;
      this.imagesInserted = imagesInserted;
      this.errorsInserted = errorsInserted;
      this.touchedDates = List.copyOf(touchedDates);
      this.seconds = seconds;
    }

    public double imagesPerSecond() {
      return seconds > 0 ? inputsSeen / seconds : 0;
    }

    public String summary() {
      return String.format(Locale.ROOT,
          "Run %s: inputs seen %,d = images %,d + errors %,d (new rows: images %,d, errors %,d) in %.1fs, %.1f images/s",
          runId, inputsSeen, imagesWritten, errorsWritten, imagesInserted, errorsInserted, seconds, imagesPerSecond());
    }
  }
}
