package io.visionlake.jobs.scoring;

import io.visionlake.udfs.model.Credentials;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The input files of a file job: listed on the driver, named the way every table records them.
 *
 * <p>The one form of a file's name in every table ({@code images.path}, {@code image_errors.path},
 * {@code frames.path}) is Hadoop's {@code Path.toString()} of the qualified path: {@code
 * file:/data/IMG 0001.jpg}, {@code s3a://bucket/day/_DSC0001.JPG}; no percent-encoding, so it is
 * what Spark's binaryFile source writes in its {@code path} column (the stream's frames) and what a
 * person reads. {@link #hadoopPath} turns any such value back into the file.
 *
 * <p>Every file is an input, names starting with '_' included (cameras write {@code _DSC0001.JPG}),
 * which is why the listing is ours and not Spark's file index (that drops '_' and '.' names
 * silently). Dot-files and dot-folders below an input folder ({@code .upload.tmp}, {@code .Trash/},
 * Hadoop's {@code .crc} files) are skipped, and counted: jobs report the count.
 */
public final class InputFiles {
  private InputFiles() {}

  /** The listed files (sorted, distinct) and how many dot-files were skipped. */
  public record Listing(List<String> files, long hidden) {
    public Listing {
      files = List.copyOf(files);
    }
  }

  /** For logs, run summaries and job_runs messages; empty when nothing was skipped. */
  public static String hiddenNote(long hidden) {
    return hidden == 0 ? "" : "skipped " + hidden + " hidden file(s) (names starting with '.')";
  }

  /**
   * Lists the files under {@code inputs} (files, folders listed recursively, or Hadoop globs) with
   * Hadoop's FileSystem. Zero-byte files are listed too: executors stat and read each file themselves.
   *
   * @throws IllegalArgumentException when an input matches nothing
   */
  public static Listing list(Configuration hadoop, Collection<String> inputs) {
    TreeSet<String> files = new TreeSet<>();
    long hidden = 0;
    for (String input : inputs) {
      refuseCredentials(input, "--input");
      Path path = new Path(input);
      try {
        FileSystem fs = path.getFileSystem(hadoop);
        for (FileStatus match : matches(fs, path, input)) {
          if (match.isDirectory()) {
            hidden += walk(fs, match.getPath(), f -> files.add(name(fs, f.getPath())));
          } else {
            files.add(name(fs, match.getPath()));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(Credentials.mask("Cannot list the input " + input + ": " + e.getMessage()), e);
      }
    }
    return new Listing(new ArrayList<>(files), hidden);
  }

  /**
   * The statuses {@code input} names. A path with glob characters is a glob (as in Spark); one that
   * matches nothing but exists literally (a file named {@code ?.jpg}) is that file.
   */
  private static List<FileStatus> matches(FileSystem fs, Path path, String input) throws IOException {
    if (input.matches(".*[{}\\[\\]*?\\\\].*")) {
      FileStatus[] globbed = fs.globStatus(path);
      if (globbed != null && globbed.length > 0) {
        return List.of(globbed);
      }
    }
    try {
      return List.of(fs.getFileStatus(path));
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(missing(fs, path), e);
    }
  }

  /** The message of an input that does not exist: the qualified path (relative ones resolved), masked. */
  public static String missing(FileSystem fs, Path path) {
    return Credentials.mask("Input path does not exist: " + fs.makeQualified(path));
  }

  /**
   * Refuses a URI with credentials in it ({@code s3a://KEY:SECRET@bucket/...}): a listed file's
   * name carries its input's authority into {@code images.path} and every message, and Hadoop's
   * S3A no longer reads credentials from URIs anyway. The message says where they go instead.
   */
  public static void refuseCredentials(String uri, String option) {
    if (Credentials.hasUserInfo(uri)) {
      throw new IllegalArgumentException(option + " " + Credentials.mask(uri) + " carries credentials in the URI: they would be"
          + " stored in the tables' path columns. Give the URI without them and the credentials as Hadoop settings"
          + " (--conf spark.hadoop.fs.s3a.access.key=... and ...secret.key, or a credentials provider)");
    }
  }

  /**
   * Feeds every file under {@code root} (recursively) to {@code input}, except those with a path
   * segment below {@code root} that starts with '.'; returns how many it skipped.
   */
  public static long walk(FileSystem fs, Path root, Consumer<FileStatus> input) throws IOException {
    Path qualified = fs.makeQualified(root);
    String rootPath = qualified.toUri().getPath();
    long[] hidden = {0};
    Consumer<FileStatus> file = f -> {
      if (hidden(rootPath, f.getPath())) {
        hidden[0]++;
      } else {
        input.accept(f);
      }
    };
    if ("file".equals(qualified.toUri().getScheme())) {
      // Not listFiles here: on the local file system it makes a LocatedFileStatus of every file,
      // which reads the file's owner and permissions, and without Hadoop's native library that is
      // an `ls -ld` process per file (20,000 files: about four minutes on 2 cores; a landing
      // folder's every trigger). listStatus leaves them unread.
      walkLocal(fs, fs.getFileStatus(qualified), file);
    } else {
      // Object stores list a whole prefix flat, in pages: far fewer calls than a directory walk.
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(qualified, true);
      while (it.hasNext()) {
        file.accept(it.next());
      }
    }
    return hidden[0];
  }

  private static void walkLocal(FileSystem fs, FileStatus status, Consumer<FileStatus> file) throws IOException {
    if (!status.isDirectory()) {
      file.accept(status);
      return;
    }
    for (FileStatus child : fs.listStatus(status.getPath())) {
      walkLocal(fs, child, file);
    }
  }

  private static boolean hidden(String rootPath, Path file) {
    String path = file.toUri().getPath();
    String relative = path.startsWith(rootPath) ? path.substring(rootPath.length()) : file.getName();
    for (String segment : relative.split("/")) {
      if (segment.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** The table form of a listed file's path (see the class comment). */
  public static String name(FileSystem fs, Path file) {
    return fs.makeQualified(file).toString();
  }

  /**
   * The file a {@code path} value names: the table form, a local path, or a percent-encoded
   * {@code file:///} URI (what batch runs before the table form was fixed wrote, and what
   * {@link #toUri} returns). Anything else is taken literally, so '%', '#' and '?' are name characters.
   */
  public static Path hadoopPath(String path) {
    if (path.startsWith("file:///")) {
      try {
        return new Path(new URI(path));
      } catch (URISyntaxException e) {
        // not percent-encoded: a literal name below
      }
    }
    return new Path(path);
  }

  /** A local path becomes a percent-encoded {@code file:///} URI (for Spark readers); URIs stay as they are. */
  public static String toUri(String path) {
    try {
      if (new URI(path).getScheme() != null) {
        return path;
      }
    } catch (URISyntaxException e) {
      // not a URI: a local path with characters URIs do not allow
    }
    return Paths.get(path).toAbsolutePath().normalize().toUri().toString();
  }
}
