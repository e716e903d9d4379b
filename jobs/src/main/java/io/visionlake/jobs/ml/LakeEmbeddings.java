package io.visionlake.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.struct;

import io.delta.tables.DeltaTable;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.scoring.ScoringPlan;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding of every distinct image in the lake under one model: {@code images.embedding}
 * where the batch job used that model, otherwise computed once from the image's file and kept in
 * {@code image_embeddings} (keyed by image_id and model), so later searches only embed new images.
 */
public final class LakeEmbeddings {
  private static final Logger LOG = LoggerFactory.getLogger(LakeEmbeddings.class);

  /** Images of the lake with their embedding (image_id, path, source, embedding), and what it took to get them. */
  static final class Embedded {
    final Dataset<Row> rows;
    final long images;
    final long newlyEmbedded;
    final long unusable;

    Embedded(Dataset<Row> rows, long images, long newlyEmbedded, long unusable) {
      this.rows = rows;
      this.images = images;
      this.newlyEmbedded = newlyEmbedded;
      this.unusable = unusable;
    }
  }

  private LakeEmbeddings() {}

  /**
   * @param source only images of this source, or null for all
   * @return one row per distinct image_id (its first path in sort order), persisted: unpersist when done
   */
  static Embedded load(SparkSession spark, Lake lake, ScoringPlan model, String source) {
    if (!lake.exists(spark, Lake.IMAGES)) {
      throw new IllegalArgumentException("Lake " + lake.root() + " has no images table; run scripts/submit batch --lake "
          + lake.root() + " first");
    }
    String name = model.spec().name();
    Dataset<Row> images = lake.table(spark, Lake.IMAGES).toDF();
    if (source != null) {
      images = images.filter(col("source").equalTo(source));
    }
    // Same bytes are one image: keep its first path (a stable choice across runs).
    Dataset<Row> distinct = images
        .groupBy("image_id")
        .agg(min_by(struct(col("path"), col("source"), col("model_name"), col("embedding")), col("path")).as("r"))
        .select(col("image_id"), col("r.path").as("path"), col("r.source").as("source"),
            col("r.model_name").as("model_name"), col("r.embedding").as("embedding"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> direct = distinct.filter(col("model_name").equalTo(name).and(col("embedding").isNotNull()))
        .select("image_id", "path", "source", "embedding");
    Dataset<Row> others = distinct.filter(col("model_name").notEqual(name).or(col("embedding").isNull()));

    long newlyEmbedded = 0;
    long unusable = 0;
    Dataset<Row> fromTable = null;
    if (!others.isEmpty()) {
      DeltaTable table = lake.ensure(spark, Lake.IMAGE_EMBEDDINGS, Lake.IMAGE_EMBEDDINGS_SCHEMA);
      Dataset<Row> known = table.toDF().filter(col("model_name").equalTo(name)).select("image_id", "embedding");
      Dataset<Row> missing = others.join(known, others.col("image_id").equalTo(known.col("image_id")), "left_anti")
          .select("path", "image_id");
      long missingCount = missing.count();
      if (missingCount > 0) {
        Dataset<Row> scored = model.scoreFiles(missing.select("path").distinct(), model.partitions(spark, missingCount), null)
            .join(missing.withColumnRenamed("image_id", "lake_image_id"), "path")
            .persist(StorageLevel.MEMORY_AND_DISK());
        // A file that changed since ingest has other bytes than its image_id: its embedding would lie.
        Dataset<Row> usable = scored.filter(col("ok").and(col("image_id").equalTo(col("lake_image_id"))));
        Dataset<Row> rows = usable.select(col("image_id"), lit(name).as("model_name"), lit(model.modelSha()).as("model_sha256"),
            col("path"), col("embedding"), current_timestamp().as("embedded_at"));
        newlyEmbedded = table.as("t").merge(rows.as("s"), "t.image_id = s.image_id AND t.model_name = s.model_name")
            .whenNotMatched().insertAll().execute().first().getAs("num_inserted_rows");
        List<Row> failed = scored.filter(col("ok").equalTo(false).or(col("image_id").notEqual(col("lake_image_id"))))
            .select("path", "stage", "error_class", "message").collectAsList();
        unusable = failed.size();
        failed.stream().limit(10).forEach(r -> LOG.warn("Image {} skipped ({}: {} {}): its file cannot be embedded with {}; "
            + "re-ingest it with scripts/submit batch", r.get(0), r.get(1), r.get(2), r.get(3) == null ? "file changed since ingest" : r.get(3), name));
        scored.unpersist();
      }
      Dataset<Row> stored = table.toDF().filter(col("model_name").equalTo(name)).select(col("image_id"), col("embedding"));
      fromTable = others.select("image_id", "path", "source").join(stored, "image_id");
    }
    Dataset<Row> all = fromTable == null ? direct : direct.unionByName(fromTable);
    all = all.persist(StorageLevel.MEMORY_AND_DISK());
    long count = all.count();
    distinct.unpersist();
    LOG.info("{} image(s) with a {} embedding ({} newly embedded, {} unusable)", count, name, newlyEmbedded, unusable);
    return new Embedded(all, count, newlyEmbedded, unusable);
  }
}
