package io.visionlake.jobs.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo scripts and {@code scripts/nightly} run as a user runs them (bash, the packaged app jar,
 * one JVM per job), on a small copy of the sample data: each exits 0 and prints its tables. A bad
 * argument makes a script say what was wrong and exit non-zero, never fail silently.
 *
 * <p>Needs the packaged app jar and local classpath ({@code scripts/test} builds them through
 * {@code scripts/setup}) and the samples scripts/setup builds.
 */
@IntegrationTest
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ScriptsTest {
  static final Path HOME = TestPaths.home();
  static final Path APP_JAR = HOME.resolve("jobs/target/visionlake-jobs-0.1.0-SNAPSHOT-app.jar");
  static final Path LOCAL_CP = HOME.resolve("jobs/target/local-classpath.txt");
  /** A guard against a hung script, not a speed expectation. */
  static final int SCRIPT_TIMEOUT_MINUTES = 20;
  static final int FASHION = 24;
  /** Frames per camera for demo-analytics: bursts of 1 to 6 frames over 7 hours, enough for tracks (3 frames confirm one). */
  static final int FRAMES = 20;

  @TempDir
  static Path work;
  static Path samples;

  @BeforeAll
  static void smallSamples() throws IOException {
    if (!Files.isRegularFile(APP_JAR) || !Files.isRegularFile(LOCAL_CP)) {
      fail(APP_JAR + " or " + LOCAL_CP + " is missing: the scripts run the packaged app. Build it with "
          + "mvn -B -q -o -pl jobs -am package -DskipTests (scripts/test does, through scripts/setup)");
    }
    // The layout of data/samples, with a few files of each kind: the same code paths in minutes.
    samples = work.resolve("samples");
    copy("photos", List.of("dog.jpg", "eagle.jpg"));
    List<String> fashion = new ArrayList<>();
    for (int i = 0; i < FASHION; i++) {
      fashion.add(String.format("test-%05d.png", i));
    }
    copy("fashion", fashion);
    copy("text", List.of("imageTextN.png"));
    copy("damaged", List.of("empty.jpg", "notes.jpg", "truncated-dog.jpg"));
    // The demos take their DEMO_FRAMES from the whole footage.
    TestPaths.required("data/samples/cameras/.done");
    Files.createSymbolicLink(samples.resolve("cameras"), TestPaths.required("data/samples/cameras"));
  }

  private static void copy(String folder, List<String> names) throws IOException {
    Path to = Files.createDirectories(samples.resolve(folder));
    for (String name : names) {
      Files.copy(TestPaths.required("data/samples/" + folder + "/" + name), to.resolve(name));
    }
  }

  @Test
  void demoScoresTheSamplesAndPrintsItsThreeReports() {
    Path lake = work.resolve("demo-lake");
    Run run = Run.script("demo", Map.of("DEMO_SAMPLES", samples.toString(), "LAKE", lake.toString()));

    run.assertExit(0);
    // 2 photos + 24 PNGs + 1 text page are images; the 3 damaged files are quarantined.
    assertThat(run.output).as(run.describe())
        .contains("avg_score")
        .containsPattern("SUCCEEDED\\s*\\|\\s*30\\s*\\|\\s*27\\s*\\|\\s*3\\s*\\|\\s*0\\s*\\|")
        .contains("error_class")
        .containsPattern("decode");
    assertThat(lake.resolve("images/_delta_log")).as("the images table").isDirectory();
  }

  @Test
  void demoAnalyticsRunsTheStreamDemoBuildsTheLakeAndRendersEveryNotebook() throws IOException {
    Path out = work.resolve("demo-analytics");
    Run run = Run.script("demo-analytics", Map.of("DEMO_SAMPLES", samples.toString(), "DEMO_DIR", out.toString(),
        "DEMO_FRAMES", String.valueOf(FRAMES), "DEMO_PER_DAY", "5"));

    run.assertExit(0);
    // demo-analytics runs demo-stream first: two cameras landed in bursts over the day, every frame
    // counted, none lost or late, tracked objects counted per hour.
    assertThat(run.output).as(run.describe())
        .contains("== flow_counts (per camera and hour) ==", "== objects per hour (object_counts: distinct tracks by label, both cameras) ==",
            "== line crossings per camera ==", "== frames per camera / frame_errors, late_frames ==")
        .containsPattern("\\|\\s*0\\s*\\|\\s*0\\s*\\|")
        .contains("backfill: 4 day(s): processed 4, skipped 0, no input 0, failed 0");
    // Frames per camera: all FRAMES of each camera, spread over several hours of the day (its bursts).
    for (String camera : List.of("entrance", "car-park")) {
      java.util.regex.Matcher row = java.util.regex.Pattern.compile(camera + "\\s*\\|\\s*" + FRAMES + "\\s*\\|\\s*(\\d+)\\s*\\|")
          .matcher(run.output);
      assertThat(row.find()).as("%s: %d frames, then its hours\n%s", camera, FRAMES, run.describe()).isTrue();
      assertThat(Integer.parseInt(row.group(1))).as("hours with frames of %s", camera).isGreaterThanOrEqualTo(3);
    }
    // Objects per hour: rows "HH:00 | tracks | label n, ..." from object_counts, persons among them.
    assertThat(run.output).as(run.describe()).containsPattern("\\d{2}:00\\s*\\|\\s*[1-9]\\d*\\s*\\|\\s*[^|]*person [1-9]");
    List<String> notebooks;
    try (Stream<Path> md = Files.list(HOME.resolve("notebooks"))) {
      notebooks = md.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".md") && !n.equals("README.md"))
          .map(n -> n.replace(".md", ".html")).sorted().toList();
    }
    assertThat(notebooks).as("notebooks/*.md").isNotEmpty();
    for (String html : notebooks) {
      assertThat(out.resolve("notebooks").resolve(html)).as("rendered %s\n%s", html, run.describe()).isNotEmptyFile();
    }
  }

  @Test
  void nightlyExitCodesComeFromTheJob() throws Exception {
    Path input = work.resolve("nightly-input");
    Path day = Files.createDirectories(input.resolve("date=2024-05-01"));
    for (int i = 0; i < 4; i++) {
      String name = String.format("test-%05d.png", i);
      Files.copy(samples.resolve("fashion").resolve(name), day.resolve(name));
    }
    Path lake = work.resolve("nightly-lake");
    Path locks = Files.createDirectories(work.resolve("nightly-locks"));
    Map<String, String> env = Map.of("VISIONLAKE_LOCK_DIR", locks.toString(),
        "VISIONLAKE_NIGHTLY_LOG", work.resolve("nightly.log").toString());

    Run first = Run.script("nightly", env, "--input", input.toString(), "--lake", lake.toString(), "--day", "2024-05-01");
    first.assertExit(0);
    assertThat(first.output).as(first.describe())
        .contains("nightly 2024-05-01: OK: backfill: 1 day(s): processed 1, skipped 0, no input 0, failed 0");

    Run again = Run.script("nightly", env, "--input", input.toString(), "--lake", lake.toString(), "--day", "2024-05-01");
    again.assertExit(0);
    assertThat(again.output).as(again.describe()).contains("nightly 2024-05-01: OK: backfill: 1 day(s): processed 0, skipped 1");

    Run noInput = Run.script("nightly", env, "--input", input.toString(), "--lake", lake.toString(), "--day", "2024-05-02");
    noInput.assertExit(3);
    assertThat(noInput.output).as(noInput.describe()).contains("nightly 2024-05-02: NO INPUT: backfill: 1 day(s): processed 0, skipped 0, no input 1");

    // A date the script's shape check lets through and the job rejects: exit 2 with the job's reason.
    Run badDay = Run.script("nightly", env, "--input", input.toString(), "--lake", lake.toString(), "--day", "2024-13-01");
    badDay.assertExit(2);
    assertThat(badDay.output).as(badDay.describe()).contains("nightly 2024-13-01: bad arguments:", "Invalid value for option '--from'", "2024-13-01");

    // Another run holds the lake's lock: 75, and no job starts.
    Path lock = locks.resolve("visionlake-nightly-" + HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(lake.toString().getBytes(StandardCharsets.UTF_8))).substring(0, 16) + ".lock");
    Process holder = new ProcessBuilder("flock", lock.toString(), "-c", "echo locked; exec sleep 600").redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(r.readLine()).as("flock holds the lock").isEqualTo("locked");
      Run locked = Run.script("nightly", env, "--input", input.toString(), "--lake", lake.toString(), "--day", "2024-05-01");
      locked.assertExit(75);
      assertThat(locked.output).as(locked.describe()).contains("nightly 2024-05-01: skipped, another nightly run holds " + lock);
    } finally {
      holder.descendants().forEach(ProcessHandle::destroyForcibly);
      holder.destroyForcibly();
    }
  }

  @Test
  void aBadArgumentSaysWhatFailedAndExitsNonZero() {
    // The job rejects the value (exit 2) and scripts/submit names the command that failed.
    Run submit = Run.script("submit", Map.of(), "backfill", "--input", work.toString(), "--lake", work.resolve("x").toString(),
        "--from", "yesterday");
    submit.assertExit(2);
    assertThat(submit.output).as(submit.describe())
        .contains("Invalid value for option '--from': cannot convert 'yesterday'")
        .containsPattern("submit: failed at line \\d+: java .*\\[in run_java, lib.sh line \\d+\\] \\(exit 2\\)");

    // The script's own checks: what is wrong, and with which setting.
    Run frames = Run.script("demo-stream", Map.of("DEMO_SAMPLES", samples.toString(), "DEMO_STREAM_DIR",
        work.resolve("never").toString(), "DEMO_FRAMES", "lots"));
    frames.assertExit(2);
    assertThat(frames.output).as(frames.describe())
        .contains("demo-stream: DEMO_FRAMES must be a positive number of frames per camera, got 'lots'");

    Run missing = Run.script("demo", Map.of("DEMO_SAMPLES", work.resolve("no-samples").toString()));
    missing.assertExit(2);
    assertThat(missing.output).as(missing.describe()).contains("demo: sample folder photos/ missing", "run scripts/setup first");

    Run nightly = Run.script("nightly", Map.of(), "--input", work.toString(), "--lake");
    nightly.assertExit(2);
    assertThat(nightly.output).as(nightly.describe()).contains("nightly: --lake needs a path");
  }

  /** One script run to its end, stdout and stderr together. */
  static final class Run {
    final String command;
    final int exit;
    final String output;

    private Run(String command, int exit, String output) {
      this.command = command;
      this.exit = exit;
      this.output = output;
    }

    static Run script(String script, Map<String, String> env, String... args) {
      List<String> command = new ArrayList<>();
      command.add("scripts/" + script);
      command.addAll(List.of(args));
      Path log = work.resolve(script + "-" + System.nanoTime() + ".log");
      ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      // As a user's shell has it: no JVM options from the test's own fork.
      pb.environment().remove("JAVA_TOOL_OPTIONS");
      pb.environment().put("VISIONLAKE_DRIVER_MEMORY", "2g");
      pb.environment().putAll(env);
      try {
        Process p = pb.start();
        if (!p.waitFor(SCRIPT_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          fail(String.join(" ", command) + " did not finish within " + SCRIPT_TIMEOUT_MINUTES + " minutes; its output:\n"
              + Files.readString(log));
        }
        return new Run(String.join(" ", command) + " (env " + env + ")", p.exitValue(), Files.readString(log));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    void assertExit(int expected) {
      assertThat(exit).as("exit code of %s", describe()).isEqualTo(expected);
    }

    String describe() {
      return command + " exited " + exit + "; its output:\n" + output;
    }
  }
}
