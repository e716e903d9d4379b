package io.visionlake.jobs.backfill;

import io.visionlake.jobs.scoring.InputFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files of one backfill day and their fingerprint: file count, total bytes, and a hash of every
 * file's identity (path, size, modification time) and of the settings that shape the results. A
 * day whose fingerprint (and model) match its last successful run is done; a file added, removed,
 * renamed, rewritten or touched changes it, whatever its mtime moved to (a copy that keeps an
 * older mtime included). Files are listed as {@link InputFiles} lists a folder: '_' names are
 * inputs, dot-files are skipped and counted.
 */
public final class DayInputs {
  final LocalDate day;
  final String dir;
  final boolean exists;
  final List<String> files;
  final long totalBytes;
  /** sha256 of the sorted {@code path size mtime} lines: which files, not just how many. */
  final String filesHash;
  /** Dot-files under the day's folder, not inputs. */
  final long hidden;

  private DayInputs(LocalDate day, String dir, boolean exists, List<String> files, long totalBytes, String filesHash, long hidden) {
    this.hidden = hidden;
    this.day = day;
    this.dir = dir;
    this.exists = exists;
    this.files = Collections.unmodifiableList(files);
    this.totalBytes = totalBytes;
    this.filesHash = filesHash;
  }

  /** Lists {@code dir} recursively (a missing folder is a day without inputs). */
  static DayInputs list(Configuration hadoop, LocalDate day, String dir) {
    Path root = new Path(dir);
    List<String> files = new ArrayList<>();
    try {
      FileSystem fs = root.getFileSystem(hadoop);
      if (!fs.exists(root)) {
        return new DayInputs(day, InputFiles.name(fs, root), false, files, 0, null, 0);
      }
      long[] size = new long[1];
      Map<String, String> identities = new TreeMap<>();
      long hidden = InputFiles.walk(fs, root, f -> {
        files.add(f.name());
        size[0] += f.length();
        identities.put(f.name(), f.name() + "\t" + f.length() + "\t" + f.modificationTime());
      });
      Collections.sort(files);
      return new DayInputs(day, InputFiles.name(fs, root), true, files, size[0], sha256(String.join("\n", identities.values())), hidden);
    } catch (FileNotFoundException e) {
      return new DayInputs(day, dir, false, files, 0, null, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the input folder " + dir + " of " + day + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code files=N;bytes=B;list=<hash>;settings=<hash>}: what job_runs stores and compares. {@code
   * settings} is what {@link io.visionlake.jobs.scoring.ScoringPlan#resultSettings()} says shapes
   * the rows (analysers, their options, decode and read limits); counts stay readable, the rest is
   * hashed (16 hex digits each), so no option value lands in the table.
   */
  String fingerprint(String settings) {
    return String.format(Locale.ROOT, "files=%d;bytes=%d;list=%s;settings=%s", files.size(), totalBytes,
        filesHash == null ? "-" : filesHash.substring(0, 16), sha256(settings).substring(0, 16));
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /** The day folder as a prefix of the paths its files have in the tables. */
  String pathPrefix() {
    return dir.endsWith("/") ? dir : dir + "/";
  }
}
