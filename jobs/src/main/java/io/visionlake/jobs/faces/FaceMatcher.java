package io.visionlake.jobs.faces;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.struct;

import io.visionlake.jobs.conf.FaceOptions;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.MlOptions;
import io.visionlake.jobs.lake.Lake;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSH;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSHModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each face the nearest gallery person whose descriptor lies below the threshold. The
 * gallery ({@code face_gallery}) is read once, when the matcher is prepared, so a run (a batch, a
 * backfill, a whole stream) matches every face against the same gallery; a stream picks up a new
 * enrolment when it restarts.
 *
 * <p>Two ways, chosen by the gallery's size ({@link FaceOptions#LSH_ABOVE}): up to that many
 * descriptors, an exact search against a broadcast copy (a few hundred floats per person: cheap to
 * ship, and exact); above, MLlib's {@link BucketedRandomProjectionLSH} {@code approxSimilarityJoin}
 * against the hashed gallery (a face then meets only the gallery entries sharing a bucket, and may
 * miss its nearest one: approximate by design).
 *
 * <p>Driver-side only (it holds a broadcast handle or a cached gallery).
 */
public final class FaceMatcher {
  private static final Logger LOG = LoggerFactory.getLogger(FaceMatcher.class);
  static final StructType MATCH = new StructType().add("person", DataTypes.StringType, true).add("distance", DataTypes.FloatType, true);

  /** How faces are matched: no gallery, exact against a broadcast copy, or LSH. */
  public enum Mode { NONE, EXACT, LSH }

  private final double threshold;
  private final long gallerySize;
  private final Mode mode;
  private final Broadcast<Gallery> broadcast;
  private final BucketedRandomProjectionLSHModel lsh;
  private final Dataset<Row> hashedGallery;

  private FaceMatcher(double threshold, long gallerySize, Mode mode, Broadcast<Gallery> broadcast, BucketedRandomProjectionLSHModel lsh,
      Dataset<Row> hashedGallery) {
    this.threshold = threshold;
    this.gallerySize = gallerySize;
    this.mode = mode;
    this.broadcast = broadcast;
    this.lsh = lsh;
    this.hashedGallery = hashedGallery;
  }

  /** The gallery's persons and descriptors, as the exact search ships them to executors. */
  record Gallery(String[] persons, float[][] descriptors) implements Serializable {}

  /** Reads {@code face_gallery} of {@code lake} once and decides how to match against it. */
  public static FaceMatcher prepare(SparkSession spark, Lake lake, JobConf conf) {
    double threshold = threshold(conf);
    long lshAbove = conf.getLong(FaceOptions.LSH_ABOVE);
    if (lshAbove < 0) {
      throw new IllegalArgumentException("Setting " + FaceOptions.LSH_ABOVE + " must be >= 0 (gallery descriptors), got " + lshAbove);
    }
    if (!lake.exists(spark, Lake.FACE_GALLERY)) {
      LOG.info("Faces: no face_gallery in {}; every face is unknown (enrol people with scripts/submit faces enrol)", lake.root());
      return new FaceMatcher(threshold, 0, Mode.NONE, null, null, null);
    }
    Dataset<Row> gallery = lake.read(spark, Lake.FACE_GALLERY).select("person", "descriptor");
    // One read decides: a gallery within the limit is collected by that same read.
    List<Row> rows = gallery.limit((int) Math.min(Integer.MAX_VALUE - 1, lshAbove + 1)).collectAsList();
    if (rows.isEmpty()) {
      return new FaceMatcher(threshold, 0, Mode.NONE, null, null, null);
    }
    if (rows.size() <= lshAbove) {
      String[] persons = new String[rows.size()];
      float[][] descriptors = new float[rows.size()][];
      for (int i = 0; i < rows.size(); i++) {
        persons[i] = rows.get(i).getString(0);
        descriptors[i] = floats(rows.get(i).getList(1));
      }
      Broadcast<Gallery> b = new JavaSparkContext(spark.sparkContext()).broadcast(new Gallery(persons, descriptors));
      LOG.info("Faces: exact match against {} gallery descriptor(s), threshold {}", rows.size(), threshold);
      return new FaceMatcher(threshold, rows.size(), Mode.EXACT, b, null, null);
    }
    Dataset<Row> vectors = gallery.select(col("person"), org.apache.spark.ml.functions.array_to_vector(col("descriptor")).as("features"));
    BucketedRandomProjectionLSHModel model = new BucketedRandomProjectionLSH()
        .setInputCol("features").setOutputCol("hashes")
        .setBucketLength(conf.getDouble(FaceOptions.LSH_BUCKET_LENGTH))
        .setNumHashTables(conf.getInt(FaceOptions.LSH_HASH_TABLES))
        .setSeed(conf.getLong(MlOptions.SEED))
        .fit(vectors);
    Dataset<Row> hashed = model.transform(vectors).persist(StorageLevel.MEMORY_AND_DISK());
    long size = hashed.count();
    LOG.info("Faces: LSH match against {} gallery descriptors (above {} = {}), threshold {}", size, FaceOptions.LSH_ABOVE, lshAbove, threshold);
    return new FaceMatcher(threshold, size, Mode.LSH, null, model, hashed);
  }

