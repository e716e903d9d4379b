package io.visionlake.jobs.faces;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.window;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * When a gallery person was at which camera: what {@code face_sightings} holds, per camera,
 * tumbling window and person. A function of the stream's {@code faces} rows, so the stream
 * recomputes the windows a micro-batch touched and MERGEs them (exactly once however often a batch
 * runs, as {@code flow_counts}), and {@code faces forget} can delete a person's rows outright.
 *
 * <p>Counted in frames, not tracks: a face is not tracked across frames (the tracker follows
 * {@code objects}' boxes), and a frame is what an analyst can open.
 */
public final class FaceSightings {
  private FaceSightings() {}

  /**
   * Per (camera, window, person) of {@code faces} rows of frames matched to a person: {@code frames}
   * (distinct frames showing them), {@code faces} (matched faces: more than frames when two faces in
   * one frame matched the same person), first and last capture time, and the closest match.
   */
  public static Dataset<Row> of(Dataset<Row> faces, String windowDuration) {
    return faces.filter(col("camera_id").isNotNull().and(col("person").isNotNull()))
        .groupBy(col("camera_id"), window(col("captured_at"), windowDuration).as("w"), col("person"))
        .agg(count_distinct(col("captured_at"), col("image_id")).as("frames"), count(lit(1)).as("faces"),
            min("captured_at").as("first_seen"), max("captured_at").as("last_seen"), min("distance").as("min_distance"))
        .select(col("camera_id"), col("w.start").as("window_start"), col("w.end").as("window_end"), col("person"), col("frames"),
            col("faces"), col("first_seen"), col("last_seen"), col("min_distance"));
  }
}
