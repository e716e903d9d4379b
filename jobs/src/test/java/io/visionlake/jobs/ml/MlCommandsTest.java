package io.visionlake.jobs.ml;

import io.visionlake.udfs.testing.UnitTest;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.testing.CommandRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The similar and train-head command lines (no Spark starts). */
@UnitTest
class MlCommandsTest {
  @Test
  void similarBuildsTheSettingsTheJobRuns() {
    SimilarCommand cmd = CommandRun.parse(new SimilarCommand(), "--lake", "/lake", "--threshold", "0.4", "--source", "cams",
        "--query", "q.jpg", "--k", "5", "--format", "json", "--model", "resnet", "--conf-file", "c.properties");
    SimilarityJob.Settings s = cmd.settings();
    assertThat(s.lake).isEqualTo("/lake");
    assertThat(s.threshold).isEqualTo(0.4);
    assertThat(s.source).isEqualTo("cams");
    assertThat(s.model).isEqualTo("resnet");
    assertThat(s.confFile).isEqualTo(Path.of("c.properties"));
    assertThat(cmd.query).isEqualTo("q.jpg");
    assertThat(cmd.k).isEqualTo(5);
    assertThat(cmd.format.value()).isEqualTo("json");

    SimilarCommand defaults = CommandRun.parse(new SimilarCommand(), "--lake", "/lake");
    SimilarityJob.Settings d = defaults.settings();
    SimilarityJob.Settings expected = SimilarityJob.Settings.of("/lake");
    assertThat(d.threshold).isEqualTo(expected.threshold).isNull();
    assertThat(d.source).isEqualTo(expected.source).isNull();
    assertThat(d.model).isEqualTo(expected.model).isNull();
    assertThat(d.confFile).isNull();
    assertThat(defaults.query).isNull();
    assertThat(defaults.k).isEqualTo(10);
    assertThat(defaults.format.value()).isEqualTo("table");
  }

  @Test
  void similarUsageErrors() {
    CommandRun typo = CommandRun.execute("similar", new SimilarCommand(), "--lake", "/lake", "--treshold", "0.4");
    assertThat(typo.exitCode).as(typo.toString()).isEqualTo(2);
    assertThat(typo.err).contains("Possible solutions: --threshold");
    CommandRun number = CommandRun.execute("similar", new SimilarCommand(), "--lake", "/lake", "--threshold", "near");
    assertThat(number.exitCode).isEqualTo(2);
    assertThat(number.err).contains("--threshold", "near");
    CommandRun help = CommandRun.execute("similar", new SimilarCommand(), "--help");
    assertThat(help.exitCode).isEqualTo(0);
    assertThat(help.out).contains("Usage: similar", "--query=<image file>", "--k=<n>", "tiny-image", "--format=<table|csv|json>");
  }

  @Test
  void trainHeadBuildsTheSettingsTheJobRuns() {
    TrainHeadJob.Settings s = CommandRun.parse(new TrainHeadCommand(), "--name", "shoes", "--labels", "labels.csv", "--lake", "/lake",
        "--model", "resnet", "--conf-file", "c.properties").settings();
    assertThat(s.name).isEqualTo("shoes");
    assertThat(s.labels).isEqualTo("labels.csv");
    assertThat(s.lake).isEqualTo("/lake");
    assertThat(s.model).isEqualTo("resnet");
    assertThat(s.confFile).isEqualTo(Path.of("c.properties"));
    TrainHeadJob.Settings d = CommandRun.parse(new TrainHeadCommand(), "--name", "shoes", "--labels", "labels.csv", "--lake", "/lake").settings();
    assertThat(d.model).isNull();
    assertThat(d.confFile).isNull();
  }

  @Test
  void trainHeadUsageErrors() {
    CommandRun typo = CommandRun.execute("train-head", new TrainHeadCommand(), "--name", "shoes", "--label", "l.csv", "--lake", "/lake");
    assertThat(typo.exitCode).as(typo.toString()).isEqualTo(2);
    assertThat(typo.err).contains("'--label'", "Possible solutions: --labels");
    CommandRun required = CommandRun.execute("train-head", new TrainHeadCommand(), "--labels", "l.csv", "--lake", "/lake");
    assertThat(required.exitCode).isEqualTo(2);
    assertThat(required.err).contains("Missing required option: '--name=<head>'");
    CommandRun help = CommandRun.execute("train-head", new TrainHeadCommand(), "--help");
    assertThat(help.exitCode).isEqualTo(0);
    assertThat(help.out).contains("Usage: train-head", "--name=<head>", "--labels=<csv|delta path>", "--model=<name|file>");
  }
}
