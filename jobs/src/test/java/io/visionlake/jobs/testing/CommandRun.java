package io.visionlake.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.cli.JobMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * A job's picocli command run in this JVM the way its {@code main} runs it ({@link
 * JobMain#commandLine}), with stdout and stderr of picocli captured. For arguments that stop before
 * the job starts Spark: help, usage errors, settings the job rejects.
 */
public record CommandRun(int exitCode, String out, String err) {

  public static CommandRun execute(String job, Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = JobMain.commandLine(job, command);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CommandRun(code, out.toString(), err.toString());
  }

  /** Parses {@code args} into {@code command}'s fields without running it; a usage error throws. */
  public static <T> T parse(T command, String... args) {
    JobMain.commandLine("test", command).parseArgs(args);
    return command;
  }

  /** Asserts picocli's usage-error exit ({@link JobMain#USAGE}) and that stderr says each of {@code expected}. */
  public CommandRun assertUsageError(String... expected) {
    assertThat(exitCode).as(toString()).isEqualTo(JobMain.USAGE);
    assertThat(err).contains(expected);
    return this;
  }

  /** Asserts the help exit ({@link JobMain#DONE}) and that the usage on stdout says each of {@code expected}. */
  public CommandRun assertHelp(String... expected) {
    assertThat(exitCode).as(toString()).isEqualTo(JobMain.DONE);
    assertThat(out).contains(expected);
    return this;
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
  }
}
