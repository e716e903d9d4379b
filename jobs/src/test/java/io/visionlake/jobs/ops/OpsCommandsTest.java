package io.visionlake.jobs.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The maintain and sql command lines (no Spark starts). */
@UnitTest
class OpsCommandsTest {
  private static final JobConf CONF = JobConf.resolve(Map.of(), Map.of(JobOptions.VACUUM_HOURS, "200"), Map.of());

  @Test
  void maintainVacuumsWithTheGivenRetentionElseTheConfiguredOne() {
    MaintainCommand given = CommandRun.parse(new MaintainCommand(), "--lake", "/lake", "--vacuum-hours", "24", "--conf-file", "c.properties");
    assertThat(given.lake.root).isEqualTo("/lake");
    assertThat(given.confFile.path).isEqualTo(Path.of("c.properties"));
    assertThat(given.vacuumHours(CONF)).isEqualTo(24L);
    assertThat(CommandRun.parse(new MaintainCommand(), "--lake", "/lake").vacuumHours(CONF)).isEqualTo(200L);
    assertThat(CommandRun.parse(new MaintainCommand(), "--lake", "/lake", "--vacuum-hours", "24", "--no-vacuum").vacuumHours(CONF))
        .as("--no-vacuum").isNull();
  }

  @Test
  void maintainUsageErrors() {
    CommandRun.execute("maintain", new MaintainCommand(), "--lake", "/lake", "--no-vaccum")
        .assertUsageError("Possible solutions: --no-vacuum");
    CommandRun.execute("maintain", new MaintainCommand(), "--lake", "/lake", "--vacuum-hours", "a week")
        .assertUsageError("--vacuum-hours", "a week");
    CommandRun.execute("maintain", new MaintainCommand()).assertUsageError("Missing required option: '--lake=<path|uri>'");
    CommandRun.execute("maintain", new MaintainCommand(), "--help")
        .assertHelp("Usage: maintain", "--vacuum-hours=<n>", "vacuumHours, 168", "--no-vacuum", "--conf-file=<file>");
  }

  @Test
  void sqlTakesStatementsInOrder() {
    SqlCommand sql = CommandRun.parse(new SqlCommand(), "--lake", "/lake", "SELECT 1", "--format", "CSV", "SELECT 2");
    assertThat(sql.statements).containsExactly("SELECT 1", "SELECT 2");
    assertThat(sql.format.value()).as("case-insensitive").isEqualTo("csv");
    assertThat(sql.limit).isEqualTo(1000);
    SqlCommand defaults = CommandRun.parse(new SqlCommand(), "--lake", "/lake", "SELECT 1");
    assertThat(defaults.format.value()).isEqualTo("table");
  }

  @Test
  void aStatementsLeadingBlockCommentIsItsHeading() {
    assertThat(SqlCommand.heading("/* flow_counts */\n   SELECT 1")).contains("== flow_counts ==");
    assertThat(SqlCommand.heading("  /* frames\r\n per camera */ SELECT 1 /* not this */")).contains("== frames per camera ==");
    assertThat(SqlCommand.heading("SELECT 1 /* after the statement starts */")).isEmpty();
    assertThat(SqlCommand.heading("/* */ SELECT 1")).as("an empty comment is no heading").isEmpty();
    assertThat(SqlCommand.heading("/* unclosed SELECT 1")).isEmpty();
    // The heading is an argument picocli takes as SQL, not as an unknown option.
    SqlCommand sql = CommandRun.parse(new SqlCommand(), "--lake", "/lake", "/* a */ SELECT 1");
    assertThat(sql.statements).containsExactly("/* a */ SELECT 1");
  }


  @Test
  void sqlUsageErrors() {
    CommandRun.execute("sql", new SqlCommand(), "--lake", "/lake").assertUsageError("Missing required parameter: 'SQL'");
    CommandRun.execute("sql", new SqlCommand(), "--lake", "/lake", "--fromat", "csv", "SELECT 1")
        .assertUsageError("Unknown option: '--fromat'", "Possible solutions: --format");
    CommandRun.execute("sql", new SqlCommand(), "--lake", "/lake", "--format", "xml", "SELECT 1")
        .assertUsageError("visionlake sql: --format must be table, csv or json, got 'xml'");
    CommandRun.execute("sql", new SqlCommand(), "--help").assertHelp("Usage: sql", "SQL...", "--format=<table|csv|json>", "--limit=<n>");
  }
}
