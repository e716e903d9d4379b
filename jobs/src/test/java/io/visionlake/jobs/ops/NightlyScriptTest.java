package io.visionlake.jobs.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/nightly} and {@code scripts/submit} around the job, without a JVM for the lock:
 * nightly runs against a VisionLake home whose {@code scripts/submit} is a stub that prints where it
 * ran and with what, so the lock, the per-lake log, the temp files and the caller's directory are
 * checked in milliseconds; {@code scripts/submit} runs a stub {@code java} to show it stays in the
 * caller's directory.
 */
@IntegrationTest
class NightlyScriptTest {
  static final Path HOME = TestPaths.home();

  @TempDir
  Path work;

  /** A home with the build's files in place (empty) and a stub submit. */
  private Path stubHome() throws IOException {
    Path home = work.resolve("home");
    Files.createDirectories(home.resolve("jobs/target"));
    Files.writeString(home.resolve("jobs/target/visionlake-jobs-0.1.0-SNAPSHOT-app.jar"), "");
    Files.writeString(home.resolve("jobs/target/local-classpath.txt"), "");
    Path submit = Files.createDirectories(home.resolve("scripts")).resolve("submit");
    Files.writeString(submit, "#!/usr/bin/env bash\necho \"backfill stub: cwd=$(pwd) args=$*\"\n");
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  @Test
  void oneLockPerCanonicalLakeOneLogPerLakeAndNoTempFilesLeft() throws Exception {
    Path home = stubHome();
    Path locks = Files.createDirectories(work.resolve("locks"));
    Path tmpDir = Files.createDirectories(work.resolve("tmp"));
    Path lake = Files.createDirectories(work.resolve("lake"));
    Path alias = Files.createSymbolicLink(work.resolve("alias"), lake);
    Path other = work.resolve("other-lake");
    Map<String, String> env = Map.of("VISIONLAKE_HOME", home.toString(), "VISIONLAKE_LOCK_DIR", locks.toString(), "TMPDIR",
        tmpDir.toString());

    Path lock = locks.resolve("visionlake-nightly-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(lake.toRealPath().toString().getBytes(StandardCharsets.UTF_8))).substring(0, 16) + ".lock");
    Process holder = new ProcessBuilder("flock", lock.toString(), "-c", "echo locked; exec sleep 600").redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(r.readLine()).as("flock holds the lock").isEqualTo("locked");
      // The same lake spelled three other ways: through a symlink, with a trailing slash, relative.
      for (String spelling : List.of(alias.toString(), lake + "/", "lake", "./alias//")) {
        Run locked = nightly(env, "--input", "in", "--lake", spelling, "--day", "2024-05-01");
        assertThat(locked.exit).as(locked.toString()).isEqualTo(75);
        assertThat(locked.output).as(locked.toString())
            .contains("nightly 2024-05-01: skipped, another nightly run holds " + lock, "already running on " + lake.toRealPath());
      }
      // Another lake is not held by it.
      Run free = nightly(env, "--input", "in", "--lake", "other-lake", "--day", "2024-05-01");
      assertThat(free.exit).as(free.toString()).isEqualTo(0);
      assertThat(free.output).as("the caller's directory and paths reach the job as given: " + free)
          .contains("nightly 2024-05-01: OK: backfill stub: cwd=" + work + " args=backfill --from 2024-05-01 --to 2024-05-01"
              + " --quiet --input in --lake other-lake");
    } finally {
      holder.descendants().forEach(ProcessHandle::destroyForcibly);
      holder.destroyForcibly();
    }
    Run mine = nightly(env, "--input", "in", "--lake", "alias/", "--day", "2024-05-01");
    assertThat(mine.exit).as(mine.toString()).isEqualTo(0);

    // One log per lake (named after it), appended to by each run of that lake.
    List<Path> logs;
    try (Stream<Path> s = Files.list(home.resolve("logs"))) {
      logs = s.sorted().toList();
    }
    assertThat(logs).as("logs").hasSize(2);
    assertThat(logs).anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith("nightly-lake-").endsWith("-2024-05-01.log"))
        .anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith("nightly-other-lake-"));
    try (Stream<Path> s = Files.list(tmpDir)) {
      assertThat(s.toList()).as("temp files removed").isEmpty();
    }
  }

  @Test
  void submitRunsTheJobInTheCallersDirectory() throws Exception {
    // A `java` first on PATH that says where it ran: scripts/submit's own work, without a JVM. That a
    // relative path then resolves against that directory is InputPathsTest's.
    Path bin = Files.createDirectories(work.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/usr/bin/env bash\necho \"java stub: cwd=$(pwd) last=${@: -4}\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path caller = Files.createDirectories(work.resolve("caller"));
    Run run = run(caller, Map.of("PATH", bin + ":" + System.getenv("PATH")), HOME.resolve("scripts/submit").toString(), "batch",
        "--input", "in", "--lake", "lake");
    assertThat(run.exit).as(run.toString()).isEqualTo(0);
    assertThat(run.output).as(run.toString()).contains("java stub: cwd=" + caller + " last=--input in --lake lake");
  }

  private Run nightly(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(HOME.resolve("scripts/nightly").toString()));
    command.addAll(List.of(args));
    return run(work, env, command.toArray(String[]::new));
  }

  private Run run(Path dir, Map<String, String> env, String... command) throws Exception {
    Path log = Files.createTempFile(work, "run", ".out");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    pb.environment().remove("VISIONLAKE_HOME");
    pb.environment().put("VISIONLAKE_DRIVER_MEMORY", "1g");
    pb.environment().putAll(env);
    Process p = pb.start();
    boolean finished = p.waitFor(5, TimeUnit.MINUTES); // a guard against a hang, not a speed expectation
    if (!finished) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    String output = Files.readString(log);
    Files.delete(log);
    return new Run(String.join(" ", command) + " in " + dir + " (env " + env + ")", finished ? p.exitValue() : -1, output);
  }

  record Run(String command, int exit, String output) {
    @Override
    public String toString() {
      return command + " exited " + exit + "; its output:\n" + output;
    }
  }
}
