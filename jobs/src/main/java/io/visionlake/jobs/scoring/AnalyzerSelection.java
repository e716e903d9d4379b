package io.visionlake.jobs.scoring;

import io.visionlake.udfs.analyze.AnalyzerSpec;
import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.analyze.ImageAnalyzer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.StructField;

/**
 * What {@code --analyzers} asks for, resolved on the driver: {@code classify} and {@code embed}
 * are the model's two outputs, every other name is an analyser from the {@link Analyzers}
 * registry (people, faces, ocr, colors or configured ones). Each analyser is instantiated once here
 * so that a bad option fails before any data is read (cheap: no weights load), and to learn its
 * columns and version.
 */
public final class AnalyzerSelection {
  public static final String CLASSIFY = "classify";
  public static final String EMBED = "embed";

  public final List<String> names;
  public final boolean labels;
  public final boolean embedding;
  public final List<AnalyzerSpec> specs;
  public final List<StructField> fields;
  /** {@code name=version} of each analyser, in request order. */
  public final List<String> versions;

  private AnalyzerSelection(List<String> names, boolean labels, boolean embedding, List<AnalyzerSpec> specs,
      List<StructField> fields, List<String> versions) {
    this.names = List.copyOf(names);
    this.labels = labels;
    this.embedding = embedding;
    this.specs = List.copyOf(specs);
    this.fields = List.copyOf(fields);
    this.versions = List.copyOf(versions);
  }

  /** A comma-separated list as given on the command line: trimmed, de-duplicated, not empty. */
  public static List<String> parse(String list, String option) {
    List<String> names = Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .distinct().collect(Collectors.toList());
    if (names.isEmpty()) {
      throw new IllegalArgumentException(option + " must name at least one analyser");
    }
    return names;
  }

  public static AnalyzerSelection resolve(List<String> names, Map<String, String> conf) {
    boolean labels = names.contains(CLASSIFY);
    boolean embedding = names.contains(EMBED);
    List<String> detectors = names.stream().filter(a -> !a.equals(CLASSIFY) && !a.equals(EMBED)).collect(Collectors.toList());
    List<AnalyzerSpec> specs = Analyzers.resolve(detectors, conf);
    List<StructField> fields = new ArrayList<>();
    List<String> versions = new ArrayList<>();
    for (AnalyzerSpec s : specs) {
      try (ImageAnalyzer a = s.create()) {
        fields.addAll(a.fields());
        versions.add(a.name() + "=" + a.version());
      }
    }
    return new AnalyzerSelection(names, labels, embedding, specs, fields, versions);
  }

  /** Whether the model runs at all. */
  boolean needsModel() {
    return labels || embedding;
  }
}
