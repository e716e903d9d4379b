package io.visionlake.jobs.lake;

import static org.apache.spark.sql.functions.col;

import io.visionlake.udfs.model.Credentials;
import io.visionlake.udfs.model.ModelUnavailableException;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code job_runs}, the audit log: the one writer of its rows (batch runs, backfill days) and the
 * reader of a backfill's history. Rows are blind appends tagged with the run id as the commit's
 * {@code userMetadata}; the backfill's day columns join the table by schema evolution (nullable,
 * so batch rows keep nulls in them).
 */
public final class RunLog {
  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String FAILED = "FAILED";
  public static final String RUNNING = "RUNNING";
  /** job_runs.message is for reading: a cause longer than this is cut. */
  static final int MAX_MESSAGE = 4000;

  /** {@link Lake#JOB_RUNS_SCHEMA} plus the backfill's {@link Lake#JOB_RUNS_DAY_COLUMNS} and {@link Lake#JOB_RUNS_RUN_COLUMNS}. */
  public static final StructType SCHEMA = withLaterColumns();

  private final SparkSession spark;
  private final Lake lake;

  private RunLog(SparkSession spark, Lake lake) {
    this.spark = spark;
    this.lake = lake;
  }

  /** The lake's run log, its table created (and evolved to carry the day columns) when needed. */
  public static RunLog of(SparkSession spark, Lake lake) {
    lake.ensure(spark, Lake.JOB_RUNS, SCHEMA);
    if (!Arrays.asList(lake.table(spark, Lake.JOB_RUNS).toDF().columns()).containsAll(Arrays.asList(SCHEMA.fieldNames()))) {
      // A table written before the backfill (or its input_dir) existed: nullable columns added; old rows read null.
      spark.createDataFrame(List.of(), SCHEMA).write().format("delta").mode("append").option("mergeSchema", "true")
          .save(lake.path(Lake.JOB_RUNS));
    }
    return new RunLog(spark, lake);
  }

  /** One row of job_runs; what a run (or a backfill day) reports. Counts are null while unknown. */
  public record Entry(String id, String job, String arguments, Instant started, Instant finished, Long inputsSeen,
      Long imagesWritten, Long errorsWritten, String status, String message, LocalDate runDate, String source,
      String inputsFingerprint, String model, String modelSha256, String inputDir, String layout) {

    /** A batch run's row: no day columns. */
    public static Entry run(String id, String job, String arguments, Instant started, Long inputs, Long images, Long errors,
        String status, String message) {
      return new Entry(id, job, arguments, started, Instant.now(), inputs, images, errors, status, message, null, null, null,
          null, null, null, null);
    }

    /** This row with the inference layout(s) the run used (null: no model ran, or unknown). */
    public Entry withLayout(String layout) {
      return new Entry(id, job, arguments, started, finished, inputsSeen, imagesWritten, errorsWritten, status, message, runDate,
          source, inputsFingerprint, model, modelSha256, inputDir, layout);
    }

    /** Arguments and message are masked here, the one way into the table, whatever the caller passed ({@link Credentials}). */
    Row toRow() {
      return RowFactory.create(id, job, Credentials.mask(arguments), Timestamp.from(started), finished == null ? null : Timestamp.from(finished),
          inputsSeen, imagesWritten, errorsWritten, status, Credentials.mask(message), runDate == null ? null : Date.valueOf(runDate), source,
          inputsFingerprint, model, modelSha256, inputDir, layout);
    }
  }

  /**
   * Appends {@code entry}. Blind appends never conflict with other writers; the retry is for the
   * rare metadata race (two backfill days, a schema evolution).
   */
  public void append(Entry entry) {
    // One row the driver holds: written by the driver itself (no Spark job) unless the table is one it cannot write alike.
    DeltaRetry.onConflict("job_runs " + entry.id(), 8, () -> {
      if (!DriverParquet.append(spark, lake.path(Lake.JOB_RUNS), SCHEMA, List.of(entry.toRow()), entry.id())) {
        spark.createDataFrame(List.of(entry.toRow()), SCHEMA)
            .write().format("delta").mode("append").option("userMetadata", entry.id()).save(lake.path(Lake.JOB_RUNS));
      }
    });
  }

  /**
   * The latest row (RUNNING, SUCCEEDED or FAILED) of each day in {@code [from, to]} of {@code job}
   * for {@code source} read from {@code inputDir(day)}: two input roots under one source each have
   * their own history, so one's run never makes the other's day look undone (or done).
   */
  public Map<LocalDate, Row> latestDays(String job, String source, LocalDate from, LocalDate to,
      Function<LocalDate, String> inputDir) {
    List<Row> rows = lake.table(spark, Lake.JOB_RUNS).toDF()
        .filter(col("job").equalTo(job).and(col("source").equalTo(source))
            .and(col("run_date").between(Date.valueOf(from), Date.valueOf(to))))
        .orderBy(col("run_date"), col("started"), col("finished").asc_nulls_first())
        .collectAsList();
    Map<LocalDate, Row> latest = new TreeMap<>();
    for (Row r : rows) {
      LocalDate day = r.<Date>getAs("run_date").toLocalDate();
      if (inputDir.apply(day).equals(r.getAs("input_dir"))) {
        latest.put(day, r);
      }
    }
    return latest;
  }

  /**
   * The {@code message} of a FAILED row: what stopped the run, readable without the log. A model
   * that cannot run gives its own message (it names the spec setting), wherever Spark wrapped it;
   * otherwise the exception's message, plus its root cause when that says more (Spark's "task
   * failed while writing" hides the path that could not be written).
   */
  public static String cause(Throwable e) {
    ModelUnavailableException model = ModelUnavailableException.in(e);
    if (model != null) {
      return Credentials.mask(model.getMessage());
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = String.valueOf(e.getMessage());
    if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
      message += " (caused by " + root + ")";
    }
    message = Credentials.mask(message);
    return message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message;
  }

  /**
   * What a failed job throws on: a model that cannot run surfaces as itself (its message is the
   * one a user acts on, not Spark's "Job aborted due to stage failure"), anything else as it was.
   * Checked exceptions are thrown unchecked so callers need not declare Spark's.
   */
  public static RuntimeException surface(Throwable e) {
    ModelUnavailableException model = ModelUnavailableException.in(e);
    if (model != null && model != e) {
      ModelUnavailableException top = new ModelUnavailableException(model.getMessage(), e);
      return top;
    }
    return RunLog.<RuntimeException>sneaky(e);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T sneaky(Throwable e) throws T {
    throw (T) e;
  }

  private static StructType withLaterColumns() {
    StructType s = Lake.JOB_RUNS_SCHEMA;
    for (StructField f : Lake.JOB_RUNS_LATER_COLUMNS.fields()) {
      s = s.add(f);
    }
    return s;
  }
}
