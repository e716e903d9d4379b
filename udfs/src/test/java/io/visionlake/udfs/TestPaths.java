package io.visionlake.udfs;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locations of what scripts/setup installs; a missing one fails the test with what to run. */
public final class TestPaths {
  private TestPaths() {}

  public static Path home() {
    String dir = System.getProperty("visionlake.home");
    return Paths.get(dir != null ? dir : "..").toAbsolutePath().normalize();
  }

  /** A file or directory setup creates, relative to the home or absolute. */
  public static Path required(String path) {
    Path p = home().resolve(path);
    if (!Files.exists(p)) {
      fail(p + " is missing: run scripts/setup first (it installs models, Debian data packages and samples)");
    }
    return p;
  }
}
