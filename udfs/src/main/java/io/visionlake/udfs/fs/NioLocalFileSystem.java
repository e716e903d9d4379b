package io.visionlake.udfs.fs;

import org.apache.hadoop.fs.LocalFileSystem;

/**
 * {@code fs.file.impl}: Hadoop's checksummed local file system over {@link NioRawLocalFileSystem}
 * (no process forked per file). Set by {@link LocalFileSystems} in local mode.
 */
public class NioLocalFileSystem extends LocalFileSystem {
  public NioLocalFileSystem() {
    super(new NioRawLocalFileSystem());
  }
}
