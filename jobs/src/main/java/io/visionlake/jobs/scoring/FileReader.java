package io.visionlake.jobs.scoring;

import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.udfs.model.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.sql.Timestamp;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Executor side: reads one listed file for a scorer ({@link FileScorer} for batch, backfill and the
 * ml jobs, {@link FrameScorer} for a landing folder), stat first, through Hadoop's FileSystem. What
 * cannot be read is a value with a {@link FileErrors} class, never an exception, a hang or an OOM.
 */
final class FileReader implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long maxFileBytes;

  FileReader(long maxFileBytes) {
    this.maxFileBytes = maxFileBytes;
  }

  InputFile read(Configuration conf, String path) {
    InputFile f = new InputFile(path);
    try {
      // Table paths are not URIs (a name may hold ' ', '%', '#', '?'): InputFiles knows the form.
      Path named = InputFiles.hadoopPath(path);
      FileSystem fs = named.getFileSystem(conf);
      Path p = fs.makeQualified(named);
      if ("file".equals(p.toUri().getScheme())) {
        return readLocal(f, java.nio.file.Paths.get(p.toUri().getPath()));
      }
      FileStatus status = fs.getFileStatus(p);
      f.length = status.getLen();
      f.modified = new Timestamp(status.getModificationTime());
      if (!status.isFile()) {
        return notRegular(f, "a directory or other non-file entry");
      }
      if (f.length > maxFileBytes) {
        return tooLarge(f);
      }
      try (InputStream in = fs.open(p)) {
        f.content = readCapped(in);
      }
      return checkRead(f, f.length, status.getModificationTime(), -1, -1);
    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
      return vanished(f);
    } catch (IOException | RuntimeException e) {
      f.content = null;
      f.fail(e.getClass().getSimpleName(), "Cannot read file: " + e.getMessage());
    }
    return f;
  }

  /**
   * Local files skip Hadoop's LocalFileSystem, which looks for a .crc side file and wraps the
   * stream in checksum verification for every file: measurable on many small images.
   *
   * <p>Only regular files are opened (a symlink to one is fine): opening a FIFO blocks until a
   * writer appears, and a device such as /dev/zero never ends. The type is checked on the stat
   * that follows links; a file swapped for a FIFO between that stat and the open is a race this
   * does not close (Java cannot open with O_NONBLOCK), which only a hostile writer could win.
   */
  private InputFile readLocal(InputFile f, java.nio.file.Path file) throws IOException {
    java.nio.file.attribute.BasicFileAttributes before =
        java.nio.file.Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
    f.length = before.size();
    f.modified = new Timestamp(before.lastModifiedTime().toMillis());
    if (!before.isRegularFile()) {
      return notRegular(f, describeType(file, before));
    }
    if (f.length > maxFileBytes) {
      return tooLarge(f);
    }
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      f.content = readCapped(in);
    }
    long sizeAfter = -1;
    long modifiedAfter = -1;
    try {
      java.nio.file.attribute.BasicFileAttributes after =
          java.nio.file.Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
      sizeAfter = after.size();
      modifiedAfter = after.lastModifiedTime().toMillis();
    } catch (java.nio.file.NoSuchFileException e) {
      // Deleted after the open: the open descriptor kept the bytes, which checkRead compares with the first stat.
    }
    return checkRead(f, before.size(), before.lastModifiedTime().toMillis(), sizeAfter, modifiedAfter);
  }

  /** At most maxFileBytes + 1 bytes: enough to tell "too large" without ever holding more. */
  private byte[] readCapped(InputStream in) throws IOException {
    return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxFileBytes + 1));
  }

  /**
   * The bytes read must be the file the stat described: a size that differs from the stat, or a
   * size or modification time that moved during the read, means a writer is still at work (or the
   * file lies about its size, like /proc files); its bytes are not scored, since a half-written
   * JPEG can decode into a grey-padded image. {@code sizeAfter} -1: no second stat (deleted, or none).
   */
  private InputFile checkRead(InputFile f, long size, long modified, long sizeAfter, long modifiedAfter) {
    if (f.content.length > maxFileBytes) {
      f.content = null;
      f.fail(FileErrors.FILE_TOO_LARGE, "File grew above " + JobOptions.MAX_FILE_BYTES + "=" + maxFileBytes + " while being read");
      return f;
    }
    boolean moved = sizeAfter >= 0 && (sizeAfter != size || modifiedAfter != modified);
    if (f.content.length != size || moved) {
      String now = sizeAfter >= 0 ? sizeAfter + " bytes when the read ended" : "gone when the read ended";
      f.fail(FileErrors.FILE_CHANGED, "File changed while being read: " + size + " bytes when listed, " + f.content.length
          + " bytes read, " + now + "; the next batch or backfill run reads it again once its writer has finished (a stream takes "
          + "each landed file once: land files with a rename)");
      f.content = null;
      return f;
    }
    f.imageId = ModelFiles.sha256Hex(f.content);
    return f;
  }

  private static InputFile vanished(InputFile f) {
    f.content = null;
    f.fail(FileErrors.FILE_VANISHED, "File was listed but no longer exists when read (deleted or moved by another process)");
    return f;
  }

  private static InputFile notRegular(InputFile f, String what) {
    f.content = null;
    f.length = 0;
    f.fail(FileErrors.NOT_A_REGULAR_FILE, "Not read: the path is " + what + ", not a regular file; only regular files "
        + "(or symlinks to them) are read, since a pipe or device can block or never end");
    return f;
  }

  /** "a FIFO (named pipe)", "a symlink to /dev/zero, a character device", ... for the error message. */
  static String describeType(java.nio.file.Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
    String type = attrs.isDirectory() ? "a directory" : "a special file";
    try {
      int mode = (Integer) java.nio.file.Files.getAttribute(file, "unix:mode");
      switch (mode & 0170000) {
        case 0010000: type = "a FIFO (named pipe)"; break;
        case 0020000: type = "a character device"; break;
        case 0060000: type = "a block device"; break;
        case 0140000: type = "a socket"; break;
        default: break;
      }
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      // no unix view on this platform: the generic word stays
    }
    if (java.nio.file.Files.isSymbolicLink(file)) {
      try {
        return "a symlink to " + file.toRealPath() + ", " + type;
      } catch (IOException e) {
        return "a symlink to " + type;
      }
    }
    return type;
  }

  private InputFile tooLarge(InputFile f) {
    f.fail(FileErrors.FILE_TOO_LARGE, "File is " + f.length + " bytes, above " + JobOptions.MAX_FILE_BYTES + "=" + maxFileBytes
        + "; raise that setting to process it");
    return f;
  }

  /** A listed file and, once read, its bytes or why they could not be read. */
  static final class InputFile {
    final String path;
    long length;
    Timestamp modified;
    byte[] content;
    String imageId;
    String errorClass;
    String message;

    InputFile(String path) {
      this.path = path;
    }

    void fail(String errorClass, String message) {
      this.errorClass = errorClass;
      this.message = message;
    }
  }
}
