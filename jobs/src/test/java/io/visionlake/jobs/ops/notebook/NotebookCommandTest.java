package io.visionlake.jobs.ops.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The notebook command line (no Spark starts). */
@UnitTest
class NotebookCommandTest {
  @Test
  void takesNotebooksALakeAndAnOutputFolder() {
    NotebookCommand cmd = CommandRun.parse(new NotebookCommand(), "notebooks/flow.md", "--lake", "/lake", "--out", "site");
    assertThat(cmd.notebooks).containsExactly(Path.of("notebooks/flow.md"));
    NotebookCommand two = CommandRun.parse(new NotebookCommand(), "a.md", "b.md", "--lake", "/lake", "--out", "site");
    assertThat(two.notebooks).as("several notebooks, one Spark session").containsExactly(Path.of("a.md"), Path.of("b.md"));
    assertThat(cmd.lake.root).isEqualTo("/lake");
    assertThat(cmd.out).isEqualTo(Path.of("site"));
  }

  @Test
  void usageErrors() {
    CommandRun none = CommandRun.execute("notebook", new NotebookCommand(), "--lake", "/lake", "--out", "site");
    assertThat(none.exitCode()).as(none.toString()).isEqualTo(2);
    assertThat(none.err()).contains("Missing required parameter: '<notebook.md>'");
    CommandRun typo = CommandRun.execute("notebook", new NotebookCommand(), "a.md", "--lake", "/lake", "--output", "site");
    assertThat(typo.exitCode()).as(typo.toString()).isEqualTo(2);
    assertThat(typo.err()).contains("Possible solutions: --out");
    CommandRun help = CommandRun.execute("notebook", new NotebookCommand(), "--help");
    assertThat(help.exitCode()).isEqualTo(0);
    assertThat(help.out()).contains("Usage: notebook", "<notebook.md>", "--out=<dir>", "--lake=<path|uri>");
  }
}
