package io.visionlake.jobs.scoring;

import io.visionlake.udfs.model.Credentials;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
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
    List<String> files = new ArrayList<>();
    long hidden = 0;
    for (String input : inputs) {
      refuseCredentials(input, "--input");
      Path path = new Path(input);
      try {
        FileSystem fs = path.getFileSystem(hadoop);
        for (FileStatus match : matches(fs, path, input)) {
          if (match.isDirectory()) {
            hidden += walk(fs, match.getPath(), f -> files.add(f.name()));
          } else {
            files.add(name(fs, match.getPath()));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(Credentials.mask("Cannot list the input " + input + ": " + e.getMessage()), e);
      }
    }
    // Sorted and distinct (inputs may overlap): one sort of the list, cheaper than a tree's inserts.
    Collections.sort(files);
    List<String> distinct = new ArrayList<>(files.size());
    for (String f : files) {
      if (distinct.isEmpty() || !distinct.get(distinct.size() - 1).equals(f)) {
        distinct.add(f);
      }
    }
    return new Listing(distinct, hidden);
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

  /** A listed file: its name in the table form ({@link #name}), size and modification time (ms). */
  public record Entry(String name, long length, long modificationTime) {}

  /**
   * Feeds every file under {@code root} (recursively) to {@code input}, except those with a path
   * segment below {@code root} that starts with '.'; returns how many it skipped.
   */
  public static long walk(FileSystem fs, Path root, Consumer<Entry> input) throws IOException {
    Path qualified = fs.makeQualified(root);
    String rootName = qualified.toString();
    long[] hidden = {0};
    Consumer<Entry> file = f -> {
      if (hidden(rootName, f.name())) {
        hidden[0]++;
      } else {
        input.accept(f);
      }
    };
    if ("file".equals(qualified.toUri().getScheme())) {
      FileStatus status = fs.getFileStatus(qualified);
      if (!status.isDirectory()) {
        file.accept(entry(fs, status));
      } else if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
        walkLocal(new java.io.File(qualified.toUri().getPath()), rootName, fs instanceof ChecksumFileSystem, file);
      } else {
        walkHadoop(fs, status, file); // a local file system of another kind: its own listing
      }
    } else {
      // Object stores list a whole prefix flat, in pages: far fewer calls than a directory walk.
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(qualified, true);
      while (it.hasNext()) {
        file.accept(entry(fs, it.next()));
      }
    }
    return hidden[0];
  }

  private static void walkHadoop(FileSystem fs, FileStatus status, Consumer<Entry> file) throws IOException {
    if (!status.isDirectory()) {
      file.accept(entry(fs, status));
      return;
    }
    for (FileStatus child : fs.listStatus(status.getPath())) {
      walkHadoop(fs, child, file);
    }
  }

  private static Entry entry(FileSystem fs, FileStatus status) {
    return new Entry(name(fs, status.getPath()), status.getLen(), status.getModificationTime());
  }

  /**
   * A local folder's files, recursively, with java.nio: one stat per entry, and each name made from
   * its folder's. Hadoop's listStatus gives the same entries, names, sizes and times (InputFilesTest
   * compares them on awkward names) at three stats and two URI parses per file: 200,000 files in
   * one folder took 3.0-4.8 s on the driver before any executor started (the whole listing now
   * 0.7-1.3 s, names and sorting included), and a landing folder is listed on every trigger. (Not
   * listFiles either: on the local file system it makes a LocatedFileStatus of every file, which
   * reads the file's owner and permissions, and without Hadoop's native library that is an {@code
   * ls -ld} process per file.) Entries come in the folder's own order, as listStatus gives them:
   * every caller sorts what it keeps.
   *
   * @param name the folder's table-form name
   * @param checksummed Hadoop's checksummed local file system, which never lists its {@code .crc} files
   */
  private static void walkLocal(java.io.File dir, String name, boolean checksummed, Consumer<Entry> file) throws IOException {
    String prefix = name.endsWith("/") ? name : name + "/";
    List<String> children = new ArrayList<>();
    try (DirectoryStream<java.nio.file.Path> entries = Files.newDirectoryStream(dir.toPath())) {
      for (java.nio.file.Path child : entries) {
        children.add(child.getFileName().toString());
      }
    }
    for (String child : children) {
      if (checksummed && child.startsWith(".") && child.endsWith(".crc")) {
        continue;
      }
      java.io.File f = new java.io.File(dir, child);
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(f.toPath(), BasicFileAttributes.class); // follows links, as Hadoop's stat does
      } catch (NoSuchFileException e) {
        continue; // gone since the folder was read, or a broken link: Hadoop skips both
      }
      if (attributes.isDirectory()) {
        walkLocal(f, prefix + child, checksummed, file);
      } else {
        file.accept(new Entry(prefix + child, attributes.size(), attributes.lastModifiedTime().toMillis()));
      }
    }
  }

  private static boolean hidden(String rootName, String name) {
    String relative = name.startsWith(rootName) ? name.substring(rootName.length()) : name.substring(name.lastIndexOf('/') + 1);
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
