package io.visionlake.jobs.faces;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import io.delta.tables.DeltaTable;
import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.DeltaRetry;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.lake.RunLog;
import io.visionlake.jobs.scoring.InputFiles;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.udfs.model.Credentials;
import io.visionlake.udfs.model.ModelCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The face gallery and what users ask of the lake's faces: {@code enrol} (a folder of people's
 * photos into {@code face_gallery}), {@code remove} (a person from the gallery), {@code search}
 * (where else a face appears) and {@code forget} (a person out of every table).
 */
public final class FacesJob {
  private static final Logger LOG = LoggerFactory.getLogger(FacesJob.class);
  static final String JOB = "faces";
  /** The {@code source} of the {@code image_errors} rows of gallery images that were not enrolled. */
  public static final String GALLERY_SOURCE = "face_gallery";
  public static final String ENROLLED = "ENROLLED";
  public static final String REJECTED = "REJECTED";

  private FacesJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, new FacesCommand(), args);
  }

  /** One gallery image's outcome: enrolled, or rejected with a reason a person can act on. */
  public record Outcome(String person, String path, String status, String errorClass, String reason) {}

  /** What an enrolment did. */
  public record EnrolResult(List<Outcome> outcomes, long enrolled, long rejected, long galleryInserted, long galleryUpdated,
      long galleryDeleted, double seconds) {
    public String summary() {
      return String.format(Locale.ROOT, "Enrolled %,d image(s) of %,d person(s), rejected %,d; face_gallery: %,d new, %,d updated, %,d removed"
          + " (no longer in the folder) in %.1fs", enrolled, outcomes.stream().filter(o -> o.status.equals(ENROLLED)).map(Outcome::person)
          .distinct().count(), rejected, galleryInserted, galleryUpdated, galleryDeleted, seconds);
    }

    /** The outcomes as rows (person, path, status, error_class, reason), for printing. */
    public Dataset<Row> table(SparkSession spark) {
      List<Row> rows = new ArrayList<>();
      outcomes.forEach(o -> rows.add(RowFactory.create(o.person, o.path, o.status, o.errorClass, o.reason)));
      return spark.createDataFrame(rows, new StructType().add("person", DataTypes.StringType).add("path", DataTypes.StringType)
          .add("status", DataTypes.StringType).add("error_class", DataTypes.StringType).add("reason", DataTypes.StringType));
    }
  }

  /**
   * Enrols {@code galleryDir}: each {@code <person>/<image>} with exactly one face becomes (or stays)
   * a {@code face_gallery} row; any other image is rejected (an {@code image_errors} row, source
   * {@value #GALLERY_SOURCE}, with the reason), never guessed. The gallery rows of files under the
   * folder are made to match it: re-enrolling the same folder changes nothing, a file removed from
   * it leaves the gallery, a file moved to another person's folder changes person.
   */
  public static EnrolResult enrol(SparkSession spark, String galleryDir, String lakeRoot, Path confFile, String arguments) {
    Instant started = Instant.now();
    String runId = UUID.randomUUID().toString();
    Lake lake = new Lake(lakeRoot);
    ModelCatalog catalog = ModelCatalog.fromEnvironment();
    JobConf conf = JobConf.forJob(catalog, confFile, spark);
    String prefix = folderPrefix(spark, galleryDir);
    InputFiles.Listing listing = InputFiles.list(spark.sessionState().newHadoopConf(), List.of(galleryDir));
    if (listing.files().isEmpty()) {
      throw new IllegalArgumentException("No image files under " + galleryDir + "; a gallery is a folder of <person>/<image files>");
    }
    ScoringPlan plan = facesPlan(spark, conf, catalog);
    spark.sparkContext().setJobGroup("visionlake-faces-enrol-" + runId, "Enrol faces of " + galleryDir + " into " + lake.root(), false);
    try {
      Dataset<Row> results = plan.score(spark, listing.files(), null);
      List<Row> scored = results.select("path", "ok", "bytes", "image_id", "stage", "error_class", "message", FaceRecognition.BOXES)
          .collectAsList();
      results.unpersist();
      Timestamp now = Timestamp.from(Instant.now());
      List<Outcome> outcomes = new ArrayList<>();
      List<Row> gallery = new ArrayList<>();
      List<Row> errors = new ArrayList<>();
      for (Row r : scored) {
        String path = r.getString(0);
        String rel = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
        String person = rel.contains("/") ? rel.substring(0, rel.indexOf('/')) : null;
        String[] rejection = rejection(r, person, galleryDir);
        if (rejection == null) {
          Row box = r.<Row>getList(7).get(0);
          gallery.add(RowFactory.create(person, path, r.getString(3), box.getList(box.fieldIndex("descriptor")), plan.versions(), now));
          outcomes.add(new Outcome(person, path, ENROLLED, null, null));
        } else {
          errors.add(RowFactory.create(path, GALLERY_SOURCE, r.isNullAt(3) ? null : r.getString(3), r.getLong(2), rejection[0], rejection[1],
              rejection[2], runId, now));
          outcomes.add(new Outcome(person, path, REJECTED, rejection[1], rejection[2]));
        }
      }
      outcomes.sort((a, b) -> a.path.compareTo(b.path));
      int attempts = conf.getInt(JobOptions.COMMIT_ATTEMPTS);
      DeltaTable table = lake.ensure(spark, Lake.FACE_GALLERY, Lake.FACE_GALLERY_SCHEMA);
      Dataset<Row> source = spark.createDataFrame(gallery, Lake.FACE_GALLERY_SCHEMA);
      Row metrics = DeltaRetry.onConflict("faces enrol face_gallery", attempts, () -> table.as("t").merge(source.as("s"), "t.path = s.path")
          .whenMatched("t.person <> s.person OR t.image_id <> s.image_id OR t.model_versions <> s.model_versions").updateAll()
          .whenNotMatched().insertAll()
          .whenNotMatchedBySource("startswith(t.path, " + Lake.sqlString(prefix) + ")").delete()
          .execute().first());
      // The folder's rejections replace its earlier ones: a fixed image leaves image_errors.
      lake.ensure(spark, Lake.IMAGE_ERRORS, Lake.IMAGE_ERRORS_SCHEMA);
      DeltaRetry.onConflict("faces enrol image_errors", attempts, () -> spark.createDataFrame(errors, Lake.IMAGE_ERRORS_SCHEMA)
          .write().format("delta").mode("overwrite")
          .option("replaceWhere", "source = " + Lake.sqlString(GALLERY_SOURCE) + " AND startswith(path, " + Lake.sqlString(prefix) + ")")
          .option("userMetadata", runId).save(lake.path(Lake.IMAGE_ERRORS)));
      long enrolled = gallery.size();
      RunLog.of(spark, lake).append(RunLog.Entry.run(runId, JOB + " enrol", arguments, started, (long) scored.size(), enrolled,
          (long) errors.size(), RunLog.SUCCEEDED, null));
      double seconds = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0;
      return new EnrolResult(outcomes, enrolled, errors.size(), metric(metrics, "num_inserted_rows"), metric(metrics, "num_updated_rows"),
          metric(metrics, "num_deleted_rows"), seconds);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** Why a scored gallery image is not enrolled ({stage, error_class, message}), or null when it has exactly one face. */
  private static String[] rejection(Row r, String person, String galleryDir) {
    if (person == null || person.isBlank()) {
      return new String[] {"enrol", "NOT_IN_PERSON_FOLDER", "directly under " + galleryDir + ": put it in a folder named after the person"
          + " (" + galleryDir + "/<person>/<image>)"};
    }
    if (!r.getBoolean(1)) {
      return new String[] {r.getString(4), r.getString(5), r.getString(6)};
    }
    List<Row> boxes = r.isNullAt(7) ? List.of() : r.getList(7);
    if (boxes.isEmpty()) {
      return new String[] {"enrol", "NO_FACE", "no face found: use a photo where " + person + "'s face is visible, frontal and at least"
          + " about 80 pixels wide"};
    }
    if (boxes.size() > 1) {
      return new String[] {"enrol", "MULTIPLE_FACES", boxes.size() + " faces found: a gallery image must show exactly one face;"
          + " crop it to " + person + "'s face (which one is " + person + " is not guessed)"};
    }
    Row box = boxes.get(0);
    if (box.isNullAt(box.fieldIndex("descriptor"))) {
      return new String[] {"enrol", "NO_DESCRIPTOR", "the face could not be described (too small or cut off at the border)"};
    }
    return null;
  }

  /** Removes {@code person} from the gallery (their faces elsewhere stay: see {@link #forget}); returns the rows removed. */
  public static long remove(SparkSession spark, String lakeRoot, String person) {
    Lake lake = new Lake(lakeRoot);
    if (!lake.exists(spark, Lake.FACE_GALLERY)) {
      throw new IllegalArgumentException("Lake " + lakeRoot + " has no face_gallery: nothing to remove (enrol with scripts/submit faces enrol)");
    }
    DeltaTable table = lake.table(spark, Lake.FACE_GALLERY);
    Row metrics = deleteWhere(table, col("person").equalTo(person));
    long removed = metric(metrics, "numDeletedRows");
    if (removed == 0) {
      throw new IllegalArgumentException("No person '" + person + "' in face_gallery; enrolled: " + persons(table.toDF()));
    }
    return removed;
  }

  /**
   * The {@code k} faces of the lake nearest to the face in {@code imageFile} (its largest face when
   * it has several): rank, distance, whether it is below the match threshold, the face's person,
   * where it is (path or camera and capture time) and its box.
   */
  public static Dataset<Row> search(SparkSession spark, String lakeRoot, String imageFile, int k, Path confFile) {
    if (k < 1) {
      throw new IllegalArgumentException("--k must be at least 1, got " + k);
    }
    Lake lake = new Lake(lakeRoot);
    if (!lake.exists(spark, Lake.FACES)) {
      throw new IllegalArgumentException("Lake " + lakeRoot + " has no faces table: run batch, backfill or stream with --analyzers faces");
    }
    ModelCatalog catalog = ModelCatalog.fromEnvironment();
    JobConf conf = JobConf.forJob(catalog, confFile, spark);
    double threshold = FaceMatcher.threshold(conf);
    float[] key = queryDescriptor(spark, facesPlan(spark, conf, catalog), imageFile);
    Dataset<Row> faces = lake.read(spark, Lake.FACES).filter(col("descriptor").isNotNull());
    if (faces.isEmpty()) {
      throw new IllegalArgumentException("The faces of " + lakeRoot + " have no descriptors to compare with (written with "
          + io.visionlake.jobs.conf.FaceOptions.STORE_DESCRIPTORS + "=false, or forgotten)");
    }
    UDF1<scala.collection.Seq<Object>, Double> distance = d -> {
      float[] v = new float[d.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = ((Number) d.apply(i)).floatValue();
      }
      return FaceMatcher.distance(v, key);
    };
    return faces.withColumn("distance", org.apache.spark.sql.functions.udf(distance, DataTypes.DoubleType).apply(col("descriptor")))
        .orderBy(col("distance"), col("image_id"), col("face_index"))
        .limit(k)
        .withColumn("rank", row_number().over(Window.orderBy(col("distance"), col("image_id"), col("face_index"))))
        .withColumn("below_threshold", col("distance").lt(threshold))
        .select("rank", "distance", "below_threshold", "person", "path", "source", "camera_id", "captured_at", "face_index", "x", "y", "w", "h");
  }

  /** The descriptor of the largest face of {@code imageFile}; a file without a face is a usage error. */
  private static float[] queryDescriptor(SparkSession spark, ScoringPlan plan, String imageFile) {
    Dataset<Row> listing = spark.createDataFrame(List.of(RowFactory.create(InputFiles.toUri(imageFile))),
        new StructType().add("path", DataTypes.StringType));
    Row scored = plan.scoreFiles(listing, 1, null).first();
    if (!scored.<Boolean>getAs("ok")) {
      throw new IllegalArgumentException("Query image " + imageFile + " cannot be used (" + scored.getAs("stage") + ": "
          + scored.getAs("error_class") + " " + scored.getAs("message") + "); give a readable image file");
    }
    List<Row> boxes = scored.getList(scored.fieldIndex(FaceRecognition.BOXES));
    Row largest = null;
    for (Row b : boxes) {
      if (!b.isNullAt(b.fieldIndex("descriptor"))
          && (largest == null || area(b) > area(largest))) {
        largest = b;
      }
    }
    if (largest == null) {
      throw new IllegalArgumentException("No face found in " + imageFile + "; give a photo where the face is visible and frontal");
    }
    if (boxes.size() > 1) {
      System.err.printf(Locale.ROOT, "%s has %d faces; searching for the largest (x=%d y=%d w=%d h=%d)%n", imageFile, boxes.size(),
          largest.<Integer>getAs("x"), largest.<Integer>getAs("y"), largest.<Integer>getAs("w"), largest.<Integer>getAs("h"));
    }
    return FaceMatcher.floats(largest.getList(largest.fieldIndex("descriptor")));
  }

  private static long area(Row box) {
    return (long) box.<Integer>getAs("w") * box.<Integer>getAs("h");
  }

  /** What {@code forget} deleted or cleared, per table. */
  public record ForgetResult(String person, Map<String, Long> rows) {
    public String summary(String lakeRoot) {
      StringBuilder s = new StringBuilder();
      long total = rows.values().stream().mapToLong(Long::longValue).sum();
      s.append(String.format(Locale.ROOT, "Forgot '%s': %s%n", person, total == 0 ? "nothing of them was in the lake" : rows));
      s.append("Their rows are gone from every table's current version; older versions keep them in data files until those are\n")
          .append("vacuumed. To remove them now (this also ends time travel to earlier versions of every table):\n")
          .append("  scripts/submit maintain --lake ").append(lakeRoot).append(" --vacuum-hours 0\n")
          .append("or per table in SQL (with spark.databricks.delta.retentionDurationCheck.enabled=false):\n")
          .append("  VACUUM delta.`").append(lakeRoot).append("/faces` RETAIN 0 HOURS\n")
          .append("Their name stays in the tables' transaction logs (statistics, this command's predicate) until Delta's log\n")
          .append("retention (delta.logRetentionDuration, 30 days) expires: see docs/recognition.md \"Privacy\".");
      return s.toString();
    }
  }

  /**
   * Deletes {@code person} from the lake: their gallery images, every {@code faces} row matched to
   * them (with its descriptor and landmarks), their {@code face_sightings}, and their name from the
   * face boxes of {@code images} and {@code frames} (the box stays, unknown). Retries when a running
   * stream commits to the same table first.
   */
  public static ForgetResult forget(SparkSession spark, String lakeRoot, String person, Path confFile) {
    if (person == null || person.isBlank()) {
      throw new IllegalArgumentException("--person must name a person");
    }
    Lake lake = new Lake(lakeRoot);
    lake.tables(spark); // a lake that is not there is a usage error, not "nothing to forget"
    JobConf conf = JobConf.forJob(ModelCatalog.fromEnvironment(), confFile, spark);
    int attempts = conf.getInt(JobOptions.COMMIT_ATTEMPTS);
    Map<String, Long> rows = new LinkedHashMap<>();
    for (String t : List.of(Lake.FACE_GALLERY, Lake.FACES, Lake.FACE_SIGHTINGS)) {
      if (lake.exists(spark, t)) {
        Row m = DeltaRetry.onConflict("faces forget " + t, attempts, () -> deleteWhere(lake.table(spark, t), col("person").equalTo(person)));
        rows.put(t, metric(m, "numDeletedRows"));
      }
    }
    for (String t : List.of(Lake.IMAGES, Lake.FRAMES)) {
      if (lake.exists(spark, t) && hasPersonBoxes(lake.table(spark, t).toDF().schema())) {
        String name = Lake.sqlString(person);
        Row m = DeltaRetry.onConflict("faces forget " + t, attempts, () -> {
          Map<String, String> set = Map.of(FaceRecognition.BOXES, "transform(" + FaceRecognition.BOXES + ", b -> IF(b.person <=> " + name
              + ", named_struct('x', b.x, 'y', b.y, 'w', b.w, 'h', b.h, 'score', b.score, 'person', CAST(NULL AS STRING),"
              + " 'distance', CAST(NULL AS FLOAT)), b))");
          DeltaTable table = lake.table(spark, t);
          return commitMetrics(table, () -> table.updateExpr("exists(" + FaceRecognition.BOXES + ", b -> b.person <=> " + name + ")", set));
        });
        rows.put(t, m == null ? 0 : metric(m, "numUpdatedRows"));
      }
    }
    LOG.info("Forgot {} in {}: {}", person, lakeRoot, rows);
    return new ForgetResult(person, rows);
  }

  /** Whether a table's face_boxes carry a person (the boxes of a recognising faces analyser). */
  private static boolean hasPersonBoxes(StructType schema) {
    if (!schema.getFieldIndex(FaceRecognition.BOXES).isDefined()) {
      return false;
    }
    StructField f = schema.apply(FaceRecognition.BOXES);
    return f.dataType() instanceof ArrayType a && a.elementType() instanceof StructType s && s.getFieldIndex("person").isDefined();
  }

  private static Row deleteWhere(DeltaTable table, org.apache.spark.sql.Column condition) {
    return commitMetrics(table, () -> table.delete(condition));
  }

  /**
   * The metrics of the commit {@code change} made (DeltaTable's delete and update return nothing in
   * the Java API), or null when it committed nothing. Another writer's commit in between could be
   * read instead; these commands report counts, they do not depend on them.
   */
  private static Row commitMetrics(DeltaTable table, Runnable change) {
    long before = table.history(1).first().getLong(0);
    change.run();
    Row last = table.history(1).first();
    return last.getLong(0) == before ? null : operationMetrics(last);
  }

  /** History's operationMetrics map (strings) as a row of longs by name. */
  private static Row operationMetrics(Row history) {
    Map<String, String> m = history.getJavaMap(history.fieldIndex("operationMetrics"));
    List<StructField> fields = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    m.forEach((k, v) -> {
      fields.add(DataTypes.createStructField(k, DataTypes.LongType, true));
      values.add(Long.parseLong(v));
    });
    return new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(values.toArray(), new StructType(fields.toArray(new StructField[0])));
  }

  private static long metric(Row metrics, String name) {
    if (metrics == null || !metrics.schema().getFieldIndex(name).isDefined() || metrics.isNullAt(metrics.fieldIndex(name))) {
      return 0;
    }
    return ((Number) metrics.get(metrics.fieldIndex(name))).longValue();
  }

  private static String persons(Dataset<Row> gallery) {
    List<String> names = new ArrayList<>();
    gallery.select("person").distinct().orderBy("person").limit(50).collectAsList().forEach(r -> names.add(r.getString(0)));
    return names.isEmpty() ? "nobody" : String.join(", ", names);
  }

  /** The scoring plan of the face commands: the {@code faces} analyser alone, which must give descriptors. */
  static ScoringPlan facesPlan(SparkSession spark, JobConf conf, ModelCatalog catalog) {
    ScoringPlan plan = ScoringPlan.prepare(spark, conf, catalog, null, List.of("faces"), false, ScoringPlan.Workload.FILES);
    if (!FaceRecognition.recognises(plan.selection().fields)) {
      throw new IllegalArgumentException("The analyser 'faces' gives no face descriptors here (" + String.join(";", plan.selection().versions)
          + "); the gallery needs the recognising faces analyser (check spark.visionlake.analyzer.faces.* settings)");
    }
    return plan;
  }

  /** The qualified folder of {@code dir} with a trailing slash: the prefix of its files' paths as listed. */
  private static String folderPrefix(SparkSession spark, String dir) {
    InputFiles.refuseCredentials(dir, "--gallery");
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
    try {
      FileSystem fs = p.getFileSystem(spark.sessionState().newHadoopConf());
      if (!fs.exists(p) || !fs.getFileStatus(p).isDirectory()) {
        throw new IllegalArgumentException(InputFiles.missing(fs, p) + " (--gallery must be a folder of <person>/<image files>)");
      }
      String q = fs.makeQualified(p).toString();
      return q.endsWith("/") ? q : q + "/";
    } catch (IOException e) {
      throw new UncheckedIOException(Credentials.mask("Cannot list the gallery " + dir + ": " + e.getMessage()), e);
    }
  }

}
