package io.visionlake.jobs.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Points of a running job, read from the files it writes, at which a test kills its driver
 * ({@link ChildJvm#killWhenReady}). A stage, not a timer: on a loaded machine a delay lands in a
 * different stage every run, while "images has committed its first write" is the same point each
 * time. Both checks read files only, so polling does not compete with the child for the CPU.
 */
public final class KillPoints {
  private KillPoints() {}

  /** A named point: what a failure message says, and the condition that reaches it. */
  public record KillPoint(String name, ChildJvm.Check reached) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Commits in a Delta table's log so far (its creation is one). */
  public static long commits(Path table) throws IOException {
    Path log = table.resolve("_delta_log");
    if (!Files.isDirectory(log)) {
      return 0;
    }
    try (var s = Files.list(log)) {
      return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).count();
    }
  }

  /** Once {@code table} holds at least {@code n} commits. */
  public static KillPoint afterCommits(String name, Path table, long n) {
    return new KillPoint(name, () -> commits(table) >= n);
  }

  /** Once the job's log (its stdout and stderr) has a line matching {@code regex}. */
  public static KillPoint afterLog(String name, Path log, String regex) {
    Pattern pattern = Pattern.compile(regex);
    return new KillPoint(name, () -> Files.exists(log) && pattern.matcher(Files.readString(log)).find());
  }
}
