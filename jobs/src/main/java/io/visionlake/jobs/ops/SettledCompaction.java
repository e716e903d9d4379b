package io.visionlake.jobs.ops;

import io.visionlake.jobs.lake.Lake;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.util.DeltaFileOperations;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Compaction of a table a running stream rewrites every micro-batch ({@code flow_counts}, {@code
 * object_counts}, {@code tracks}: the open windows' or tracks' file is removed and written anew by
 * each batch; {@code face_sightings}: merged). Delta's OPTIMIZE takes every file, the stream's
 * current one too, so beside a stream that commits every few seconds it loses every race (measured:
 * eight attempts in a row on {@code object_counts} beside a 1-s micro-batch stream). This compacts
 * only the settled files, those older than {@code maintain.settledMinutes} (10): a running stream's
 * current file is younger than its trigger interval plus a batch, so the two commits touch different files. The commit
 * changes no data ({@code dataChange=false}, an OPTIMIZE in the history): a stream's appends do not
 * conflict with it, and a stream whose table changed under its batch rewrites its rows on the new
 * version (its general path).
 */
final class SettledCompaction {
  /** Tables a running stream removes files from every micro-batch. */
  static final Set<String> TABLES = Set.of(Lake.FLOW_COUNTS, Lake.OBJECT_COUNTS, Lake.TRACKS, Lake.FACE_SIGHTINGS);

  private SettledCompaction() {}

  /**
   * Rewrites the settled files (written before {@code settledBefore}, epoch ms) of the
   * unpartitioned Delta table at {@code path} as one file, its rows sorted by {@code sortBy};
   * returns the files it replaced (0 when fewer than two were settled). A file with deleted rows (a
   * deletion vector) is left as it is: a plain read would bring its deleted rows back.
   */
  static long compact(SparkSession spark, String path, String[] sortBy, long settledBefore) {
    DeltaLog log = DeltaLog.forTable(spark, path);
    OptimisticTransaction t = log.startTransaction();
    if (!t.metadata().partitionColumns().isEmpty()) {
      throw new IllegalArgumentException(path + " is partitioned: settled compaction handles unpartitioned tables");
    }
    List<AddFile> settled = t.snapshot().allFiles().collectAsList().stream()
        .filter(f -> f.modificationTime() < settledBefore && f.deletionVector() == null).toList();
    if (settled.size() < 2) {
      return 0;
    }
    // The commit conflicts only with a writer that removed one of these files meanwhile.
    t.trackFilesRead(CollectionConverters.asScala(settled).toList());
    String[] paths = settled.stream().map(f -> DeltaFileOperations.absolutePath(log.dataPath().toString(), f.path()).toString())
        .toArray(String[]::new);
    Column[] order = java.util.Arrays.stream(sortBy).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    Dataset<Row> rows = spark.read().schema(t.metadata().schema()).parquet(paths).coalesce(1);
    if (order.length > 0) {
      rows = rows.sortWithinPartitions(order);
    }
    long now = System.currentTimeMillis();
    List<Action> actions = new ArrayList<>();
    settled.forEach(f -> actions.add(f.removeWithTimestamp(now, false)));
    for (FileAction f : CollectionConverters.asJava(t.writeFiles(rows))) {
      AddFile a = (AddFile) f;
      actions.add(a.copy(a.path(), a.partitionValues(), a.size(), a.modificationTime(), false, a.stats(), a.tags(), a.deletionVector(),
          a.baseRowId(), a.defaultRowCommitVersion(), a.clusteringProvider()));
    }
    t.commit(CollectionConverters.asScala(actions).toList(), new DeltaOperations.Optimize(
        CollectionConverters.asScala(List.<org.apache.spark.sql.catalyst.expressions.Expression>of()).toList(),
        CollectionConverters.asScala(List.of(sortBy)).toList(), false, Option.empty(), false));
    return settled.size();
  }
}
