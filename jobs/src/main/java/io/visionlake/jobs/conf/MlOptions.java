package io.visionlake.jobs.conf;

import java.util.Map;

/**
 * Keys and code defaults of the MLlib jobs' settings (similarity search and label heads); merged
 * into {@link JobConf} with {@link JobOptions}' and documented in README "Similarity search" and
 * "Label heads".
 */
public final class MlOptions {
  /**
   * Model spec whose embedding near-duplicate search compares (name in conf/models or a path).
   * centernet-embed, not tiny-image: on the sample photos it alone separates every copy (crops up to
   * 10 %, also off-centre; half size; JPEG 60; 3 degree rotation) from every distinct photo
   * (scripts/bench --workloads similarity, docs/similarity.md "Which embedding").
   */
  public static final String SIMILARITY_MODEL = JobOptions.PREFIX + "similarity.model";
  public static final String SIMILARITY_MODEL_DEFAULT = "centernet-embed";

  /**
   * Largest Euclidean distance of L2-normalised embeddings still called a near-duplicate; 0.28 is
   * centernet-embed's measured best (copies at most 0.25, distinct photos at least 0.31).
   */
  public static final String SIMILARITY_THRESHOLD = JobOptions.PREFIX + "similarity.threshold";
  public static final String SIMILARITY_THRESHOLD_DEFAULT = "0.28";

  /** BucketedRandomProjectionLSH bucket length (in the units of the normalised embedding). */
  public static final String SIMILARITY_BUCKET_LENGTH = JobOptions.PREFIX + "similarity.bucketLength";
  public static final String SIMILARITY_BUCKET_LENGTH_DEFAULT = "0.1";

  /** BucketedRandomProjectionLSH hash tables: more find more pairs and cost more. */
  public static final String SIMILARITY_HASH_TABLES = JobOptions.PREFIX + "similarity.numHashTables";
  public static final String SIMILARITY_HASH_TABLES_DEFAULT = "6";

  /** Seed of the random projections and of the heads' train/test split: re-runs give the same answer. */
  public static final String SEED = JobOptions.PREFIX + "ml.seed";
  public static final String SEED_DEFAULT = "42";

  /** Where heads are saved and found: a path (relative to the VisionLake home) or any Hadoop URI (s3a://...). */
  public static final String HEADS_DIR = JobOptions.PREFIX + "heads.dir";
  public static final String HEADS_DIR_DEFAULT = "models/heads";

  /** Share of the labelled images held out to evaluate a head. */
  public static final String HEAD_TEST_FRACTION = JobOptions.PREFIX + "heads.testFraction";
  public static final String HEAD_TEST_FRACTION_DEFAULT = "0.2";

  /** LogisticRegression regularisation and iterations of a head. */
  public static final String HEAD_REG_PARAM = JobOptions.PREFIX + "heads.regParam";
  public static final String HEAD_REG_PARAM_DEFAULT = "0.001";
  public static final String HEAD_MAX_ITER = JobOptions.PREFIX + "heads.maxIter";
  public static final String HEAD_MAX_ITER_DEFAULT = "200";

  static final Map<String, String> DEFAULTS = Map.of(
      SIMILARITY_MODEL, SIMILARITY_MODEL_DEFAULT,
      SIMILARITY_THRESHOLD, SIMILARITY_THRESHOLD_DEFAULT,
      SIMILARITY_BUCKET_LENGTH, SIMILARITY_BUCKET_LENGTH_DEFAULT,
      SIMILARITY_HASH_TABLES, SIMILARITY_HASH_TABLES_DEFAULT,
      SEED, SEED_DEFAULT,
      HEADS_DIR, HEADS_DIR_DEFAULT,
      HEAD_TEST_FRACTION, HEAD_TEST_FRACTION_DEFAULT,
      HEAD_REG_PARAM, HEAD_REG_PARAM_DEFAULT,
      HEAD_MAX_ITER, HEAD_MAX_ITER_DEFAULT);

  private MlOptions() {}
}
