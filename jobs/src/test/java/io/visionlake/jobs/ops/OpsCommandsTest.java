package io.visionlake.jobs.ops;

import io.visionlake.udfs.testing.UnitTest;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.testing.CommandRun;
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
    CommandRun typo = CommandRun.execute("maintain", new MaintainCommand(), "--lake", "/lake", "--no-vaccum");
    assertThat(typo.exitCode).as(typo.toString()).isEqualTo(2);
    assertThat(typo.err).contains("Possible solutions: --no-vacuum");
    CommandRun hours = CommandRun.execute("maintain", new MaintainCommand(), "--lake", "/lake", "--vacuum-hours", "a week");
    assertThat(hours.exitCode).isEqualTo(2);
    assertThat(hours.err).contains("--vacuum-hours", "a week");
    CommandRun required = CommandRun.execute("maintain", new MaintainCommand());
    assertThat(required.exitCode).isEqualTo(2);
    assertThat(required.err).contains("Missing required option: '--lake=<path|uri>'");
    CommandRun help = CommandRun.execute("maintain", new MaintainCommand(), "--help");
    assertThat(help.exitCode).isEqualTo(0);
    assertThat(help.out).contains("Usage: maintain", "--vacuum-hours=<n>", "vacuumHours, 168", "--no-vacuum", "--conf-file=<file>");
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
  void sqlUsageErrors() {
    CommandRun none = CommandRun.execute("sql", new SqlCommand(), "--lake", "/lake");
    assertThat(none.exitCode).as(none.toString()).isEqualTo(2);
    assertThat(none.err).contains("Missing required parameter: 'SQL'");
    CommandRun typo = CommandRun.execute("sql", new SqlCommand(), "--lake", "/lake", "--fromat", "csv", "SELECT 1");
    assertThat(typo.exitCode).as(typo.toString()).isEqualTo(2);
    assertThat(typo.err).contains("Unknown option: '--fromat'", "Possible solutions: --format");
    CommandRun format = CommandRun.execute("sql", new SqlCommand(), "--lake", "/lake", "--format", "xml", "SELECT 1");
    assertThat(format.exitCode).isEqualTo(2);
    assertThat(format.err).contains("visionlake sql: --format must be table, csv or json, got 'xml'");
    CommandRun help = CommandRun.execute("sql", new SqlCommand(), "--help");
    assertThat(help.exitCode).isEqualTo(0);
    assertThat(help.out).contains("Usage: sql", "SQL...", "--format=<table|csv|json>", "--limit=<n>");
  }
}
