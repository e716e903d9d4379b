package io.visionlake.udfs.testing;

import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JavaScript reference implementation run by Node.js for a test: its pinned npm packages
 * ({@code package.json} + {@code package-lock.json} + a script, test resources under one folder)
 * installed with {@code npm ci} into a target folder on first use. Without Node.js/npm the test
 * fails and says what to install.
 */
public final class NodeReference {
  private NodeReference() {}

  /**
   * Copies {@code files} from the test resources folder {@code resourceDir} to {@code dir} and runs
   * {@code npm ci} there unless its node_modules already hold {@code pins} (package to version).
   *
   * @return the node_modules folder
   */
  public static Path install(String resourceDir, Path dir, List<String> files, Map<String, String> pins) throws Exception {
    Files.createDirectories(dir);
    for (String name : files) {
      try (InputStream in = NodeReference.class.getResourceAsStream("/" + resourceDir + "/" + name)) {
        if (in == null) {
          throw new IllegalStateException("Test resource /" + resourceDir + "/" + name + " is missing");
        }
        Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Path modules = dir.resolve("node_modules");
    if (!installed(modules, pins)) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), dir, 900);
      if (!installed(modules, pins)) {
        fail("npm ci in " + dir + " did not install " + pins + " (see " + modules.resolve(".package-lock.json") + ")");
      }
    }
    return modules;
  }

  private static boolean installed(Path modules, Map<String, String> pins) throws IOException {
    for (Map.Entry<String, String> pin : pins.entrySet()) {
      Path json = modules.resolve(pin.getKey()).resolve("package.json");
      if (!Files.isRegularFile(json)) {
        return false;
      }
      JsonElement v = JsonParser.parseString(Files.readString(json)).getAsJsonObject().get("version");
      if (v == null || !v.getAsString().equals(pin.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Runs {@code command} in {@code dir}; a failure, non-zero exit or timeout fails the test with the output. */
  public static void run(List<String> command, Path dir, int timeoutSeconds) throws Exception {
    Path log = Files.createTempFile("node-reference", ".log");
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      fail("Cannot start '" + command.get(0) + "': this reference test runs the JavaScript original with Node.js "
          + "and npm (apt-get install nodejs npm), which must be on the PATH. " + e.getMessage());
      return;
    }
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " in " + dir + " ran past " + timeoutSeconds + " s");
    }
    if (p.exitValue() != 0) {
      fail(String.join(" ", command) + " in " + dir + " exited " + p.exitValue() + ":\n" + Files.readString(log));
    }
    Files.delete(log);
  }
}
