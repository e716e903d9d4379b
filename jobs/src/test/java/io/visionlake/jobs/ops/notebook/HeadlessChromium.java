package io.visionlake.jobs.ops.notebook;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's chromium, headless, as the notebook tests drive it: a fresh profile per call, no
 * network features, the page's console forwarded to stderr ({@code INFO:CONSOLE} lines).
 */
public final class HeadlessChromium {
  static final Path BINARY = Path.of("/usr/bin/chromium");

  private HeadlessChromium() {}

  /** What one headless load of a page produced. */
  static final class Load {
    final String stdout;
    final List<String> console;
    final String stderr;

    Load(String stdout, String stderr) {
      this.stdout = stdout;
      this.stderr = stderr;
      this.console = stderr.lines().filter(l -> l.contains(":CONSOLE")).collect(Collectors.toList());
    }
  }

  static Load dumpDom(Path page, Path scratch) throws IOException, InterruptedException {
    return run(page, scratch, List.of("--dump-dom"));
  }

  static Load screenshot(Path page, Path png, Path scratch, int width, int height) throws IOException, InterruptedException {
    return run(page, scratch, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
        "--hide-scrollbars"));
  }

  private static Load run(Path page, Path scratch, List<String> action) throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      fail(BINARY + " is missing: run scripts/setup (it installs Debian's chromium)");
    }
    Path profile = Files.createTempDirectory(scratch, "chromium-profile");
    List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000"));
    command.addAll(action);
    command.add(page.toAbsolutePath().toUri().toString());
    Path out = scratch.resolve("chromium-" + System.nanoTime() + ".out");
    Path err = scratch.resolve("chromium-" + System.nanoTime() + ".err");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        fail("chromium did not finish within 180 s; stderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
      }
    } finally {
      p.destroyForcibly();
    }
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      fail("chromium exited with " + p.exitValue() + "; stderr:\n" + stderr);
    }
    return new Load(Files.readString(out, StandardCharsets.UTF_8), stderr);
  }
}
