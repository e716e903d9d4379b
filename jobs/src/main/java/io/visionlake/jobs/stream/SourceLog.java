package io.visionlake.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files Spark's file stream source assigned to a micro-batch, read from its log in the
 * checkpoint ({@code sources/0/<batchId>}, or a {@code <n>.compact} file holding every earlier
 * batch). Needed because the file scan silently skips zero-byte files, which must still become
 * {@code frame_errors} rows: the writer compares this list with the rows the scan produced.
 */
public final class SourceLog {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SourceLog() {}

  /** Normalised paths ({@code new Path(uri).toString()}) of the files of {@code batchId}. */
  static List<String> files(Configuration conf, String checkpoint, long batchId) {
    Path dir = new Path(new Path(checkpoint, "sources"), "0");
    try {
      FileSystem fs = dir.getFileSystem(conf);
      Path plain = new Path(dir, Long.toString(batchId));
      if (fs.exists(plain)) {
        return read(fs, plain, batchId);
      }
      // Compaction (every spark.sql.streaming.fileSource.log.compactInterval batches) folds earlier batches into one file.
      long best = -1;
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (name.endsWith(".compact")) {
          long n = Long.parseLong(name.substring(0, name.length() - ".compact".length()));
          if (n >= batchId && (best < 0 || n < best)) {
            best = n;
          }
        }
      }
      return best < 0 ? List.of() : read(fs, new Path(dir, best + ".compact"), batchId);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the file source log under " + dir, e);
    }
  }

  private static List<String> read(FileSystem fs, Path file, long batchId) throws IOException {
    List<String> out = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
      String line = in.readLine(); // version header, e.g. v1
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode entry = JSON.readTree(line);
        if (entry.path("batchId").asLong(-1) == batchId) {
          out.add(normalise(entry.path("path").asText()));
        }
      }
    }
    return out;
  }

  static String normalise(String path) {
    try {
      return new Path(new URI(path)).toString();
    } catch (java.net.URISyntaxException e) {
      return new Path(path).toString();
    }
  }
}
