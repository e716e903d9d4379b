package io.visionlake.jobs.conf;

import java.util.Map;

/**
 * Keys and code defaults of face recognition (the {@code faces} analyser's matches against the
 * gallery); merged into {@link JobConf} with {@link JobOptions}' and documented in
 * docs/configuration.md "Faces".
 */
public final class FaceOptions {
  /**
   * Euclidean distance of two face descriptors below which they are called the same person. 0.45,
   * not dlib's 0.6: on 27 faces of real photos no two different people are closer (the closest
   * 0.468; at 0.6, 7 % of the pairs would match), while 103 of 107 copies (mirrored, JPEG 60,
   * half, 1.5x size) are (docs/recognition.md "Threshold").
   */
  public static final String MATCH_THRESHOLD = JobOptions.PREFIX + "faces.matchThreshold";
  public static final String MATCH_THRESHOLD_DEFAULT = "0.45";

  /**
   * Gallery size (descriptors) above which faces are matched with MLlib's
   * BucketedRandomProjectionLSH approxSimilarityJoin instead of an exact search against a
   * broadcast copy of the gallery.
   */
  public static final String LSH_ABOVE = JobOptions.PREFIX + "faces.lshAbove";
  public static final String LSH_ABOVE_DEFAULT = "5000";

  /** LSH bucket length, in descriptor units (descriptors' random projections spread over about +-0.3). */
  public static final String LSH_BUCKET_LENGTH = JobOptions.PREFIX + "faces.lsh.bucketLength";
  public static final String LSH_BUCKET_LENGTH_DEFAULT = "0.05";

  /** LSH hash tables: more miss fewer matches and cost more. */
  public static final String LSH_HASH_TABLES = JobOptions.PREFIX + "faces.lsh.numHashTables";
  public static final String LSH_HASH_TABLES_DEFAULT = "10";

  /**
   * Whether the {@code faces} table keeps each face's descriptor (biometric data). false keeps the
   * match (person, distance) only; {@code faces search} then has nothing to compare with.
   */
  public static final String STORE_DESCRIPTORS = JobOptions.PREFIX + "faces.storeDescriptors";
  public static final String STORE_DESCRIPTORS_DEFAULT = "true";

  static final Map<String, String> DEFAULTS = Map.of(
      MATCH_THRESHOLD, MATCH_THRESHOLD_DEFAULT,
      LSH_ABOVE, LSH_ABOVE_DEFAULT,
      LSH_BUCKET_LENGTH, LSH_BUCKET_LENGTH_DEFAULT,
      LSH_HASH_TABLES, LSH_HASH_TABLES_DEFAULT,
      STORE_DESCRIPTORS, STORE_DESCRIPTORS_DEFAULT);

  private FaceOptions() {}
}
