package io.visionlake.jobs.ml;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The similar and train-head command lines (no Spark starts). */
@UnitTest
class MlCommandsTest {
  @Test
  void similarBuildsTheSettingsTheJobRuns() {
    SimilarCommand cmd = CommandRun.parse(new SimilarCommand(), "--lake", "/lake", "--threshold", "0.4", "--source", "cams",
        "--query", "q.jpg", "--k", "5", "--format", "json", "--model", "resnet", "--conf-file", "c.properties");
    assertThat(cmd.settings()).isEqualTo(new SimilarityJob.Settings("/lake", "cams", "resnet", 0.4, Path.of("c.properties")));
    assertThat(cmd.query).isEqualTo("q.jpg");
    assertThat(cmd.k).isEqualTo(5);
    assertThat(cmd.format.value()).isEqualTo("json");

    SimilarCommand defaults = CommandRun.parse(new SimilarCommand(), "--lake", "/lake");
    assertThat(defaults.settings()).isEqualTo(SimilarityJob.Settings.of("/lake"));
    assertThat(defaults.query).isNull();
    assertThat(defaults.k).isEqualTo(10);
    assertThat(defaults.format.value()).isEqualTo("table");
  }

  @Test
  void similarUsageErrors() {
    CommandRun.execute("similar", new SimilarCommand(), "--lake", "/lake", "--treshold", "0.4")
        .assertUsageError("Possible solutions: --threshold");
    CommandRun.execute("similar", new SimilarCommand(), "--lake", "/lake", "--threshold", "near").assertUsageError("--threshold", "near");
    CommandRun.execute("similar", new SimilarCommand(), "--help")
        .assertHelp("Usage: similar", "--query=<image file>", "--k=<n>", "centernet-embed", "--format=<table|csv|json>");
  }

  @Test
  void trainHeadBuildsTheSettingsTheJobRuns() {
    TrainHeadJob.Settings s = CommandRun.parse(new TrainHeadCommand(), "--name", "shoes", "--labels", "labels.csv", "--lake", "/lake",
        "--model", "resnet", "--conf-file", "c.properties").settings();
    assertThat(s).isEqualTo(new TrainHeadJob.Settings("shoes", "labels.csv", "/lake", "resnet", Path.of("c.properties")));
    TrainHeadJob.Settings d = CommandRun.parse(new TrainHeadCommand(), "--name", "shoes", "--labels", "labels.csv", "--lake", "/lake").settings();
    assertThat(d).isEqualTo(TrainHeadJob.Settings.of("shoes", "labels.csv", "/lake"));
  }

  @Test
  void trainHeadUsageErrors() {
    CommandRun.execute("train-head", new TrainHeadCommand(), "--name", "shoes", "--label", "l.csv", "--lake", "/lake")
        .assertUsageError("'--label'", "Possible solutions: --labels");
    CommandRun.execute("train-head", new TrainHeadCommand(), "--labels", "l.csv", "--lake", "/lake")
        .assertUsageError("Missing required option: '--name=<head>'");
    CommandRun.execute("train-head", new TrainHeadCommand(), "--help")
        .assertHelp("Usage: train-head", "--name=<head>", "--labels=<csv|delta path>", "--model=<name|file>");
  }
}
