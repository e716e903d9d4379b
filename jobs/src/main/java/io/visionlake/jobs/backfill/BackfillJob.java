package io.visionlake.jobs.backfill;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.ProgressReporter;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.faces.FaceRecognition;
import io.visionlake.jobs.lake.DeltaRetry;
import io.visionlake.jobs.lake.FlowCounts;
import io.visionlake.jobs.lake.LabelStats;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.lake.RunLog;
import io.visionlake.jobs.scoring.InputFiles;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.udfs.model.Credentials;
import io.visionlake.udfs.model.ModelCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backfill: re-processes a range of days of an input tree laid out by day ({@link DayLayout}),
 * one day at a time (at most {@code --parallel-days} at once), with the batch job's scoring core
 * ({@link ScoringPlan}).
 *
 * <p>A day is a unit of work: its files' rows replace the day's slice of each table in one
 * {@code replaceWhere} overwrite per table ({@code images}: {@code ingest_date = day AND source =
 * S} and the path under the day's folder; {@code image_errors}: {@code source = S} and the path
 * under the day's folder), then {@code label_stats} (and {@code flow_counts}, where {@code frames}
 * exist) are recomputed for the day. {@code job_runs} gets a {@code RUNNING} row when the day
 * starts and a {@code SUCCEEDED} or {@code FAILED} row when it ends, with the day's folder, the
 * fingerprint of its files and of the result-shaping settings, and the model; a day whose latest
 * row for its folder is {@code SUCCEEDED} with the same fingerprint and model is skipped unless
 * forced, and its {@code label_stats} is checked against {@code images} and healed. A run
 * killed anywhere leaves each table either before or after a day's commit, and the next run redoes
 * every day that did not finish: replaceWhere makes the redo exact, never a duplicate.
 */
public final class BackfillJob {
  private static final Logger LOG = LoggerFactory.getLogger(BackfillJob.class);
  static final String JOB = "backfill";
  static final String RUNNING = RunLog.RUNNING;
  static final String SUCCEEDED = RunLog.SUCCEEDED;
  static final String FAILED = RunLog.FAILED;
  static final String NO_INPUT = "NO_INPUT";
  /**
   * Exit code when no day of the range had input files. The others: 0 done, 1 failed (no day of the
   * range done), 2 bad arguments, {@link #PARTIAL_EXIT} 4 some days failed and others are done.
   */
  public static final int NO_INPUT_EXIT = 3;
  /** Exit code when some days failed and the others are done (processed now or skipped as done). */
  public static final int PARTIAL_EXIT = 4;

