package io.visionlake.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a stream is, stored in its checkpoint as {@value #FILE}: a random id created with the
 * checkpoint, plus the settings the checkpoint's progress only makes sense under (source, window).
 *
 * <p>The id, not the query name, is the Delta {@code txnAppId} of the stream's appends and the
 * {@code stream_id} of its rows. Batch ids restart at 0 in every new checkpoint, so a key made of
 * the query name would let a second checkpoint (a second landing folder into the same lake, or a
 * "start over" that kept the name) have its batches taken for ones already written, and skipped.
 *
 * <p>Written once, through Hadoop {@link FileSystem} so {@code s3a://} checkpoints work: to a
 * temp name, then renamed, so a crash never leaves half a file; then read back, so two starts
 * racing on one new checkpoint end up with whichever file landed.
 *
 * @param legacy true for a checkpoint an earlier version started (it has progress but no file):
 *     its id is then the query name, the key its batches were written under, so replays of them
 *     stay idempotent, and its rows without {@code stream_id} are matched by name
 */
record StreamIdentity(String id, String queryName, String source, long windowSeconds, boolean legacy) {
  static final String FILE = "visionlake-stream.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(StreamIdentity.class);

  /**
   * The identity recorded in {@code checkpoint}, created there on the first start; a restart whose
   * source or window differs from the recorded one is refused ({@link IllegalArgumentException}).
   */
  static StreamIdentity resolve(Configuration conf, String checkpoint, String queryName, StreamSource source, long windowSeconds) {
    Path file = new Path(checkpoint, FILE);
    try {
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        boolean legacy = fs.exists(new Path(checkpoint, "commits")) || fs.exists(new Path(checkpoint, "offsets"));
        StreamIdentity created = new StreamIdentity(legacy ? queryName : UUID.randomUUID().toString(), queryName, source.toString(),
            windowSeconds, legacy);
        write(fs, file, created);
        if (legacy) {
          LOG.warn("Checkpoint {} was started by an earlier version: its stream keeps the query name '{}' as its id, and its window"
              + " is recorded as --window {}s from now on", checkpoint, queryName, windowSeconds);
        }
      }
      StreamIdentity recorded = read(fs, file);
      recorded.check(checkpoint, source, windowSeconds);
      return recorded;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or write the stream identity " + file, e);
    }
  }

  /** Refuses settings that would change what the checkpoint's progress means. */
  private void check(String checkpoint, StreamSource given, long givenWindowSeconds) {
    String restart = " Restart with the recorded value, or start a new stream with a new --checkpoint (it reads the source from the"
        + " beginning and gets a new stream id).";
    if (!sameSource(StreamSource.parse(source), given)) {
      throw new IllegalArgumentException("--source " + given + " does not match the checkpoint " + checkpoint
          + ": it was started with --source " + source + ", and its progress is a position in that source." + restart);
    }
    if (givenWindowSeconds != windowSeconds) {
      throw new IllegalArgumentException("--window " + givenWindowSeconds + "s does not match the checkpoint " + checkpoint
          + ": it was started with --window " + windowSeconds + "s, and flow_counts holds windows of that size." + restart);
    }
  }

  /** A landing folder is the same up to a trailing slash; a Kafka topic is the same on other brokers (brokers move). */
  private static boolean sameSource(StreamSource recorded, StreamSource given) {
    if (recorded instanceof StreamSource.Landing a && given instanceof StreamSource.Landing b) {
      return new Path(a.path()).equals(new Path(b.path()));
    }
    if (recorded instanceof StreamSource.Kafka a && given instanceof StreamSource.Kafka b) {
      return a.topic().equals(b.topic());
    }
    return false;
  }

  private static void write(FileSystem fs, Path file, StreamIdentity identity) throws IOException {
    ObjectNode json = JSON.createObjectNode()
        .put("id", identity.id)
        .put("query_name", identity.queryName)
        .put("source", identity.source)
        .put("window_seconds", identity.windowSeconds)
        .put("legacy", identity.legacy)
        .put("created", Instant.now().toString());
    fs.mkdirs(file.getParent());
    Path tmp = new Path(file.getParent(), "." + FILE + "." + UUID.randomUUID() + ".tmp");
    try (OutputStream out = fs.create(tmp, false)) {
      out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
    }
    // A rename that loses to another start (the file exists now) leaves that start's file, read back by the caller.
    if (!fs.rename(tmp, file)) {
      fs.delete(tmp, false);
      if (!fs.exists(file)) {
        throw new IOException("Cannot rename " + tmp + " to " + file);
      }
    }
  }

  private static StreamIdentity read(FileSystem fs, Path file) throws IOException {
    JsonNode json;
    try (InputStream in = fs.open(file)) {
      json = JSON.readTree(in);
    }
    if (json == null || !json.hasNonNull("id") || !json.hasNonNull("source") || !json.hasNonNull("window_seconds")) {
      throw new IOException(file + " is not a stream identity (id, source, window_seconds expected); it is written by the stream"
          + " job and must not be edited");
    }
    return new StreamIdentity(json.get("id").asText(), json.path("query_name").asText(null), json.get("source").asText(),
        json.get("window_seconds").asLong(), json.path("legacy").asBoolean(false));
  }
}
