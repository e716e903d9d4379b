package io.visionlake.jobs.backfill;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The files of one backfill day and their fingerprint: file count, total bytes and newest
 * modification time. A day whose fingerprint (and model) match its last successful run is done;
 * a file added, removed, rewritten or touched changes it. Hidden files ({@code .name},
 * {@code _name}), which Spark's file sources ignore too, are not inputs.
 */
public final class DayInputs {
  final LocalDate day;
  final String dir;
  final boolean exists;
  final List<String> files;
  final long totalBytes;
  final long newestModified;

  private DayInputs(LocalDate day, String dir, boolean exists, List<String> files, long totalBytes, long newestModified) {
    this.day = day;
    this.dir = dir;
    this.exists = exists;
    this.files = Collections.unmodifiableList(files);
    this.totalBytes = totalBytes;
    this.newestModified = newestModified;
  }

  /** Lists {@code dir} recursively (a missing folder is a day without inputs). */
  static DayInputs list(Configuration hadoop, LocalDate day, String dir) {
    Path root = new Path(dir);
    List<String> files = new ArrayList<>();
    long bytes = 0;
    long newest = 0;
    try {
      FileSystem fs = root.getFileSystem(hadoop);
      if (!fs.exists(root)) {
        return new DayInputs(day, fs.makeQualified(root).toString(), false, files, 0, 0);
      }
      String rootPath = fs.makeQualified(root).toUri().getPath();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        if (hidden(rootPath, f.getPath())) {
          continue;
        }
        files.add(f.getPath().toString());
        bytes += f.getLen();
        newest = Math.max(newest, f.getModificationTime());
      }
      Collections.sort(files);
      return new DayInputs(day, fs.makeQualified(root).toString(), true, files, bytes, newest);
    } catch (FileNotFoundException e) {
      return new DayInputs(day, dir, false, files, 0, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the input folder " + dir + " of " + day + ": " + e.getMessage(), e);
    }
  }

  /** A path segment below the day's folder starting with '.' or '_' (temp files, markers). */
  private static boolean hidden(String rootPath, Path file) {
    String path = file.toUri().getPath();
    String relative = path.startsWith(rootPath) ? path.substring(rootPath.length()) : file.getName();
    for (String segment : relative.split("/")) {
      if (segment.startsWith(".") || segment.startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  /** {@code files=N;bytes=B;newest=<ISO instant>}: what job_runs stores and compares. */
  String fingerprint() {
    return String.format(Locale.ROOT, "files=%d;bytes=%d;newest=%s", files.size(), totalBytes, Instant.ofEpochMilli(newestModified));
  }

  /** The day folder as a prefix of the paths its files have in the tables. */
  String pathPrefix() {
    return dir.endsWith("/") ? dir : dir + "/";
  }
}