  private BackfillJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, new BackfillCommand(), args);
  }

  /**
   * Runs the backfill on {@code spark}; what tests call. Failed days are in the result, not thrown;
   * a failure before any day starts (settings, model, listing) is thrown and recorded in {@code
   * job_runs} as one FAILED row without day columns.
   */
  public static Result run(SparkSession spark, Settings settings) {
    Instant started = Instant.now();
    try {
      return runDays(spark, settings, started);
    } catch (Throwable e) {
      try {
        RunLog.of(spark, new Lake(settings.lake)).append(RunLog.Entry.run(UUID.randomUUID().toString(), JOB, settings.arguments,
            started, null, null, null, FAILED, RunLog.cause(e)));
      } catch (RuntimeException recordError) {
        e.addSuppressed(recordError);
      }
      throw RunLog.surface(e);
    }
  }

  private static Result runDays(SparkSession spark, Settings settings, Instant started) {
    requireRoot(spark.sessionState().newHadoopConf(), settings.input); // before the model loads
    ModelCatalog catalog = ModelCatalog.fromEnvironment();
    JobConf conf = JobConf.forJob(catalog, settings.confFile, spark);
    Lake lake = new Lake(settings.lake);
    ScoringPlan scoring = ScoringPlan.prepare(spark, conf, catalog, settings.model, settings.analyzers, false, ScoringPlan.Workload.FILES);
    String model = scoring.modelName() + "@" + scoring.modelVersion();
    // Read once for all days; null without the faces analyser.
    FaceRecognition recognition = FaceRecognition.prepare(spark, lake, conf, scoring.selection());
    int attempts = conf.getInt(JobOptions.COMMIT_ATTEMPTS);

    Configuration hadoop = spark.sessionState().newHadoopConf();
    List<DayInputs> days = new ArrayList<>();
    for (LocalDate d = settings.from; !d.isAfter(settings.to); d = d.plusDays(1)) {
      days.add(DayInputs.list(hadoop, d, settings.layout.dayDir(settings.input, d)));
    }
    ensureTables(spark, lake);
    RunLog runs = RunLog.of(spark, lake);
    Map<LocalDate, String> dirs = days.stream().collect(Collectors.toMap(d -> d.day, d -> d.dir));
    Map<LocalDate, Row> latest = runs.latestDays(JOB, settings.source, settings.from, settings.to, dirs::get);
    String resultSettings = scoring.resultSettings();

    List<DayInputs> todo = new ArrayList<>();
    List<DayOutcome> outcomes = new ArrayList<>();
    for (DayInputs day : days) {
      Row last = latest.get(day.day);
      if (!day.exists || day.files.isEmpty()) {
        LOG.warn("Backfill {}: no input files under {}", day.day, day.dir);
        outcomes.add(new DayOutcome(day.day, NO_INPUT, 0, 0, 0, 0, "no files under " + day.dir));
      } else if (!settings.force && last != null && SUCCEEDED.equals(last.getAs("status"))
          && day.fingerprint(resultSettings).equals(last.getAs("inputs_fingerprint")) && model.equals(last.getAs("model"))
          && scoring.modelSha().equals(last.getAs("model_sha256"))) {
        LOG.info("Backfill {}: done already with the same inputs and settings ({}) and model {}; skipped", day.day,
            day.fingerprint(resultSettings), model);
        outcomes.add(new DayOutcome(day.day, "SKIPPED", day.files.size(), 0, 0, 0, null));
      } else {
        todo.add(day);
      }
    }

    long totalFiles = todo.stream().mapToLong(d -> d.files.size()).sum();
    LongAccumulator done = spark.sparkContext().longAccumulator("visionlake.backfill.images");
    AtomicInteger daysDone = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(settings.parallelDays, Math.max(1, todo.size()))));
    try (ProgressReporter progress = new ProgressReporter(spark, JOB, done, totalFiles, conf.getInt(JobOptions.PROGRESS_SECONDS), settings.quiet)) {
      progress.extra(() -> String.format(Locale.ROOT, " · days %d/%d", daysDone.get(), todo.size()));
      List<Future<DayOutcome>> futures = new ArrayList<>();
      for (DayInputs day : todo) {
        futures.add(pool.submit(() -> {
          try {
            return processDay(spark, settings, lake, runs, scoring, recognition, model, attempts, day, done);
          } finally {
            daysDone.incrementAndGet();
          }
        }));
      }
      for (Future<DayOutcome> f : futures) {
        try {
          outcomes.add(f.get());
        } catch (ExecutionException e) {
          throw new IllegalStateException("Backfill day failed unexpectedly: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("Backfill interrupted", e);
        }
      }
      progress.finish();
    } finally {
      pool.shutdownNow();
    }
    outcomes.sort((a, b) -> a.day.compareTo(b.day));
    healLabelStats(spark, lake, attempts, outcomes);
    double seconds = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0;
    long hidden = days.stream().mapToLong(d -> d.hidden).sum();
    if (hidden > 0) {
      LOG.info("Backfill: {} under {}", InputFiles.hiddenNote(hidden), settings.input);
    }
    return new Result(outcomes, seconds, hidden);
  }

  /** One day: score, replace the day's slices, refresh the gold tables, record the outcome. */
  private static DayOutcome processDay(SparkSession spark, Settings settings, Lake lake, RunLog runs, ScoringPlan scoring,
      FaceRecognition recognition, String model, int attempts, DayInputs day, LongAccumulator done) {
    String runId = UUID.randomUUID().toString();
    Instant started = Instant.now();
    Date ingestDate = Date.valueOf(day.day);
    spark.sparkContext().setJobGroup("visionlake-backfill-" + day.day + "-" + runId,
        String.format(Locale.ROOT, "Backfill %s (%d files, model=%s) into %s", day.day, day.files.size(), model, lake.root()), false);
    recordDay(runs, runId, settings, day, model, scoring.modelSha(), scoring.resultSettings(), started, null, RUNNING, null, null);
    // Set inside the try, so a failing score() is recorded like any other failure of the day.
    AtomicReference<Dataset<Row>> scored = new AtomicReference<>();
    try {
      Dataset<Row> results = scoring.score(spark, day.files, done);
      scored.set(results);
      long ok = ScoringPlan.countOk(results);
      Timestamp now = Timestamp.from(Instant.now());
      String images = imagesPredicate(ingestDate, day, settings.source);
      String errors = errorsPredicate(day, settings.source);
      Dataset<Row> imageRows = scoring.imageRows(results, settings.source, ingestDate, now, runId);
      FaceRecognition.Split faces = recognition == null ? null : recognition.split(imageRows, FaceRecognition.images(runId, ingestDate, now));
      Dataset<Row> dayImages = faces == null ? imageRows : faces.rows();
      DeltaRetry.onConflict("backfill " + day.day + " images", attempts, () -> dayImages
          .write().format("delta").mode("overwrite").option("replaceWhere", images)
          .option("mergeSchema", "true") // --analyzers: their nullable columns join the table
          .option("userMetadata", runId).save(lake.path(Lake.IMAGES)));
      DeltaRetry.onConflict("backfill " + day.day + " image_errors", attempts, () -> ScoringPlan.errorRows(results, settings.source, now, runId)
          .write().format("delta").mode("overwrite").option("replaceWhere", errors)
          .option("userMetadata", runId).save(lake.path(Lake.IMAGE_ERRORS)));
      // The day's faces replace its slice like images; a day re-run without the faces analyser
      // leaves none behind (its images no longer say where they were).
      if (faces != null || lake.exists(spark, Lake.FACES)) {
        Dataset<Row> dayFaces = faces != null ? faces.faces() : FaceRecognition.none(spark);
        if (faces != null) {
          lake.ensure(spark, Lake.FACES, Lake.FACES_SCHEMA, "day");
        }
        try {
          DeltaRetry.onConflict("backfill " + day.day + " faces", attempts, () -> dayFaces
              .write().format("delta").mode("overwrite").option("replaceWhere", facesPredicate(ingestDate, day, settings.source))
              .option("userMetadata", runId).save(lake.path(Lake.FACES)));
        } finally {
          if (faces != null) {
            faces.release();
          }
        }
      }
      DeltaRetry.onConflict("backfill " + day.day + " label_stats", attempts,
          () -> LabelStats.refresh(spark, lake, List.of(ingestDate)));
      if (lake.exists(spark, Lake.FRAMES)) {
        DeltaRetry.onConflict("backfill " + day.day + " flow_counts", attempts, () -> FlowCounts.refreshDay(spark, lake, day.day));
      }
      long failed = day.files.size() - ok;
      recordDay(runs, runId, settings, day, model, scoring.modelSha(), scoring.resultSettings(), started, new long[] {day.files.size(), ok, failed},
          SUCCEEDED, day.hidden == 0 ? null : InputFiles.hiddenNote(day.hidden), scoring.layouts());
      LOG.info("Backfill {}: {} files = {} images + {} errors", day.day, day.files.size(), ok, failed);
      return new DayOutcome(day.day, SUCCEEDED, day.files.size(), ok, failed,
          (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0, null);
    } catch (Exception e) {
      // Exception, not RuntimeException: Spark's checked SparkException (a failed task or write)
      // must fail this day only, and record it, instead of escaping and leaving it RUNNING.
      LOG.error("Backfill {} failed", day.day, e);
      String cause = RunLog.cause(e);
      try {
        recordDay(runs, runId, settings, day, model, scoring.modelSha(), scoring.resultSettings(), started, null, FAILED, cause,
            scoring.layouts());
      } catch (RuntimeException recordError) {
        LOG.error("Backfill {}: recording its failure in job_runs failed too", day.day, recordError);
      }
      return new DayOutcome(day.day, FAILED, day.files.size(), 0, 0, 0, cause);
    } finally {
      if (scored.get() != null) {
        scored.get().unpersist();
      }
      spark.sparkContext().clearJobGroup();
    }
  }

  /**
   * label_stats of the range's days this run did not just recompute (skipped, failed, without
   * input), where it no longer matches images: a run stopped between a day's images commit and its
   * label_stats commit, or another writer of the same partition (another input root, the batch
   * job) did. Days that match are left alone, so a run that skips everything commits nothing. A
   * failure here is logged, not fatal: the days are done, and the next run heals again.
   */
  private static void healLabelStats(SparkSession spark, Lake lake, int attempts, List<DayOutcome> outcomes) {
    List<Date> others = outcomes.stream().filter(o -> !o.status.equals(SUCCEEDED)).map(o -> Date.valueOf(o.day)).collect(Collectors.toList());
    try {
      DeltaRetry.onConflict("backfill label_stats check", attempts, () -> {
        List<Date> healed = LabelStats.heal(spark, lake, others);
        if (!healed.isEmpty()) {
          LOG.warn("Backfill: label_stats of {} did not match images (a run stopped between the two commits?); recomputed", healed);
        }
      });
    } catch (RuntimeException e) {
      LOG.error("Backfill: could not check label_stats of {} against images; the next run checks again", others, e);
    }
  }

  /**
   * The day's slice of {@code images}: its partition, for this source, the files under the day's
   * folder. The folder is part of the slice so that two input roots backfilled under one source
   * (two mounts of one camera fleet) each replace their own rows, as {@code image_errors} does.
   */
  static String imagesPredicate(Date ingestDate, DayInputs day, String source) {
    return "ingest_date = '" + ingestDate + "' AND " + errorsPredicate(day, source);
  }

  /** The day's slice of {@code faces}: its images' faces (frames' faces have no source). */
  static String facesPredicate(Date ingestDate, DayInputs day, String source) {
    return "day = '" + ingestDate + "' AND " + errorsPredicate(day, source);
  }

  /** The day's slice of {@code image_errors} (not partitioned): this source's rows of files under the day's folder. */
  /**
   * A root that is not there is a wrong {@code --input} (exit 2, the path named), not a day without
   * input (exit 3, retry later): retrying would never help.
   */
  private static void requireRoot(Configuration hadoop, String input) {
    InputFiles.refuseCredentials(input, "--input");
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(input);
    try {
      FileSystem fs = root.getFileSystem(hadoop);
      if (!fs.exists(root)) {
        throw new IllegalArgumentException(InputFiles.missing(fs, root) + " (--input, the folder holding the day folders)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(Credentials.mask("Cannot list the input " + input + ": " + e.getMessage()), e);
    }
  }

  static String errorsPredicate(DayInputs day, String source) {
    return "source = " + Lake.sqlString(source) + " AND startswith(path, " + Lake.sqlString(day.pathPrefix()) + ")";
  }


  private static void ensureTables(SparkSession spark, Lake lake) {
    lake.ensure(spark, Lake.IMAGES, Lake.IMAGES_SCHEMA, "ingest_date");
    lake.ensure(spark, Lake.IMAGE_ERRORS, Lake.IMAGE_ERRORS_SCHEMA);
    lake.ensure(spark, Lake.LABEL_STATS, Lake.LABEL_STATS_SCHEMA, "ingest_date");
  }

  private static void recordDay(RunLog runs, String runId, Settings settings, DayInputs day, String model,
      String modelSha, String resultSettings, Instant started, long[] counts, String status, String message, String layout) {
    runs.append(new RunLog.Entry(runId, JOB, settings.arguments, started, RUNNING.equals(status) ? null : Instant.now(),
        counts == null ? null : counts[0], counts == null ? null : counts[1], counts == null ? null : counts[2], status, message,
        day.day, settings.source, day.fingerprint(resultSettings), model, modelSha, day.dir, layout));
  }


  /** What a backfill is asked to do. */
  public static final class Settings {
    final String input;
    final String lake;
    final LocalDate from;
    final LocalDate to;
    DayLayout layout = DayLayout.HIVE;
    String source = "backfill";
    String model;
    List<String> analyzers = List.of();
    boolean force;
    boolean quiet;
    int parallelDays = 1;
    Path confFile;
    String arguments;

    public Settings(String input, String lake, LocalDate from, LocalDate to) {
      if (to.isBefore(from)) {
        throw new IllegalArgumentException("--to " + to + " is before --from " + from);
      }
      this.input = input;
      this.lake = lake;
      this.from = from;
      this.to = to;
      this.arguments = "--input " + input + " --from " + from + " --to " + to + " --lake " + lake;
    }

    public Settings layout(DayLayout layout) {
      this.layout = layout;
      return this;
    }

    public Settings source(String source) {
      if (source.isBlank()) {
        throw new IllegalArgumentException("--source must not be empty");
      }
      this.source = source;
      return this;
    }

    public Settings model(String model) {
      this.model = model;
      return this;
    }

    public Settings analyzers(String list) {
      this.analyzers = Arrays.stream(list.split(",")).map(String::trim).filter(a -> !a.isEmpty()).distinct().collect(Collectors.toList());
      return this;
    }

    public Settings force(boolean force) {
      this.force = force;
      return this;
    }

    public Settings quiet(boolean quiet) {
      this.quiet = quiet;
      return this;
    }

    public Settings parallelDays(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("--parallel-days must be >= 1, got " + n);
      }
      this.parallelDays = n;
      return this;
    }

    public Settings confFile(Path file) {
      this.confFile = file;
      return this;
    }

    Settings arguments(String arguments) {
      this.arguments = arguments;
      return this;
    }
  }

  /** What happened to one day. */
  public record DayOutcome(LocalDate day, String status, long files, long images, long errors, double seconds, String message) {
    @Override
    public String toString() {
      return day + " " + status + (message == null ? "" : " (" + message + ")");
    }
  }

  /** What a backfill did. */
  public record Result(List<DayOutcome> days, double seconds, long hiddenSkipped) {
    public Result {
      days = List.copyOf(days);
    }

    long count(String status) {
      return days.stream().filter(d -> d.status.equals(status)).count();
    }

    public long processed() {
      return count(SUCCEEDED);
    }

    public long skipped() {
      return count("SKIPPED");
    }

    public long failed() {
      return count(FAILED);
    }

    public long noInput() {
      return count(NO_INPUT);
    }

    /** Files scored by this run (skipped days not counted). */
    public long filesProcessed() {
      return days.stream().filter(d -> d.status.equals(SUCCEEDED)).mapToLong(d -> d.files).sum();
    }

    public double daysPerMinute() {
      return seconds > 0 ? processed() * 60.0 / seconds : 0;
    }

    public double imagesPerSecond() {
      return seconds > 0 ? filesProcessed() / seconds : 0;
    }

    /** The command's exit code. */
    public int exitCode() {
      if (failed() > 0) {
        // Some days failed while others are done (now or before): partial, a retry redoes only the failed ones.
        return processed() + skipped() > 0 ? PARTIAL_EXIT : JobMain.FAILED;
      }
      // Not one day had input (not landed yet, or a wrong --input/--layout): its own exit code, so a
      // scheduler (scripts/nightly) can tell it from done without reading the summary text.
      return noInput() == days.size() ? NO_INPUT_EXIT : JobMain.DONE;
    }

    /** One line, what scripts/nightly prints. */
    public String summary() {
      String failedDays = days.stream().filter(d -> d.status.equals(FAILED)).map(d -> d.day.toString()).collect(Collectors.joining(","));
      return String.format(Locale.ROOT,
          "backfill: %d day(s): processed %d, skipped %d, no input %d, failed %d%s; %,d files in %.1fs (%.2f days/min, %.1f images/s)",
          days.size(), processed(), skipped(), noInput(), failed(), failedDays.isEmpty() ? "" : " [" + failedDays + "]",
          filesProcessed(), seconds, daysPerMinute(), imagesPerSecond())
          + (hiddenSkipped == 0 ? "" : "; " + InputFiles.hiddenNote(hiddenSkipped));
    }
  }
}
