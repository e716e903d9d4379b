package io.visionlake.udfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local file system the jobs use in local mode does what Hadoop's does, without running a
 * process: a child JVM whose PATH holds no {@code chmod} and no {@code readlink} creates files and
 * folders with permissions and renames them through both of Hadoop's APIs, as a Delta commit does;
 * Hadoop's own local file system fails there, so the child tells the two apart.
 */
@IntegrationTest
class NioLocalFileSystemTest {
  @TempDir
  Path tmp;

  @Test
  void writesAndRenamesWithPermissionsWithoutAnyProcess() throws Exception {
    Child ours = child(true);
    assertThat(ours.exit).as(ours.output).isZero();
    assertThat(ours.output).contains("OK");
    Path dir = tmp.resolve("nio");
    assertThat(Files.readString(dir.resolve("renamed.txt"))).isEqualTo("data");
    assertThat(Files.exists(dir.resolve(".renamed.txt.crc"))).as("the checksum file moved along").isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub")))).isEqualTo("rwxr-x---");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("renamed.txt")))).isEqualTo("rw-r-----");
    assertThat(Files.readString(dir.resolve("log-renamed.json"))).isEqualTo("{\"commit\":1}");
  }

  @Test
  void hadoopsOwnLocalFileSystemForksForTheSame() throws Exception {
    Child hadoop = child(false);
    assertThat(hadoop.exit).as("Hadoop's local file system runs chmod, absent from this PATH\n" + hadoop.output).isNotZero();
    assertThat(hadoop.output).containsIgnoringCase("chmod");
  }

  @Test
  void linkStatusesAreHadoops() throws Exception {
    Path target = Files.writeString(tmp.resolve("target.txt"), "x");
    Path link = Files.createSymbolicLink(tmp.resolve("link.txt"), target);
    Files.createDirectories(tmp.resolve("folder"));
    NioRawLocalFileSystem ours = new NioRawLocalFileSystem();
    ours.initialize(URI.create("file:///"), new Configuration());
    org.apache.hadoop.fs.RawLocalFileSystem hadoops = new org.apache.hadoop.fs.RawLocalFileSystem();
    hadoops.initialize(URI.create("file:///"), new Configuration());
    for (Path p : List.of(target, link, tmp.resolve("folder"))) {
      org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(p.toUri());
      FileStatus a = ours.getFileLinkStatus(path);
      FileStatus b = hadoops.getFileLinkStatus(path);
      assertThat(List.of(a.getPath(), a.isDirectory(), a.isSymlink(), a.getLen(), a.getModificationTime()))
          .as(p.toString()).isEqualTo(List.of(b.getPath(), b.isDirectory(), b.isSymlink(), b.getLen(), b.getModificationTime()));
    }
    org.apache.hadoop.fs.Path missing = new org.apache.hadoop.fs.Path(tmp.resolve("missing").toUri());
    org.junit.jupiter.api.Assertions.assertThrows(java.io.FileNotFoundException.class, () -> hadoops.getFileLinkStatus(missing));
    org.junit.jupiter.api.Assertions.assertThrows(java.io.FileNotFoundException.class, () -> ours.getFileLinkStatus(missing));
  }

  record Child(int exit, String output) {}

  private Child child(boolean nio) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Writer.class.getName(),
        tmp.resolve(nio ? "nio" : "hadoop").toString(), String.valueOf(nio)).redirectErrorStream(true);
    pb.environment().put("PATH", tmp.resolve("no-tools").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Child(p.exitValue(), out);
  }

  /** The child: what a Delta commit does to a local folder, through FileSystem and FileContext. */
  public static final class Writer {
    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      Configuration conf = new Configuration();
      if (Boolean.parseBoolean(args[1])) {
        LocalFileSystems.sparkSettings().forEach((k, v) -> conf.set(k.substring("spark.hadoop.".length()), v));
      }
      org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir.toUri());
      FileSystem fs = FileSystem.get(URI.create("file:///"), conf);
      fs.mkdirs(new org.apache.hadoop.fs.Path(root, "sub"), new FsPermission((short) 0750));
      try (OutputStream o = fs.create(new org.apache.hadoop.fs.Path(root, "file.txt"), new FsPermission((short) 0640), true, 4096,
          (short) 1, 1 << 20, null)) {
        o.write("data".getBytes(StandardCharsets.UTF_8));
      }
      fs.rename(new org.apache.hadoop.fs.Path(root, "file.txt"), new org.apache.hadoop.fs.Path(root, "renamed.txt"));
      // Delta's log store: a temporary file through FileContext, renamed into place.
      FileContext fc = FileContext.getFileContext(URI.create("file:///"), conf);
      org.apache.hadoop.fs.Path tmpLog = new org.apache.hadoop.fs.Path(root, ".log.json.tmp");
      try (OutputStream o = fc.create(tmpLog, EnumSet.of(CreateFlag.CREATE), Options.CreateOpts.createParent())) {
        o.write("{\"commit\":1}".getBytes(StandardCharsets.UTF_8));
      }
      fc.rename(tmpLog, new org.apache.hadoop.fs.Path(root, "log-renamed.json"), Options.Rename.NONE);
      // The file system in use, so a wrong setting cannot pass for the right one.
      List<String> impl = List.of(fs.getClass().getName(), fc.getDefaultFileSystem().getClass().getName());
      System.out.println(impl);
      if (Boolean.parseBoolean(args[1]) && !impl.equals(List.of(NioLocalFileSystem.class.getName(), NioLocalFs.class.getName()))) {
        System.exit(3);
      }
      System.out.println("OK");
    }
  }
}
