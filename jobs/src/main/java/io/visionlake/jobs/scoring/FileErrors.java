package io.visionlake.jobs.scoring;

/**
 * The {@code error_class} values of the {@code read} stage: why a listed file's bytes were not
 * scored. Stable tokens (users group on them), so never renamed.
 */
public final class FileErrors {
  /** Larger than {@code spark.visionlake.read.maxFileBytes}, or grew above it during the read. */
  public static final String FILE_TOO_LARGE = "FileTooLarge";
  /** Listed, then gone before its read (deleted or moved by another process). */
  public static final String FILE_VANISHED = "FileVanished";
  /** Its size or modification time moved during the read, or the bytes read differ from its stat. */
  public static final String FILE_CHANGED = "FileChanged";
  /** A FIFO, device, socket or directory (or a symlink to one): never opened. */
  public static final String NOT_A_REGULAR_FILE = "NotARegularFile";

  private FileErrors() {}
}
