package io.visionlake.jobs.cli;

import io.visionlake.jobs.conf.JobConf;
import io.visionlake.udfs.model.Credentials;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * Runs an entry point's picocli command and owns the exit codes every entry point shares:
 * {@link #DONE} 0, {@link #USAGE} 2 for bad arguments or settings (a picocli {@link
 * ParameterException}, or an {@link IllegalArgumentException} from the job's own checks), {@link
 * #FAILED} 1 for anything else, or when the command itself returns 1 (a backfill with failed days).
 * Scripts and tests read these codes, never the messages.
 */
public final class JobMain {
  private static final Logger LOG = LoggerFactory.getLogger(JobMain.class);
  public static final int DONE = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  private JobMain() {}

  /** {@code main} of an entry point: runs {@code command} on {@code args} and exits with its code. */
  public static void run(String job, Object command, String[] args) {
    System.exit(commandLine(job, command).execute(args));
  }

  /** The command line of {@code command} with VisionLake's exit codes and messages; tests call {@code execute} on it. */
  public static CommandLine commandLine(String job, Object command) {
    CommandLine cl = new CommandLine(command);
    cl.setUsageHelpAutoWidth(true); // a terminal's width; 100 columns in logs and tests
    cl.setUsageHelpWidth(100);
    cl.setParameterExceptionHandler(JobMain::usageError);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // Messages quote paths as given (ours, Hadoop's, Spark's): credentials in them are masked.
      if (e instanceof IllegalArgumentException) {
        cmd.getErr().println("visionlake " + job + ": " + Credentials.mask(e.getMessage()));
        return USAGE;
      }
      LOG.error("visionlake {} failed: {}", job, Credentials.mask(stackTrace(e)));
      cmd.getErr().println("visionlake " + job + " failed: " + Credentials.mask(String.valueOf(e)));
      return FAILED;
    });
    return cl;
  }

  private static String stackTrace(Throwable e) {
    java.io.StringWriter trace = new java.io.StringWriter();
    e.printStackTrace(new PrintWriter(trace, true));
    return trace.toString();
  }

  private static int usageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    List<String> unknown = cmd.getUnmatchedArguments();
    // picocli checks required options before unknown ones, so a typo of a required option reads
    // "Missing required option"; name the typo and its likely spelling first.
    if (!(e instanceof UnmatchedArgumentException) && !unknown.isEmpty()) {
      err.println(new UnmatchedArgumentException(cmd, unknown).getMessage());
    }
    err.println(e.getMessage());
    List<String> suggestions = suggestions(unknown, cmd.getCommandSpec().optionsMap().keySet());
    if (suggestions.isEmpty() && e instanceof UnmatchedArgumentException) {
      suggestions = ((UnmatchedArgumentException) e).getSuggestions();
    }
    if (!suggestions.isEmpty()) {
      err.println("Possible solutions: " + String.join(", ", suggestions));
    }
    cmd.usage(err);
    return USAGE;
  }

  /**
   * The option names closest to the unknown option-like arguments: at most two edits away, a
   * swap of neighbours counting as one ({@code --form} is {@code --from}). picocli's own
   * suggestions match prefixes and miss such typos; they are the fallback.
   */
  static List<String> suggestions(List<String> unknown, Collection<String> names) {
    Set<String> out = new LinkedHashSet<>();
    for (String arg : unknown) {
      if (!arg.startsWith("-")) {
        continue;
      }
      String typo = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      int best = 3;
      List<String> closest = new ArrayList<>();
      for (String name : names) {
        int d = editDistance(typo, name);
        if (d < best) {
          best = d;
          closest.clear();
        }
        if (d == best) {
          closest.add(name);
        }
      }
      out.addAll(closest);
    }
    return new ArrayList<>(out);
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /**
   * The arguments as given, for {@code job_runs.arguments}: each option that was matched, with
   * its values in the order given, then the positional values; values of the form {@code
   * key=value} with a secret-looking key and credentials inside URIs are masked ({@link
   * JobConf#maskIfSecret(String)}).
   */
  public static String arguments(CommandSpec spec) {
    ParseResult parsed = spec.commandLine().getParseResult();
    List<String> out = new ArrayList<>();
    for (ArgSpec option : new LinkedHashSet<ArgSpec>(parsed.matchedOptions())) {
      String name = ((CommandLine.Model.OptionSpec) option).longestName();
      for (String value : option.originalStringValues()) {
        out.add(name);
        if (option.arity().max() > 0) {
          out.add(JobConf.maskIfSecret(value));
        }
      }
    }
    for (ArgSpec positional : new LinkedHashSet<ArgSpec>(parsed.matchedPositionals())) {
      positional.originalStringValues().forEach(v -> out.add(JobConf.maskIfSecret(v)));
    }
    return String.join(" ", out);
  }
}
