package io.visionlake.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.jobs.testing.ChildJvm;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit codes as scripts see them: a real {@code main} in its own JVM (help is covered in-process). */
@IntegrationTest
class MainExitCodeTest {
  @TempDir
  Path tmp;

  @Test
  void usageErrorsAndBadSettingsExitWithTwo() throws Exception {
    Path typo = tmp.resolve("typo.log");
    assertThat(ChildJvm.exitCode(BatchInferenceJob.class, new String[] {"--inptu", "x", "--lake", "l"}, typo, Duration.ofSeconds(120)))
        .as("typo").isEqualTo(2);
    assertThat(Files.readString(typo)).contains("Unknown options: '--inptu', 'x'", "Possible solutions: --input");

    Path source = tmp.resolve("source.log");
    assertThat(ChildJvm.exitCode(StreamingInferenceJob.class, new String[] {"--source", "landing", "--lake", "l", "--checkpoint", "cp"},
        source, Duration.ofSeconds(120))).as("bad --source").isEqualTo(2);
    assertThat(Files.readString(source)).contains("visionlake stream: --source must be dir:<path>");
  }
}
