package io.visionlake.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.fs.NioLocalFileSystem;
import io.visionlake.udfs.testing.UnitTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The local walk (java.nio) lists what Hadoop's own listStatus lists, with the same names, sizes
 * and modification times, on the names cameras and people give files: spaces, percent signs, URI
 * and glob characters, colons, non-ASCII, leading underscores, empty files, links; dot-files and
 * dot-folders are skipped and counted, Hadoop's checksum files are never listed.
 */
@UnitTest
class InputFilesTest {
  @TempDir
  java.nio.file.Path tmp;

  static final List<String> NAMES = List.of("plain.png", "a b.png", "50%.png", "50%20.png", "x#y.png", "q?.png", "a:b.png",
      "\u00e9\u65e5\u672c.png", "[x].png", "{a,b}.png", "star*.png", "back\\slash.png", "_DSC0001.JPG", "empty.jpg",
      "sub/inner.png", "sub/deeper/deep one.png", "sub/_under/x.png");

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"nio-checksummed", "hadoop-checksummed", "raw"})
  void theWalkListsWhatHadoopListsWithTheSameNamesSizesAndTimes(String kind) throws IOException {
    java.nio.file.Path root = tmp.resolve("in put");
    for (String name : NAMES) {
      java.nio.file.Path f = root.resolve(name);
      Files.createDirectories(f.getParent());
      Files.write(f, name.equals("empty.jpg") ? new byte[0] : name.getBytes(StandardCharsets.UTF_8));
    }
    Files.write(root.resolve(".upload.tmp"), new byte[] {1});
    Files.createDirectories(root.resolve("sub/.Trash"));
    Files.write(root.resolve("sub/.Trash/old.png"), new byte[] {1});
    Files.write(root.resolve(".plain.png.crc"), new byte[] {1}); // a checksum file, as Hadoop writes them
    Files.createSymbolicLink(root.resolve("link.png"), root.resolve("plain.png"));
    Files.createSymbolicLink(root.resolve("broken.png"), root.resolve("no-such-file"));

    Configuration conf = new Configuration();
    FileSystem fs = switch (kind) {
      case "nio-checksummed" -> new NioLocalFileSystem();
      case "hadoop-checksummed" -> new LocalFileSystem();
      default -> new RawLocalFileSystem();
    };
    fs.initialize(java.net.URI.create("file:///"), conf);
    Path rootPath = new Path(root.toString());

    List<InputFiles.Entry> walked = new ArrayList<>();
    long hidden = InputFiles.walk(fs, rootPath, walked::add);

    List<InputFiles.Entry> expected = new ArrayList<>();
    hadoopWalk(fs, fs.getFileStatus(rootPath), expected);
    String rootName = fs.makeQualified(rootPath).toString();
    long expectedHidden = expected.stream().filter(e -> e.name().substring(rootName.length()).contains("/.")).count();
    expected.removeIf(e -> e.name().substring(rootName.length()).contains("/."));

    assertThat(walked).as("files, names, sizes and times as Hadoop's listStatus gives them").containsExactlyInAnyOrderElementsOf(expected);
    assertThat(walked).extracting(InputFiles.Entry::name).as("every regular file and the link to one")
        .hasSize(NAMES.size() + 1).contains(rootName + "/a b.png", rootName + "/50%20.png", rootName + "/sub/deeper/deep one.png");
    assertThat(hidden).as("the dot-file, the file in the dot-folder%s", kind.equals("raw") ? " and the .crc file" : "")
        .isEqualTo(expectedHidden).isEqualTo(kind.equals("raw") ? 3 : 2);
  }

  /** The reference: Hadoop's listStatus, recursively, each file named as the jobs name them. */
  private static void hadoopWalk(FileSystem fs, FileStatus status, List<InputFiles.Entry> out) throws IOException {
    if (!status.isDirectory()) {
      out.add(new InputFiles.Entry(InputFiles.name(fs, status.getPath()), status.getLen(), status.getModificationTime()));
      return;
    }
    for (FileStatus child : fs.listStatus(status.getPath())) {
      hadoopWalk(fs, child, out);
    }
  }
}
