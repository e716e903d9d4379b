package io.visionlake.udfs.fs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system with its two per-file shell commands replaced by Java calls.
 *
 * <p>Without Hadoop's native library (it is not on Maven Central, and Spark ships without it),
 * {@link RawLocalFileSystem} sets a new file's or folder's permissions by running {@code chmod}, and
 * looks for a symbolic link by running {@code readlink} twice per path of every rename. A Delta
 * commit on a local path creates and renames several files (data, its checksum, the log entry, its
 * checksum, the table's checksum), so each commit forked about a dozen processes at about 8 ms each
 * from a driver JVM: a tenth of a small commit, and more than 5,000 processes in one run of the
 * stream bench. Java's own calls do the same in microseconds. Everything else is Hadoop's.
 */
public class NioRawLocalFileSystem extends RawLocalFileSystem {

  @Override
  public void setPermission(Path p, FsPermission permission) throws IOException {
    if (permission.getStickyBit()) {
      super.setPermission(p, permission); // no POSIX permission set for it in java.nio
      return;
    }
    Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission));
  }

  /**
   * A path that is not a symbolic link answers its plain status, as Hadoop's {@code readlink}
   * (which for a qualified {@code file:} path never finds a link at all) leads to; a link is
   * Hadoop's to describe.
   */
  @Override
  public FileStatus getFileLinkStatus(Path f) throws IOException {
    File file = pathToFile(f);
    if (!Files.isSymbolicLink(file.toPath())) {
      return getFileStatus(f);
    }
    return super.getFileLinkStatus(f);
  }

  static Set<PosixFilePermission> posix(FsPermission permission) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    add(s, permission.getUserAction(), PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    add(s, permission.getGroupAction(), PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE);
    add(s, permission.getOtherAction(), PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    return s;
  }

  private static void add(Set<PosixFilePermission> s, FsAction a, PosixFilePermission r, PosixFilePermission w, PosixFilePermission x) {
    if (a.implies(FsAction.READ)) {
      s.add(r);
    }
    if (a.implies(FsAction.WRITE)) {
      s.add(w);
    }
    if (a.implies(FsAction.EXECUTE)) {
      s.add(x);
    }
  }
}
