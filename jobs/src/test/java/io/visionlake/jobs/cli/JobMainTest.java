package io.visionlake.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.udfs.testing.UnitTest;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Exit codes and the recorded arguments, on a small command whose body does what each test asks. */
@UnitTest
class JobMainTest {
  @Command(name = "probe", mixinStandardHelpOptions = true, versionProvider = JobVersion.class)
  static final class Probe implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    SharedOptions.Lake lake;
    @Option(names = "--input")
    List<String> inputs;
    @Option(names = "--fail-with", description = "iae, state or a number to return")
    String failWith;
    @Mixin
    SharedOptions.Quiet quiet;
    @Parameters
    List<String> rest;
    String arguments;

    @Override
    public Integer call() {
      arguments = JobMain.arguments(spec);
      if ("iae".equals(failWith)) {
        throw new IllegalArgumentException("--fail-with asked for a bad setting");
      }
      if ("state".equals(failWith)) {
        throw new IllegalStateException("the job broke");
      }
      if ("uri".equals(failWith)) {
        // As Hadoop and Spark word theirs: the path as given, credentials and all.
        throw new IllegalStateException("Cannot list the input " + inputs.get(0), new java.io.IOException("Wrong FS: " + inputs.get(0)));
      }
      if ("uri-iae".equals(failWith)) {
        throw new IllegalArgumentException("Input path does not exist: " + lake.root);
      }
      return failWith == null ? JobMain.DONE : Integer.parseInt(failWith);
    }
  }

  @Test
  void exitCodesAreZeroDoneTwoUsageOneFailed() {
    assertThat(CommandRun.execute("probe", new Probe(), "--lake", "l").exitCode()).as("done").isEqualTo(0);
    assertThat(CommandRun.execute("probe", new Probe(), "--help").exitCode()).as("--help").isEqualTo(0);
    assertThat(CommandRun.execute("probe", new Probe(), "--version").out()).as("--version").startsWith("visionlake ");

    CommandRun unknown = CommandRun.execute("probe", new Probe(), "--lake", "l", "--qiuet");
    assertThat(unknown.exitCode()).as("unknown option").isEqualTo(2);
    assertThat(unknown.err()).as(unknown.toString()).contains("Unknown option: '--qiuet'", "Possible solutions: --quiet", "Usage: probe");

    CommandRun missing = CommandRun.execute("probe", new Probe(), "--lak", "l");
    assertThat(missing.exitCode()).as("typo of a required option").isEqualTo(2);
    assertThat(missing.err()).as(missing.toString()).contains("'--lak'", "Possible solutions: --lake", "Missing required option: '--lake=<path|uri>'");

    CommandRun noValue = CommandRun.execute("probe", new Probe(), "--lake");
    assertThat(noValue.exitCode()).as("option without its value").isEqualTo(2);
    assertThat(noValue.err()).contains("Missing required parameter for option '--lake'");

    CommandRun bad = CommandRun.execute("probe", new Probe(), "--lake", "l", "--fail-with", "iae");
    assertThat(bad.exitCode()).as("IllegalArgumentException from the job").isEqualTo(2);
    assertThat(bad.err()).isEqualTo("visionlake probe: --fail-with asked for a bad setting" + System.lineSeparator());

    CommandRun broke = CommandRun.execute("probe", new Probe(), "--lake", "l", "--fail-with", "state");
    assertThat(broke.exitCode()).as("any other exception").isEqualTo(1);
    assertThat(broke.err()).contains("visionlake probe failed: java.lang.IllegalStateException: the job broke");

    assertThat(CommandRun.execute("probe", new Probe(), "--lake", "l", "--fail-with", "1").exitCode())
        .as("the command's own code (a backfill with failed days)").isEqualTo(1);
  }

  @Test
  void argumentsAreRecordedAsGivenWithSecretsMasked() {
    Probe probe = new Probe();
    int code = JobMain.commandLine("probe", probe).execute("--input", "a", "--lake=s3a://bucket/lake", "--input",
        "fs.s3a.secret.key=hunter2", "--quiet", "fs.s3a.access.key=AKIA", "plain");
    assertThat(code).isEqualTo(0);
    assertThat(probe.arguments).as("options grouped in the order first given, flags bare, positionals last, secrets masked")
        .isEqualTo("--input a --input fs.s3a.secret.key=***** --lake s3a://bucket/lake --quiet fs.s3a.access.key=***** plain");
  }

  @Test
  void credentialsInUrisAreMaskedInRecordedArgumentsAndPrintedErrors() {
    String s3 = "s3a://AKIAEXAMPLE:wJalr/SECRETKEY@bucket/lake";
    String signed = "https://cdn.example.com/x.jpg?X-Amz-Credential=AKIAEXAMPLE%2F2024&X-Amz-Signature=deadbeef&X-Amz-Date=1";
    String basic = "https://user:pa55word@host.example.com/images";
    String token = "https://host.example.com/images?token=t0k3n&page=2";
    Probe probe = new Probe();
    assertThat(JobMain.commandLine("probe", probe).execute("--lake", s3, "--input", signed, "--input", basic, "--input", token))
        .isEqualTo(0);
    assertThat(probe.arguments).as("job_runs.arguments").isEqualTo("--lake s3a://***@bucket/lake"
        + " --input https://cdn.example.com/x.jpg?X-Amz-Credential=*****&X-Amz-Signature=*****&X-Amz-Date=1"
        + " --input https://***@host.example.com/images --input https://host.example.com/images?token=*****&page=2");

    CommandRun broke = CommandRun.execute("probe", new Probe(), "--lake", "l", "--input", basic, "--fail-with", "uri");
    assertThat(broke.exitCode()).isEqualTo(1);
    assertThat(broke.err()).as(broke.toString()).contains("Cannot list the input https://***@host.example.com/images")
        .doesNotContain("pa55word");
    CommandRun bad = CommandRun.execute("probe", new Probe(), "--lake", s3, "--fail-with", "uri-iae");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).as(bad.toString()).contains("Input path does not exist: s3a://***@bucket/lake").doesNotContain("SECRET");
  }
}
