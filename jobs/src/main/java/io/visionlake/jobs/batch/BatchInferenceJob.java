package io.visionlake.jobs.batch;

import io.delta.tables.DeltaTable;
import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.ProgressReporter;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.faces.FaceRecognition;
import io.visionlake.jobs.lake.LabelStats;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.lake.RunLog;
import io.visionlake.jobs.lake.WriteFiles;
import io.visionlake.jobs.scoring.AnalyzerSelection;
import io.visionlake.jobs.scoring.HeadColumns;
import io.visionlake.jobs.scoring.InputFiles;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.udfs.heads.LabelHead;
import io.visionlake.udfs.model.ModelCatalog;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
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

  private BatchInferenceJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, new BatchCommand(), args);
  }

  /** Runs the job on {@code spark}; what tests call. */
  public static Result run(SparkSession spark, Settings settings) {
    String runId = UUID.randomUUID().toString();
    Instant started = Instant.now();
    Lake lake = new Lake(settings.lake);
    try {
      ModelCatalog catalog = ModelCatalog.fromEnvironment();
      JobConf conf = JobConf.forJob(catalog, settings.confFile, spark);
      Result result = execute(spark, settings, conf, catalog, lake, runId, started);
      RunLog.of(spark, lake).append(RunLog.Entry.run(runId, JOB, settings.arguments, started, result.inputsSeen, result.imagesWritten,
          result.errorsWritten, RunLog.SUCCEEDED, result.hiddenSkipped == 0 ? null : InputFiles.hiddenNote(result.hiddenSkipped))
          .withLayout(result.layout));
      return result;
    } catch (Throwable e) {
      // Throwable: Spark's checked SparkException (a failed task, a failed write) escapes a
      // RuntimeException catch, and such a run must not vanish from job_runs.
      try {
        RunLog.of(spark, lake).append(RunLog.Entry.run(runId, JOB, settings.arguments, started, null, null, null, RunLog.FAILED,
            RunLog.cause(e)));
      } catch (RuntimeException recordError) {
        e.addSuppressed(recordError);
      }
      throw RunLog.surface(e);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  private static Result execute(SparkSession spark, Settings settings, JobConf conf, ModelCatalog catalog, Lake lake,
      String runId, Instant started) {
    // A wrong --input is found before the model loads.
    InputFiles.Listing listing = InputFiles.list(spark.sessionState().newHadoopConf(), settings.inputs);
    // --- scoring core shared with BackfillJob (ScoringPlan) ---
    ScoringPlan plan = ScoringPlan.prepare(spark, conf, catalog, settings.model, settings.analyzers, settings.head != null,
        ScoringPlan.Workload.FILES);
    spark.sparkContext().setJobGroup("visionlake-batch-" + runId,
        String.format(Locale.ROOT, "Batch inference (%s, inputs=%s) into %s", plan.describe(), settings.inputs, lake.root()), false);
    LabelHead head = HeadColumns.load(spark, settings.head, conf, catalog.home(), plan.modelName()); // --head: fail before inference
    // The gallery is read once, before inference (a bad threshold fails first); null without the faces analyser.
    FaceRecognition recognition = FaceRecognition.prepare(spark, lake, conf, plan.selection());
    List<String> files = listing.files();
    long inputs = files.size();
    LOG.info("Run {}: {} input file(s) in {} partition(s){}, {} (sha256 {})", runId, inputs,
        plan.partitions(spark, inputs), listing.hidden() == 0 ? "" : "; " + InputFiles.hiddenNote(listing.hidden()), plan.describe(), plan.modelSha());
    LongAccumulator done = spark.sparkContext().longAccumulator("visionlake.images");
    Dataset<Row> results = plan.score(spark, files, done);
    long ok;
    try (ProgressReporter progress = new ProgressReporter(spark, JOB, done, inputs, conf.getInt(JobOptions.PROGRESS_SECONDS), settings.quiet)) {
      // One pass fills the cache and counts the outcomes; the writes below read the cache.
      ok = timed("inference", () -> ScoringPlan.countOk(results));
      progress.finish();
    }
    Timestamp now = Timestamp.from(Instant.now());
    Date ingestDate = Date.valueOf(LocalDate.ofInstant(started, ZoneOffset.UTC));
    Dataset<Row> images = plan.imageRows(results, settings.source, ingestDate, now, runId);
    Dataset<Row> errors = ScoringPlan.errorRows(results, settings.source, now, runId);
    // --- end of scoring core ---
    // Each face becomes a faces row (matched to the gallery); images keep lean boxes with the match.
    FaceRecognition.Split faces = recognition == null ? null : recognition.split(images, FaceRecognition.images(runId, ingestDate, now));
    if (faces != null) {
      images = faces.rows();
    }

    long failed = inputs - ok;
    // Every table exists after any run (analysts' queries never miss one); a MERGE costs seconds of
    // planning even when its source is empty, so the ones with nothing to add are skipped.
    lake.ensure(spark, Lake.IMAGES, Lake.IMAGES_SCHEMA, "ingest_date");
    // A file per 128 MB of results (at least one per core), not one per inference partition (WriteFiles).
    long resultBytes = WriteFiles.cachedBytes(results);
    Dataset<Row> imagesOut = WriteFiles.coalesce(spark,
        HeadColumns.attach(spark, lake, Lake.IMAGES, images, head), resultBytes); // may add head columns: take the table after
    DeltaTable imagesTable = lake.table(spark, Lake.IMAGES);
    DeltaTable errorsTable = lake.ensure(spark, Lake.IMAGE_ERRORS, Lake.IMAGE_ERRORS_SCHEMA);
    long imagesInserted = ok == 0 ? 0 : timed("write images", () -> insertNew(spark, imagesTable, imagesOut,
        "t.path = s.path AND t.image_id = s.image_id", runId, true));
    long errorsInserted = failed == 0 ? 0 : timed("write image_errors", () -> insertNew(spark, errorsTable,
        WriteFiles.coalesce(spark, errors, resultBytes),
        "t.path = s.path AND t.image_id <=> s.image_id AND t.stage = s.stage AND t.error_class = s.error_class", runId, true));
    // Insert-only like images: a re-run after a kill between the two commits adds the faces it missed.
    long facesInserted = 0;
    if (faces != null) {
      long found = faces.faces().count();
      facesInserted = found == 0 ? 0 : timed("write faces", () -> insertNew(spark, lake.ensure(spark, Lake.FACES, Lake.FACES_SCHEMA, "day"),
          faces.faces(), "t.path = s.path AND t.image_id = s.image_id AND t.face_index = s.face_index", runId, false));
      LOG.info("Run {}: {} face(s), {} new; {}", runId, found, facesInserted, recognition.matcher().describe());
      faces.release();
    }
    // label_stats is a function of images, and a run only adds images dated ingestDate; it (and
    // object_stats) counts labels and objects, so rows with neither (a faces or OCR run) change no
    // day's counts: their 2-s recomputation is skipped.
    boolean counted = plan.selection().labels || plan.selection().fields.stream().anyMatch(f -> f.name().equals(LabelStats.OBJECTS_COLUMN));
    List<Date> touched = imagesInserted > 0 && counted ? List.of(ingestDate) : List.of();
    timed("refresh label_stats", () -> {
      LabelStats.refresh(spark, lake, touched);
      return null;
    });
    // A run killed after its images commit and before that refresh left days whose label_stats miss
    // those images; the re-run inserts nothing for them, so it heals the days of the rows it found.
    List<Date> healed = imagesInserted < ok
        ? timed("heal label_stats", () -> LabelStats.heal(spark, lake, LabelStats.daysOf(spark, lake, imagesOut)))
        : List.of();
    java.util.SortedSet<Date> refreshed = new java.util.TreeSet<>(touched);
    refreshed.addAll(healed);

    results.unpersist();
    double seconds = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0;
    return new Result(runId, inputs, ok, failed, imagesInserted, errorsInserted, List.copyOf(refreshed), seconds, listing.hidden(),
        faces == null ? -1 : facesInserted, plan.layouts());
  }

  /**
   * Insert-only MERGE: rows whose key is already in the table are left as they are. Returns rows
   * inserted. With schema evolution: a run with a new analyser adds its (nullable) columns to the
   * table, older rows read null there, and a later run without that analyser writes null to them.
   *
   * @param asPartitioned write the rows in their (coalesced) partitioning ({@link WriteFiles}), as
   *     images and image_errors are; false keeps Delta's one writer per partition value, which
   *     suits {@code faces}: a row per face, far fewer than images, one file a day
   */
  private static long insertNew(SparkSession spark, DeltaTable table, Dataset<Row> rows, String keyCondition, String runId,
      boolean asPartitioned) {
    Row[] metrics = new Row[1];
    java.util.function.Supplier<Row> merge =
        () -> table.as("t").merge(rows.as("s"), keyCondition).withSchemaEvolution().whenNotMatched().insertAll().execute().first();
    withCommitMetadata(spark, runId, () -> metrics[0] = asPartitioned ? WriteFiles.mergeAsPartitioned(spark, merge) : merge.get());
    return metrics[0].getLong(metrics[0].fieldIndex("num_inserted_rows"));
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
    /** No progress bar (the summary is still printed). */
    boolean quiet;

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
    /** Dot-files under the inputs, not read (see InputFiles). */
    public final long hiddenSkipped;
    /** New rows in {@code faces}; -1 when the run recognised no faces (no {@code faces} analyser). */
    public final long facesInserted;
    /** The inference layout(s) the executors ran the model with (job_runs.layout); null without a model. */
    public final String layout;

    Result(String runId, long inputsSeen, long imagesWritten, long errorsWritten, long imagesInserted, long errorsInserted,
        List<Date> touchedDates, double seconds, long hiddenSkipped, long facesInserted, String layout) {
      this.layout = layout;
      this.hiddenSkipped = hiddenSkipped;
      this.facesInserted = facesInserted;
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
          runId, inputsSeen, imagesWritten, errorsWritten, imagesInserted, errorsInserted, seconds, imagesPerSecond())
          + (facesInserted < 0 ? "" : String.format(Locale.ROOT, "; new faces %,d", facesInserted))
          + (hiddenSkipped == 0 ? "" : "; " + InputFiles.hiddenNote(hiddenSkipped));
    }
  }
}
