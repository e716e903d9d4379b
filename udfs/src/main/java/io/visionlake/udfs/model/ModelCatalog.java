package io.visionlake.udfs.model;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds model specs by name ({@code conf/models/<name>.properties} under the VisionLake home) or by
 * path to a spec file, and makes relative URIs in them absolute against the home, so the spec that
 * travels to executors does not depend on their working directory. Driver-side only.
 */
public final class ModelCatalog {
  private final Path home;

  public ModelCatalog(Path home) {
    this.home = home.toAbsolutePath().normalize();
  }

  /** The VisionLake home: {@code -Dvisionlake.home}, else {@code $VISIONLAKE_HOME}, else the cwd. */
  public static ModelCatalog fromEnvironment() {
    String dir = System.getProperty("visionlake.home");
    if (dir == null) {
      dir = System.getenv("VISIONLAKE_HOME");
    }
    return new ModelCatalog(Paths.get(dir != null ? dir : "."));
  }

  public Path home() {
    return home;
  }

  public Path modelsDir() {
    return home.resolve("conf").resolve("models");
  }

  /** {@code ref} is a model name or a path to a {@code .properties} spec file. */
  public ModelSpec resolve(String ref) {
    Path file = ref.endsWith(".properties") || ref.contains("/") ? home.resolve(ref) : modelsDir().resolve(ref + ".properties");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "Model '" + ref + "' not found: no spec file " + file + ". Known models: " + knownModels()
              + ". Add a spec under conf/models/ (see conf/models/README.md) or pass a path to one.");
    }
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read model spec " + file, e);
    }
    Map<String, String> options = new HashMap<>();
    props.stringPropertyNames().forEach(k -> options.put(k, props.getProperty(k)));
    try {
      ModelSpec spec = ModelSpec.fromOptions(options);
      return spec.toBuilder()
          .setModelUri(absolute(spec.modelUri()))
          .optLabelsUri(spec.labelsUri() == null ? null : absolute(spec.labelsUri()))
          .build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " (in " + file + ")", e);
    }
  }

  private String absolute(String uri) {
    if (URI.create(uri.replace(" ", "%20")).getScheme() != null) {
      return uri;
    }
    return home.resolve(uri).normalize().toString();
  }

  private String knownModels() {
    if (!Files.isDirectory(modelsDir())) {
      return "none (" + modelsDir() + " does not exist)";
    }
    try (Stream<Path> files = Files.list(modelsDir())) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".properties"))
          .map(n -> n.substring(0, n.length() - ".properties".length()))
          .sorted()
          .collect(Collectors.joining(", ", "[", "]"));
    } catch (IOException e) {
      return "unknown";
    }
  }
}
