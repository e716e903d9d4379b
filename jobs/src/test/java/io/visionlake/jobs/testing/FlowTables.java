package io.visionlake.jobs.testing;

import io.visionlake.jobs.lake.FlowCounts;
import io.visionlake.jobs.lake.Lake;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Stream tables as the tests read them: flow_counts as written, and recomputed in batch from frames. */
public final class FlowTables {
  private FlowTables() {}

  public static Dataset<Row> table(Path lake, String name) {
    return SparkSession.active().read().format("delta").load(new Lake(lake.toString()).path(name));
  }

  /** flow_counts recomputed in batch from frames, as the stream should have it. */
  public static List<Row> recomputed(Path lake, String window) {
    return sorted(FlowCounts.of(table(lake, Lake.FRAMES), window));
  }

  public static List<Row> streamed(Path lake) {
    return sorted(table(lake, Lake.FLOW_COUNTS).select("camera_id", "window_start", "window_end", "frames", "people_detections",
        "avg_people", "peak_people", "faces", "people"));
  }

  public static List<Row> sorted(Dataset<Row> d) {
    return d.orderBy("camera_id", "window_start").collectAsList();
  }
}
