package io.visionlake.jobs.conf;

import io.visionlake.udfs.model.Credentials;
import io.visionlake.udfs.model.ModelCatalog;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resolved {@code spark.visionlake.*} settings of one job run. Precedence, lowest first:
 *
 * <ol>
 *   <li>code defaults ({@link JobOptions}, {@link MlOptions}, {@link FaceOptions});
 *   <li>{@code conf/visionlake.conf} under the VisionLake home;
 *   <li>the file given with {@code --conf-file};
 *   <li>the Spark session's conf, i.e. {@code --conf spark.visionlake.k=v} given to spark-submit
 *       (or to {@code scripts/submit}), which wins.
 * </ol>
 *
 * Not meant to be serialised to executors: read typed values on the driver and ship those.
 */
public final class JobConf {
  private static final Logger LOG = LoggerFactory.getLogger(JobConf.class);
  private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(secret|password|token|credential|access\\.key|session\\.key).*");

  private final Map<String, String> values;

  JobConf(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  /** Resolves the settings for {@code spark}; {@code confFile} may be null. */
  public static JobConf resolve(Path home, Path confFile, SparkSession spark) {
    Map<String, String> sessionConf = new TreeMap<>();
    if (spark != null) {
      scala.collection.immutable.Map<String, String> all = spark.conf().getAll();
      all.foreach(kv -> {
        if (kv._1().startsWith(JobOptions.PREFIX)) {
          sessionConf.put(kv._1(), kv._2());
        }
        return null;
      });
    }
    return resolve(readIfExists(home.resolve("conf").resolve("visionlake.conf")),
        confFile == null ? Map.of() : read(confFile), sessionConf);
  }

  /** The merge itself, one layer over the other, lowest precedence first. */
  public static JobConf resolve(Map<String, String> projectFile, Map<String, String> confFile, Map<String, String> session) {
    Map<String, String> merged = new TreeMap<>(JobOptions.DEFAULTS);
    merged.putAll(MlOptions.DEFAULTS);
    merged.putAll(FaceOptions.DEFAULTS);
    for (Map<String, String> layer : List.of(projectFile, confFile, session)) {
      layer.forEach((k, v) -> {
        if (k.startsWith(JobOptions.PREFIX)) {
          merged.put(k, v.trim());
        }
      });
    }
    return new JobConf(merged);
  }

  public String get(String key) {
    return values.get(key);
  }

  public String getOrNull(String key) {
    String v = values.get(key);
    return v == null || v.isEmpty() ? null : v;
  }

  public int getInt(String key) {
    return parse(key, Integer::valueOf, "an integer");
  }

  public long getLong(String key) {
    return parse(key, Long::valueOf, "an integer");
  }

  public double getDouble(String key) {
    return parse(key, Double::valueOf, "a number");
  }

  /** true or false (any case); anything else is a mistake worth naming, not false. */
  public boolean getBoolean(String key) {
    return parse(key, v -> {
      if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
        throw new NumberFormatException(v);
      }
      return Boolean.parseBoolean(v);
    }, "true or false");
  }

  /** The value of {@code key} read by {@code parser}; a missing or malformed one names the setting and what it must be. */
  private <T> T parse(String key, Function<String, T> parser, String what) {
    String v = values.get(key);
    try {
      return parser.apply(v);
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("Setting " + key + " must be " + what + ", got '" + v + "'");
    }
  }

  public Map<String, String> asMap() {
    return values;
  }

  /** Logs the settings once, secrets masked. */
  /**
   * The settings a job runs with, as every entry point starts: resolved for the VisionLake home of
   * {@code catalog} (precedence as {@link #resolve(Path, Path, SparkSession)}), then logged with
   * secrets masked.
   */
  public static JobConf forJob(ModelCatalog catalog, Path confFile, SparkSession spark) {
    JobConf conf = resolve(catalog.home(), confFile, spark);
    conf.log();
    return conf;
  }

  public void log() {
    LOG.info(describe());
  }

  /** The settings as logged: one {@code key = value} line each, secrets masked. */
  String describe() {
    StringBuilder sb = new StringBuilder("Resolved configuration:");
    values.forEach((k, v) -> sb.append("\n  ").append(k).append(" = ").append(maskIfSecret(k, v)));
    return sb.toString();
  }

  /** {@code value}, masked whole when the key looks secret, else with the credentials of its URIs masked ({@link Credentials#mask}). */
  public static String maskIfSecret(String key, String value) {
    return SECRET_KEY.matcher(key).matches() ? "*****" : Credentials.mask(value);
  }

  /**
   * An argument as it may be shown or stored: the value part of a {@code key=value} argument masked
   * when the key looks secret, and credentials inside URIs masked ({@link Credentials#mask}).
   */
  public static String maskIfSecret(String arg) {
    int eq = arg.indexOf('=');
    // Only a setting-like key (no '/', ':' or '?'): a URL's query "...?X-Amz-Credential=" is not one.
    boolean setting = eq > 0 && arg.substring(0, eq).matches("[\\w.-]+");
    return setting && SECRET_KEY.matcher(arg.substring(0, eq)).matches() ? arg.substring(0, eq + 1) + "*****" : Credentials.mask(arg);
  }

  private static Map<String, String> readIfExists(Path file) {
    return Files.isRegularFile(file) ? read(file) : Map.of();
  }

  static Map<String, String> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("Configuration file " + file + " does not exist");
    }
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read configuration file " + file, e);
    }
    Map<String, String> out = new TreeMap<>();
    for (String k : props.stringPropertyNames()) {
      if (!k.startsWith("spark.")) {
        throw new IllegalArgumentException("Configuration file " + file + ": key '" + k
            + "' must start with spark. (VisionLake settings are spark.visionlake.*)");
      }
      out.put(k, props.getProperty(k));
    }
    return out;
  }
}
