package io.visionlake.jobs.scoring;

import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.MlOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.udfs.heads.LabelHead;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --head} for the batch and stream jobs: loads the head (failing before any inference when
 * it is missing or was trained on another model's embeddings) and adds {@code head_label},
 * {@code head_score} to the rows a job writes. The columns join a table the first time a head is
 * used (Delta schema evolution); rows written before keep nulls, and so do later rows of runs
 * without a head.
 */
public final class HeadColumns {
  private static final Logger LOG = LoggerFactory.getLogger(HeadColumns.class);

  private HeadColumns() {}

  /** The head named {@code ref} (a name under heads.dir, or a path/URI), or null when {@code ref} is null. */
  public static LabelHead load(SparkSession spark, String ref, JobConf conf, Path home, String modelName) {
    if (ref == null) {
      return null;
    }
    LabelHead head = LabelHead.load(spark, headUri(ref, conf, home));
    head.requireEmbeddingModel(modelName);
    LOG.info("Head {} from {}: labels {}", head.name(), head.uri(), head.labels());
    return head;
  }

  /** {@code rows} (with an {@code embedding} column) as {@code table} of {@code lake} takes them. */
  public static Dataset<Row> attach(SparkSession spark, Lake lake, String table, Dataset<Row> rows, LabelHead head) {
    boolean tableHasThem = List.of(lake.table(spark, table).toDF().columns()).contains(LabelHead.LABEL_COL);
    if (head == null) {
      return tableHasThem ? LabelHead.withNulls(rows) : rows;
    }
    if (!tableHasThem) {
      spark.sql("ALTER TABLE delta.`" + lake.path(table) + "` ADD COLUMNS (" + LabelHead.LABEL_COL + " STRING, "
          + LabelHead.SCORE_COL + " FLOAT)");
    }
    return head.apply(rows, "embedding");
  }

  /** Where the head {@code ref} lives: a name under heads.dir, or a path/URI as given. */
  public static String headUri(String ref, JobConf conf, Path home) {
    if (ref.contains("/") || ref.contains(":")) {
      return InputFiles.toUri(ref);
    }
    if (!ref.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("Head name '" + ref + "' may contain only letters, digits, '.', '_' and '-'");
    }
    String dir = conf.get(MlOptions.HEADS_DIR);
    boolean isUri;
    try {
      isUri = new URI(dir).getScheme() != null;
    } catch (java.net.URISyntaxException e) {
      isUri = false;
    }
    String base = isUri ? dir : home.resolve(dir).normalize().toUri().toString();
    return (base.endsWith("/") ? base : base + "/") + ref;
  }
}
