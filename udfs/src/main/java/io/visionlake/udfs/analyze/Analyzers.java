package io.visionlake.udfs.analyze;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The analyser registry. Built-ins are {@code objects} ({@link ObjectsAnalyzer}, COCO objects),
 * {@code people} ({@link PeopleAnalyzer}, its person class), {@code people-hog} ({@link
 * HogPeopleAnalyzer}, the HOG fallback), {@code faces} ({@link FacesAnalyzer}, face-api.js's
 * networks), {@code faces-haar} ({@link HaarFacesAnalyzer}, the Haar fallback), {@code ocr}
 * ({@link OcrAnalyzer}) and {@code colors} ({@link ColorsAnalyzer}); any other name is registered by configuration alone:
 *
 * <pre>
 * spark.visionlake.analyzer.&lt;name&gt;.class = com.example.MyAnalyzer
 * spark.visionlake.analyzer.&lt;name&gt;.&lt;option&gt; = value   # handed to the analyser
 * </pre>
 *
 * A configured class overrides the built-in of the same name. Resolution happens on the driver,
 * which also hands every analyser the option {@code home} (the VisionLake home it resolved, unless
 * configured), so analysers that find model specs under {@code conf/models} find the same ones on
 * executors whatever their working directory.
 */
public final class Analyzers {
  /** Prefix of analyser settings. */
  public static final String PREFIX = "spark.visionlake.analyzer.";

  private static final Map<String, String> BUILT_INS = Map.of(
      ObjectsAnalyzer.NAME, ObjectsAnalyzer.class.getName(),
      PeopleAnalyzer.NAME, PeopleAnalyzer.class.getName(),
      HogPeopleAnalyzer.NAME, HogPeopleAnalyzer.class.getName(),
      FacesAnalyzer.NAME, FacesAnalyzer.class.getName(),
      HaarFacesAnalyzer.NAME, HaarFacesAnalyzer.class.getName(),
      OcrAnalyzer.NAME, OcrAnalyzer.class.getName(),
      ColorsAnalyzer.NAME, ColorsAnalyzer.class.getName());

  /** The option holding the VisionLake home, see the class comment. */
  public static final String HOME_OPTION = "home";

  private Analyzers() {}

  /** Specs for {@code names} from the {@code spark.visionlake.analyzer.*} keys of {@code conf}. */
  public static List<AnalyzerSpec> resolve(List<String> names, Map<String, String> conf) {
    List<AnalyzerSpec> out = new ArrayList<>();
    for (String name : names) {
      out.add(resolve(name, conf));
    }
    return out;
  }

  public static AnalyzerSpec resolve(String name, Map<String, String> conf) {
    String prefix = PREFIX + name + ".";
    Map<String, String> options = new TreeMap<>();
    conf.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        options.put(k.substring(prefix.length()), v.trim());
      }
    });
    String cls = options.remove("class");
    if (cls == null) {
      cls = BUILT_INS.get(name);
    }
    if (cls == null) {
      throw new IllegalArgumentException("Unknown analyser '" + name + "': built-ins are " + new TreeMap<>(BUILT_INS).keySet()
          + "; register others with " + prefix + "class=<class implementing " + ImageAnalyzer.class.getName() + ">");
    }
    options.putIfAbsent(HOME_OPTION, io.visionlake.udfs.model.ModelCatalog.fromEnvironment().home().toString());
    return new AnalyzerSpec(name, cls, options);
  }

  /** Every analyser name the configuration knows (built-ins and configured classes). */
  public static List<String> known(Map<String, String> conf) {
    Map<String, Boolean> names = new LinkedHashMap<>();
    new TreeMap<>(BUILT_INS).keySet().forEach(n -> names.put(n, true));
    conf.keySet().stream().filter(k -> k.startsWith(PREFIX) && k.endsWith(".class"))
        .map(k -> k.substring(PREFIX.length(), k.length() - ".class".length())).forEach(n -> names.put(n, true));
    return new ArrayList<>(names.keySet());
  }
}
