package io.visionlake.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The batch command line: what it builds for the job, and how it refuses what it cannot use (no Spark starts). */
@UnitTest
class BatchCommandTest {
  @Test
  void buildsTheSettingsTheJobRuns() {
    String[] args = {"--input", "/data/a", "--input", "s3a://b/c/*.jpg", "--lake", "/lake", "--source", "cam-1", "--model", "resnet",
        "--analyzers", "classify, ocr,ocr", "--conf-file", "conf/dev.properties", "--head", "shoes", "--quiet"};
    BatchInferenceJob.Settings s = CommandRun.parse(new BatchCommand(), args).settings();
    assertThat(s.inputs).containsExactly("/data/a", "s3a://b/c/*.jpg");
    assertThat(s.lake).isEqualTo("/lake");
    assertThat(s.source).isEqualTo("cam-1");
    assertThat(s.model).isEqualTo("resnet");
    assertThat(s.analyzers).as("trimmed, de-duplicated").containsExactly("classify", "ocr");
    assertThat(s.confFile).isEqualTo(Path.of("conf/dev.properties"));
    assertThat(s.head).isEqualTo("shoes");
    assertThat(s.quiet).isTrue();
    assertThat(s.arguments).as("job_runs.arguments").isEqualTo(String.join(" ", args));
  }

  @Test
  void defaultsAreTheJobsDefaults() {
    BatchInferenceJob.Settings s = CommandRun.parse(new BatchCommand(), "--input", "in", "--lake", "lake").settings();
    BatchInferenceJob.Settings expected = BatchInferenceJob.Settings.of(java.util.List.of("in"), "lake", "default");
    assertThat(s.source).isEqualTo(expected.source).isEqualTo("default");
    assertThat(s.analyzers).isEqualTo(expected.analyzers);
    assertThat(s.model).isNull();
    assertThat(s.confFile).isNull();
    assertThat(s.head).isNull();
    assertThat(s.quiet).isFalse();
    assertThat(s.arguments).isEqualTo(expected.arguments).isEqualTo("--input in --lake lake");
  }

  @Test
  void typosAndMissingOptionsAreUsageErrors() {
    CommandRun.execute("batch", new BatchCommand(), "--input", "in", "--lake", "lake", "--analyzer", "ocr")
        .assertUsageError("Unknown options: '--analyzer', 'ocr'", "Possible solutions: --analyzers");

    CommandRun.execute("batch", new BatchCommand(), "--lake", "lake")
        .assertUsageError("Missing required option: '--input=<path|glob|uri>'");

    CommandRun.execute("batch", new BatchCommand(), "--input", "in", "--lake", "lake", "--analyzers", " , ")
        .assertUsageError("visionlake batch: --analyzers must name at least one analyser");
  }

  @Test
  void helpListsEveryOptionWithItsDefault() {
    CommandRun.execute("batch", new BatchCommand(), "--help")
        .assertHelp("Usage: batch", "--input=<path|glob|uri>", "--lake=<path|uri>", "--source=<name>", "(default: default)",
        "--model=<name|file>", "--analyzers=<list>", "(default: classify,embed)", "--conf-file=<file>", "--head=<name|uri>", "--quiet");
  }
}
