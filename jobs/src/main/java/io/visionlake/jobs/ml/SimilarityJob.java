package io.visionlake.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import io.delta.tables.DeltaTable;
import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.conf.MlOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.scoring.InputFiles;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.udfs.model.ModelCatalog;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSH;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSHModel;
import org.apache.spark.ml.feature.Normalizer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Similarity search over the lake's images, with MLlib.
 *
 * <ul>
 *   <li>Near-duplicates: L2-normalised embeddings ({@link MlOptions#SIMILARITY_MODEL}, by default
 *       the tiny-image descriptor) are hashed with {@link BucketedRandomProjectionLSH} and
 *       self-joined with {@code approxSimilarityJoin} under the distance threshold; images with
 *       the same bytes at several paths are pairs at distance 0. New pairs are merged into
 *       {@code near_duplicates}, each once, so a re-run adds nothing.
 *   <li>Query: the query file is embedded through the same partitioned path and compared with
 *       every image exactly (a single query would hash every row anyway: LSH saves nothing there
 *       and could miss neighbours).
 * </ul>
 */
public final class SimilarityJob {
  private static final Logger LOG = LoggerFactory.getLogger(SimilarityJob.class);
  static final String JOB = "similar";

  private SimilarityJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, new SimilarCommand(), args);
  }

  /** Finds near-duplicate pairs among the lake's images and merges the new ones into near_duplicates. */
  public static Result findNearDuplicates(SparkSession spark, Settings settings) {
    Instant started = Instant.now();
    Context ctx = Context.of(spark, settings);
    double threshold = settings.threshold != null ? settings.threshold : ctx.conf().getDouble(MlOptions.SIMILARITY_THRESHOLD);
    if (!(threshold > 0 && threshold <= 2)) {
      throw new IllegalArgumentException("Near-duplicate threshold must be in (0, 2] (a distance of unit vectors), got " + threshold
          + "; set --threshold or " + MlOptions.SIMILARITY_THRESHOLD);
    }
    spark.sparkContext().setJobGroup("visionlake-similar", String.format(Locale.ROOT,
        "Near-duplicates (model=%s, threshold=%s) in %s", ctx.model().spec().name(), threshold, ctx.lake().root()), false);
    try {
      LakeEmbeddings.Embedded embedded = LakeEmbeddings.load(spark, ctx.lake(), ctx.model(), settings.source);
      Dataset<Row> vectors = normalised(embedded.rows);
      BucketedRandomProjectionLSH lsh = new BucketedRandomProjectionLSH()
          .setInputCol("features").setOutputCol("hashes")
          .setBucketLength(ctx.conf().getDouble(MlOptions.SIMILARITY_BUCKET_LENGTH))
          .setNumHashTables(ctx.conf().getInt(MlOptions.SIMILARITY_HASH_TABLES))
          .setSeed(ctx.conf().getLong(MlOptions.SEED));
      BucketedRandomProjectionLSHModel model = lsh.fit(vectors);
      Dataset<Row> hashed = model.transform(vectors).cache();
      Timestamp now = Timestamp.from(Instant.now());
      Dataset<Row> similar = model.approxSimilarityJoin(hashed, hashed, threshold, "distance")
          .select(col("datasetA.image_id").as("image_id_a"), col("datasetB.image_id").as("image_id_b"),
              col("datasetA.path").as("path_a"), col("datasetB.path").as("path_b"), col("distance"))
          .filter(col("image_id_a").lt(col("image_id_b")));
      Dataset<Row> pairs = similar.unionByName(sameBytes(spark, ctx.lake(), settings.source))
          .withColumn("model_name", lit(ctx.model().spec().name()))
          .withColumn("found_at", lit(now))
          .select(Lake.NEAR_DUPLICATES_SCHEMA.fieldNames()[0], java.util.Arrays.copyOfRange(Lake.NEAR_DUPLICATES_SCHEMA.fieldNames(), 1, 7))
          .persist();
      long found = pairs.count();
      DeltaTable table = ctx.lake().ensure(spark, Lake.NEAR_DUPLICATES, Lake.NEAR_DUPLICATES_SCHEMA);
      // A pair of distinct images is one row whatever their paths; same-bytes pairs are one row per pair of paths.
      long inserted = found == 0 ? 0 : table.as("t").merge(pairs.as("s"),
              "t.image_id_a = s.image_id_a AND t.image_id_b = s.image_id_b"
                  + " AND (s.image_id_a <> s.image_id_b OR (t.path_a = s.path_a AND t.path_b = s.path_b))")
          .whenNotMatched().insertAll().execute().first().<Long>getAs("num_inserted_rows");
      pairs.unpersist();
      hashed.unpersist();
      embedded.rows.unpersist();
      double seconds = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0;
      return new Result(embedded.images, embedded.newlyEmbedded, embedded.unusable, found, inserted, threshold, seconds);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** The k images nearest to the file {@code queryFile}: rank, distance, path, image_id, source. */
  public static Dataset<Row> query(SparkSession spark, Settings settings, String queryFile, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("--k must be at least 1, got " + k);
    }
    Context ctx = Context.of(spark, settings);
    String uri = InputFiles.toUri(queryFile);
    Dataset<Row> listing = spark.createDataFrame(List.of(RowFactory.create(uri)), new StructType().add("path", DataTypes.StringType));
    Row scored = ctx.model().scoreFiles(listing, 1, null).first();
    if (!scored.<Boolean>getAs("ok")) {
      throw new IllegalArgumentException("Query image " + queryFile + " cannot be used (" + scored.getAs("stage") + ": "
          + scored.getAs("error_class") + " " + scored.getAs("message") + "); give a readable image file");
    }
    Vector key = unit(scored.<scala.collection.Seq<Float>>getAs("embedding"));
    LakeEmbeddings.Embedded embedded = LakeEmbeddings.load(spark, ctx.lake(), ctx.model(), settings.source);
    UDF1<Vector, Double> distance = v -> Math.sqrt(Vectors.sqdist(v, key));
    return normalised(embedded.rows)
        .withColumn("distance", org.apache.spark.sql.functions.udf(distance, DataTypes.DoubleType).apply(col("features")))
        .orderBy(col("distance"), col("path"))
        .limit(k)
        .withColumn("rank", row_number().over(Window.orderBy(col("distance"), col("path"))))
        .select("rank", "distance", "path", "image_id", "source");
  }

  /** array&lt;float&gt; embedding -> L2-normalised ml Vector column {@code features}. */
  static Dataset<Row> normalised(Dataset<Row> rows) {
    Dataset<Row> raw = rows.withColumn("raw", org.apache.spark.ml.functions.array_to_vector(col("embedding")));
    return new Normalizer().setP(2).setInputCol("raw").setOutputCol("features").transform(raw).drop("raw");
  }

  private static Vector unit(scala.collection.Seq<Float> embedding) {
    double[] v = new double[embedding.size()];
    double norm = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = embedding.apply(i);
      norm += v[i] * v[i];
    }
    norm = Math.sqrt(norm);
    for (int i = 0; i < v.length && norm > 0; i++) {
      v[i] /= norm;
    }
    return Vectors.dense(v);
  }

  /** The same bytes under two paths: every pair of paths of one image_id, at distance 0. */
  private static Dataset<Row> sameBytes(SparkSession spark, Lake lake, String source) {
    Dataset<Row> images = lake.table(spark, Lake.IMAGES).toDF();
    if (source != null) {
      images = images.filter(col("source").equalTo(source));
    }
    Dataset<Row> a = images.select(col("image_id").as("image_id_a"), col("path").as("path_a")).distinct();
    Dataset<Row> b = images.select(col("image_id").as("image_id_b"), col("path").as("path_b")).distinct();
    return a.join(b, a.col("image_id_a").equalTo(b.col("image_id_b")).and(a.col("path_a").lt(b.col("path_b"))))
        .select(col("image_id_a"), col("image_id_b"), col("path_a"), col("path_b"), lit(0.0).as("distance"));
  }

  /** What both modes resolve first. */
  private record Context(JobConf conf, Lake lake, ScoringPlan model) {
    static Context of(SparkSession spark, Settings settings) {
      ModelCatalog catalog = ModelCatalog.fromEnvironment();
      JobConf conf = JobConf.forJob(catalog, settings.confFile, spark);
      String ref = settings.model != null ? settings.model : conf.get(MlOptions.SIMILARITY_MODEL);
      return new Context(conf, new Lake(settings.lake), ScoringPlan.forEmbeddings(spark, conf, catalog, ref, MlOptions.SIMILARITY_MODEL_DEFAULT + " or " + JobOptions.MODEL_DEFAULT));
    }
  }

  /** What a run was asked to do. */
  public record Settings(String lake, String source, String model, Double threshold, Path confFile) {
    public static Settings of(String lake) {
      return new Settings(lake, null, null, null, null);
    }

    public Settings withModel(String model) {
      return new Settings(lake, source, model, threshold, confFile);
    }

    public Settings withThreshold(double threshold) {
      return new Settings(lake, source, model, threshold, confFile);
    }
  }

  /** What a near-duplicate run did. */
  public record Result(long images, long newlyEmbedded, long unusable, long pairsFound, long pairsInserted, double threshold, double seconds) {
    public String summary() {
      return String.format(Locale.ROOT,
          "Near-duplicates: %,d image(s) (%,d newly embedded, %,d unusable), %,d pair(s) within %.3f (%,d new) in %.1fs, %.1f images/s",
          images, newlyEmbedded, unusable, pairsFound, threshold, pairsInserted, seconds, seconds > 0 ? images / seconds : 0);
    }
  }
}
