package io.visionlake.jobs.lake;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.window;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The per-class flow statistics of tracked frames per camera and tumbling window: what {@code
 * object_counts} holds. A function of {@code frames} (their objects and track ids) and {@code
 * line_crossings}, so the stream recomputes the windows a batch touched and MERGEs them, and tests
 * recompute the whole table in batch to check it.
 */
public final class ObjectCounts {
  private ObjectCounts() {}

  /**
   * Per (camera, window, label): {@code objects} = distinct track ids (objects never confirmed as a
   * track are not counted), {@code detections} = boxes, {@code peak} = most boxes in one frame,
   * {@code crossings_in}/{@code crossings_out} over all lines of the camera.
   *
   * <p>A tracked box counts under its track's class ({@code tracks.label}), not the class the
   * detector gave it in that frame: a van the detector calls car, truck and car again is one track
   * of class car (the tracker's class groups), one object under one label.
   *
   * @param frames rows with stream_id, camera_id, captured_at, objects (structs with label and
   *     track_id) and a column {@code frameKey} names that tells frames apart
   * @param tracks the {@code tracks} table (stream_id, camera_id, track_id, label)
   */
  public static Dataset<Row> of(Dataset<Row> frames, Column frameKey, Dataset<Row> tracks, Dataset<Row> crossings, String windowDuration) {
    Dataset<Row> boxes = frames.filter(col("objects").isNotNull())
        .select(col("stream_id"), col("camera_id"), window(col("captured_at"), windowDuration).as("w"), frameKey.as("frame"),
            explode(col("objects")).as("o"))
        .select(col("stream_id"), col("camera_id"), col("w"), col("frame"), col("o.label").as("detected"), col("o.track_id").as("track_id"));
    Dataset<Row> objects = boxes.join(tracks.select(col("stream_id"), col("camera_id"), col("track_id"), col("label").as("tracked")),
            new String[] {"stream_id", "camera_id", "track_id"}, "left")
        .withColumn("label", org.apache.spark.sql.functions.coalesce(col("tracked"), col("detected")));
    Dataset<Row> perFrame = objects.groupBy(col("camera_id"), col("w"), col("frame"), col("label"))
        .agg(count(lit(1)).as("n"));
    Dataset<Row> detections = objects.groupBy(col("camera_id"), col("w"), col("label"))
        .agg(count(lit(1)).as("detections"), count_distinct(col("track_id")).as("objects"))
        .join(perFrame.groupBy("camera_id", "w", "label").agg(max("n").cast(DataTypes.IntegerType).as("peak")),
            new String[] {"camera_id", "w", "label"});
    Dataset<Row> crossed = crossings.select(col("camera_id"), window(col("crossed_at"), windowDuration).as("w"), col("label"),
            col("direction"))
        .groupBy("camera_id", "w", "label")
        .agg(sum(when(col("direction").equalTo("in"), 1).otherwise(0)).cast(DataTypes.LongType).as("crossings_in"),
            sum(when(col("direction").equalTo("out"), 1).otherwise(0)).cast(DataTypes.LongType).as("crossings_out"));
    return detections.join(crossed, new String[] {"camera_id", "w", "label"}, "left")
        .select(col("camera_id"), col("w.start").as("window_start"), col("w.end").as("window_end"), col("label"),
            col("objects"), col("detections"), col("peak"),
            org.apache.spark.sql.functions.coalesce(col("crossings_in"), lit(0L)).as("crossings_in"),
            org.apache.spark.sql.functions.coalesce(col("crossings_out"), lit(0L)).as("crossings_out"));
  }
}
