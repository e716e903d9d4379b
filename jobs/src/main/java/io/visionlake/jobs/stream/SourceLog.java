package io.visionlake.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The landing-folder source's log in the checkpoint: which files each micro-batch took ({@code
 * sources/0/<batchId>}: a version line {@code v1}, then one JSON line {@code path, timestamp,
 * batchId} per file). It is the format of Spark's file stream source log, which this stream used
 * before {@link LandingSource}; that source also folded earlier batches into {@code <n>.compact}
 * files, which are read too. Paths are stored as URIs ({@code Path.toUri()}: percent-encoded) and
 * read back in the table form of {@code InputFiles}.
 */
public final class SourceLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VERSION = "v1";

  private SourceLog() {}

  /** Normalised paths ({@code new Path(uri).toString()}) of the files of {@code batchId}. */
  static List<String> files(Configuration conf, String checkpoint, long batchId) {
    Map<String, Long> files = all(conf, new Path(new Path(checkpoint, "sources"), "0")).get(batchId);
    return files == null ? List.of() : new ArrayList<>(files.keySet());
  }

  /** Every logged batch: batch id -> its files (table form) -> modification time (ms). */
  static TreeMap<Long, Map<String, Long>> all(Configuration conf, Path dir) {
    TreeMap<Long, Map<String, Long>> out = new TreeMap<>();
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(dir)) {
        return out;
      }
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (name.matches("\\d+(\\.compact)?")) {
          read(fs, s.getPath(), out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the landing source log under " + dir, e);
    }
    return out;
  }

  /** Logs {@code files} (table form -> modification time) as batch {@code batchId}, replacing an earlier attempt. */
  static void write(Configuration conf, Path dir, long batchId, Map<String, Long> files) {
    Path target = new Path(dir, Long.toString(batchId));
    Path temp = new Path(dir, "." + batchId + ".tmp");
    try {
      FileSystem fs = dir.getFileSystem(conf);
      fs.mkdirs(dir);
      try (OutputStream out = fs.create(temp, true)) {
        StringBuilder text = new StringBuilder(VERSION).append('\n');
        for (Map.Entry<String, Long> e : files.entrySet()) {
          ObjectNode line = JSON.createObjectNode();
          line.put("path", new Path(e.getKey()).toUri().toString());
          line.put("timestamp", e.getValue());
          line.put("batchId", batchId);
          text.append(JSON.writeValueAsString(line)).append('\n');
        }
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
      }
      // Written whole, then renamed: a crash never leaves half a batch; a batch planned again replaces its file.
      fs.delete(target, false);
      if (!fs.rename(temp, target)) {
        throw new IOException("rename " + temp + " -> " + target + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the landing source log " + target + ": " + e.getMessage(), e);
    }
  }

  private static void read(FileSystem fs, Path file, TreeMap<Long, Map<String, Long>> out) throws IOException {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
      String line = in.readLine(); // version header, e.g. v1
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode entry = JSON.readTree(line);
        out.computeIfAbsent(entry.path("batchId").asLong(-1), b -> new LinkedHashMap<>())
            .put(normalise(entry.path("path").asText()), entry.path("timestamp").asLong(0));
      }
    }
  }

  private static String normalise(String path) {
    try {
      return new Path(new URI(path)).toString();
    } catch (java.net.URISyntaxException e) {
      return new Path(path).toString();
    }
  }
}