  /** {@link FaceOptions#MATCH_THRESHOLD}, checked: a distance of descriptors, in (0, 2]. */
  public static double threshold(JobConf conf) {
    double t = conf.getDouble(FaceOptions.MATCH_THRESHOLD);
    if (!(t > 0 && t <= 2)) {
      throw new IllegalArgumentException("Setting " + FaceOptions.MATCH_THRESHOLD + " must be in (0, 2] (a distance of face descriptors),"
          + " got " + t);
    }
    return t;
  }

  public Mode mode() {
    return mode;
  }

  public long gallerySize() {
    return gallerySize;
  }

  public double threshold() {
    return threshold;
  }

  public String describe() {
    return String.format(Locale.ROOT, "faces matched %s (gallery %d, threshold %s)", mode.name().toLowerCase(Locale.ROOT), gallerySize, threshold);
  }

  /**
   * {@code faces} (a {@code descriptor} column, array&lt;float&gt;) with {@code person} and {@code
   * distance} added: the nearest gallery person below the threshold, or nulls (unknown, no
   * descriptor, no gallery). Ties go to the person whose name sorts first.
   */
  public Dataset<Row> match(Dataset<Row> faces) {
    switch (mode) {
      case EXACT: {
        Dataset<Row> m = faces.withColumn("_match",
            org.apache.spark.sql.functions.udf(new Nearest(broadcast, threshold), MATCH).apply(col("descriptor")));
        return m.withColumn("person", col("_match.person")).withColumn("distance", col("_match.distance")).drop("_match");
      }
      case LSH: {
        // Each face needs an id to find its best pair again; computed once (checkpointed), so the
        // id of a face is the same in the join and in the rows it is joined back to.
        Dataset<Row> keyed = faces.withColumn("_face", monotonically_increasing_id()).localCheckpoint();
        Dataset<Row> queries = keyed.filter(col("descriptor").isNotNull())
            .select(col("_face"), org.apache.spark.ml.functions.array_to_vector(col("descriptor")).as("features"));
        Dataset<Row> best = lsh.approxSimilarityJoin(queries, hashedGallery, threshold, "_d")
            .groupBy(col("datasetA._face").as("_face"))
            .agg(min(struct(col("_d"), col("datasetB.person").as("person"))).as("_m"))
            .select(col("_face"), col("_m.person").as("person"), col("_m._d").cast(DataTypes.FloatType).as("distance"));
        return keyed.join(best, new String[] {"_face"}, "left").drop("_face");
      }
      default:
        return faces.withColumn("person", lit(null).cast(DataTypes.StringType)).withColumn("distance", lit(null).cast(DataTypes.FloatType));
    }
  }

  /** Releases the cached gallery (LSH). */
  public void close() {
    if (hashedGallery != null) {
      hashedGallery.unpersist();
    }
  }

  static float[] floats(List<?> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }

  /** Euclidean distance of two descriptors; +inf when their lengths differ (another model's). */
  static double distance(float[] a, float[] b) {
    if (a.length != b.length) {
      return Double.POSITIVE_INFINITY;
    }
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      sum += d * d;
    }
    return Math.sqrt(sum);
  }

  /** The exact search, on executors: a descriptor -> (person, distance) of the nearest gallery entry below the threshold. */
  static final class Nearest implements UDF1<scala.collection.Seq<Object>, Row> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<Gallery> gallery;
    private final double threshold;

    Nearest(Broadcast<Gallery> gallery, double threshold) {
      this.gallery = gallery;
      this.threshold = threshold;
    }

    @Override
    public Row call(scala.collection.Seq<Object> descriptor) {
      if (descriptor == null) {
        return RowFactory.create(null, null);
      }
      float[] d = new float[descriptor.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = ((Number) descriptor.apply(i)).floatValue();
      }
      Gallery g = gallery.value();
      String best = null;
      double bestDistance = Double.POSITIVE_INFINITY;
      for (int i = 0; i < g.persons().length; i++) {
        double dist = distance(d, g.descriptors()[i]);
        if (dist < bestDistance || (dist == bestDistance && best != null && g.persons()[i].compareTo(best) < 0)) {
          bestDistance = dist;
          best = g.persons()[i];
        }
      }
      return bestDistance < threshold ? RowFactory.create(best, (float) bestDistance) : RowFactory.create(null, null);
    }
  }
}
