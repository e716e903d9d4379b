package io.visionlake.jobs.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The backfill command line: what it builds for the job, and how it refuses what it cannot use (no Spark starts). */
@UnitTest
class BackfillCommandTest {
  @Test
  void buildsTheSettingsTheJobRuns() {
    String[] args = {"--input", "s3a://bucket/in", "--from", "2024-05-01", "--to", "2024-05-03", "--lake", "/lake", "--layout", "YYYY/MM/DD",
        "--source", "cams", "--model", "resnet", "--analyzers", "ocr,colors", "--parallel-days", "3", "--conf-file", "c.properties",
        "--force", "--quiet"};
    BackfillJob.Settings s = CommandRun.parse(new BackfillCommand(), args).settings();
    assertThat(s.input).isEqualTo("s3a://bucket/in");
    assertThat(s.lake).isEqualTo("/lake");
    assertThat(s.from).isEqualTo(LocalDate.of(2024, 5, 1));
    assertThat(s.to).isEqualTo(LocalDate.of(2024, 5, 3));
    assertThat(s.layout).isEqualTo(DayLayout.NESTED);
    assertThat(s.source).isEqualTo("cams");
    assertThat(s.model).isEqualTo("resnet");
    assertThat(s.analyzers).containsExactly("ocr", "colors");
    assertThat(s.parallelDays).isEqualTo(3);
    assertThat(s.confFile).isEqualTo(Path.of("c.properties"));
    assertThat(s.force).isTrue();
    assertThat(s.quiet).isTrue();
    assertThat(s.arguments).as("job_runs.arguments").isEqualTo(String.join(" ", args));
  }

  @Test
  void defaults() {
    BackfillJob.Settings s = CommandRun.parse(new BackfillCommand(), "--input", "in", "--from", "2024-05-01", "--lake", "lake").settings();
    assertThat(s.to).as("--to defaults to --from").isEqualTo(s.from);
    assertThat(s.layout).isEqualTo(DayLayout.HIVE);
    assertThat(s.source).isEqualTo("backfill");
    assertThat(s.model).isNull();
    // The job reads an empty list as classify,embed (ScoringPlan.prepare); the command says so explicitly.
    assertThat(s.analyzers).containsExactly("classify", "embed");
    assertThat(s.parallelDays).isEqualTo(1);
    assertThat(s.confFile).isNull();
    assertThat(s.force).isFalse();
    assertThat(s.quiet).isFalse();
    assertThat(s.arguments).isEqualTo("--input in --from 2024-05-01 --lake lake");
  }

  @Test
  void typosBadValuesAndMissingOptionsAreUsageErrors() {
    CommandRun.execute("backfill", new BackfillCommand(), "--input", "in", "--form", "2024-05-01", "--lake", "lake")
        .assertUsageError("'--form'", "Possible solutions: --from");

    CommandRun.execute("backfill", new BackfillCommand(), "--from", "2024-05-01", "--lake", "lake")
        .assertUsageError("Missing required option: '--input=<root>'");

    CommandRun.execute("backfill", new BackfillCommand(), "--input", "in", "--from", "2024-13-01", "--lake", "lake")
        .assertUsageError("--from", "2024-13-01");

    CommandRun.execute("backfill", new BackfillCommand(), "--input", "in", "--from", "2024-05-01", "--lake", "lake",
        "--parallel-days", "two").assertUsageError("--parallel-days", "two");

    CommandRun.execute("backfill", new BackfillCommand(), "--input", "in", "--from", "2024-05-03", "--to", "2024-05-01",
        "--lake", "lake").assertUsageError("visionlake backfill: --to 2024-05-01 is before --from 2024-05-03");

    CommandRun.execute("backfill", new BackfillCommand(), "--input", "in", "--from", "2024-05-01", "--lake", "lake",
        "--layout", "YYYY-MM").assertUsageError("--layout must be date=YYYY-MM-DD or YYYY/MM/DD, got 'YYYY-MM'");
  }

  @Test
  void help() {
    CommandRun.execute("backfill", new BackfillCommand(), "--help")
        .assertHelp("Usage: backfill", "--input=<root>", "--from=<YYYY-MM-DD>", "--to=<YYYY-MM-DD>", "--layout=",
        "(default: date=YYYY-MM-DD)", "--parallel-days=<n>", "--force", "--quiet", "--analyzers=<list>");
  }
}
