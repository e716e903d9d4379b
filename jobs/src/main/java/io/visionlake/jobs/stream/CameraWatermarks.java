package io.visionlake.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The stream's per-camera state, one small file per micro-batch in the checkpoint ({@value #DIR}/{@code
 * <batchId>}): the driver's "now" the batch judged clock skew against, each camera's latest
 * on-time capture time after the batch, and each camera's object tracker ({@link CameraTracking}). A camera's watermark is its own latest capture time minus
 * {@code --watermark}, so one camera with a wrong clock never makes another camera's frames late.
 *
 * <p>Why files in the checkpoint and not a query over {@code frames}: reading the maxima is one
 * small file per batch instead of a scan of the stream's whole {@code frames} history, and the
 * checkpoint is where Spark keeps a stream's own progress too. Batch {@code B} reads the state of
 * the latest batch before it and writes its own once its rows are appended, before Spark commits
 * the batch; a replay of {@code B} finds the same earlier state and its own recorded "now", so it
 * classifies late and skewed frames exactly as the first attempt did. Written through Hadoop
 * {@link FileSystem} ({@code s3a://} too) to a temp name, then renamed. The last {@value #KEEP}
 * batches are kept, as Spark keeps its own logs.
 */
final class CameraWatermarks {
  static final String DIR = "visionlake-watermarks";
  static final int KEEP = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One batch's state: when it ran ({@code nowMillis}), each camera's latest capture time (ms) after
   * it, each camera's tracking state after it ({@link CameraTracking}; empty without objects), and
   * the windows not final yet ({@link OpenWindows}; null in a state an earlier version wrote).
   */
  record State(long nowMillis, Map<String, Long> maxCaptured, Map<String, String> trackers, JsonNode windows) {
    State {
      maxCaptured = Collections.unmodifiableMap(new TreeMap<>(maxCaptured));
      trackers = Collections.unmodifiableMap(new TreeMap<>(trackers));
    }
  }

  private final Configuration conf;
  private final Path dir;

  CameraWatermarks(Configuration conf, String checkpoint) {
    this.conf = conf;
    this.dir = new Path(checkpoint, DIR);
  }

  /** The state batch {@code batchId} recorded (it ran before: this is a replay), or null. */
  State recorded(long batchId) {
    try {
      FileSystem fs = dir.getFileSystem(conf);
      Path file = new Path(dir, Long.toString(batchId));
      return fs.exists(file) ? read(fs, file) : null;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the stream's camera watermarks " + dir, e);
    }
  }

  /** The state of the latest batch before {@code batchId} (Long.MAX_VALUE: the latest of all), or null when none recorded one. */
  State before(long batchId) {
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (batchId > 0 && batchId != Long.MAX_VALUE) { // the common case: the batch just before
        Path previous = new Path(dir, Long.toString(batchId - 1));
        if (fs.exists(previous)) {
          return read(fs, previous);
        }
      }
      long latest = -1;
      if (fs.exists(dir)) {
        for (FileStatus s : fs.listStatus(dir)) {
          Long id = batchIdOf(s.getPath());
          if (id != null && id < batchId && id > latest) {
            latest = id;
          }
        }
      }
      return latest < 0 ? null : read(fs, new Path(dir, Long.toString(latest)));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the stream's camera watermarks " + dir, e);
    }
  }

  /** Records batch {@code batchId}'s state, then drops states older than the last {@value #KEEP} batches. */
  void write(long batchId, State state) {
    try {
      FileSystem fs = dir.getFileSystem(conf);
      fs.mkdirs(dir);
      ObjectNode json = JSON.createObjectNode().put("now", state.nowMillis());
      ObjectNode cameras = json.putObject("max_captured");
      state.maxCaptured().forEach(cameras::put);
      ObjectNode trackers = json.putObject("trackers");
      state.trackers().forEach(trackers::put);
      if (state.windows() != null) {
        json.set("windows", state.windows());
      }
      Path file = new Path(dir, Long.toString(batchId));
      Path tmp = new Path(dir, "." + batchId + "." + UUID.randomUUID() + ".tmp");
      try (OutputStream out = fs.create(tmp, false)) {
        out.write(JSON.writeValueAsBytes(json));
      }
      fs.delete(file, false); // a replay rewrites the same content
      if (!fs.rename(tmp, file)) {
        fs.delete(tmp, false);
        throw new IOException("Cannot rename " + tmp + " to " + file);
      }
      for (FileStatus s : fs.listStatus(dir)) {
        Long id = batchIdOf(s.getPath());
        if (id != null && id <= batchId - KEEP) {
          fs.delete(s.getPath(), false);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the stream's camera watermarks " + dir, e);
    }
  }

  private static Long batchIdOf(Path p) {
    String name = p.getName();
    return name.matches("\\d+") ? Long.valueOf(name) : null;
  }

  private static State read(FileSystem fs, Path file) throws IOException {
    JsonNode json;
    try (InputStream in = fs.open(file)) {
      json = JSON.readTree(in);
    }
    if (json == null || !json.hasNonNull("now") || !json.path("max_captured").isObject()) {
      throw new IOException(file + " is not a camera watermark state (now, max_captured expected); it is written by the stream job"
          + " and must not be edited");
    }
    Map<String, Long> cameras = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = json.get("max_captured").fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      cameras.put(e.getKey(), e.getValue().asLong());
    }
    Map<String, String> trackers = new TreeMap<>();
    // A state written before tracking existed has none: trackers start afresh.
    for (Iterator<Map.Entry<String, JsonNode>> it = json.path("trackers").fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      trackers.put(e.getKey(), e.getValue().asText());
    }
    return new State(json.get("now").asLong(), cameras, trackers, json.get("windows"));
  }
}
