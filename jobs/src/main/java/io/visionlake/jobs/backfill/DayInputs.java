package io.visionlake.jobs.backfill;

import io.visionlake.jobs.scoring.InputFiles;
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
import org.apache.hadoop.fs.Path;

/**
 * The files of one backfill day and their fingerprint: file count, total bytes and newest
 * modification time. A day whose fingerprint (and model) match its last successful run is done;
 * a file added, removed, rewritten or touched changes it. Files are listed as {@link InputFiles}
 * lists a folder: '_' names are inputs, dot-files are skipped and counted.
 */
public final class DayInputs {
  final LocalDate day;
  final String dir;
  final boolean exists;
  final List<String> files;
  final long totalBytes;
  final long newestModified;
  /** Dot-files under the day's folder, not inputs. */
  final long hidden;

  private DayInputs(LocalDate day, String dir, boolean exists, List<String> files, long totalBytes, long newestModified, long hidden) {
    this.hidden = hidden;
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
    try {
      FileSystem fs = root.getFileSystem(hadoop);
      if (!fs.exists(root)) {
        return new DayInputs(day, InputFiles.name(fs, root), false, files, 0, 0, 0);
      }
      long[] sizeAndNewest = new long[2];
      long hidden = InputFiles.walk(fs, root, f -> {
        files.add(InputFiles.name(fs, f.getPath()));
        sizeAndNewest[0] += f.getLen();
        sizeAndNewest[1] = Math.max(sizeAndNewest[1], f.getModificationTime());
      });
      Collections.sort(files);
      return new DayInputs(day, InputFiles.name(fs, root), true, files, sizeAndNewest[0], sizeAndNewest[1], hidden);
    } catch (FileNotFoundException e) {
      return new DayInputs(day, dir, false, files, 0, 0, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the input folder " + dir + " of " + day + ": " + e.getMessage(), e);
    }
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
