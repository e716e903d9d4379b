package io.visionlake.jobs.cli;

import io.visionlake.jobs.conf.JobOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The options several jobs take, declared once as picocli mixins ({@code @Mixin SharedOptions.Lake
 * lake;}) so that their names, value labels and help read the same in every command.
 */
public final class SharedOptions {
  private SharedOptions() {}

  /** {@code --lake}, required by every job. */
  public static final class Lake {
    @Option(names = "--lake", required = true, paramLabel = "<path|uri>",
        description = "lake root holding the Delta tables: a local path or a Hadoop URI (s3a://...)")
    public String root;
  }

  /** {@code --conf-file}: a properties file layered into {@link io.visionlake.jobs.conf.JobConf}. */
  public static final class ConfFile {
    @Option(names = "--conf-file", paramLabel = "<file>", description = "properties file of spark.visionlake.* settings")
    public Path path;
  }

  /** {@code --quiet}: no progress bar. */
  public static final class Quiet {
    @Option(names = "--quiet", description = "no progress bar; only the summary")
    public boolean quiet;
  }

  /** {@code --model}: null unless given (the job then uses {@value JobOptions#MODEL}). */
  public static final class Model {
    @Option(names = "--model", paramLabel = "<name|file>",
        description = "model spec: a name in conf/models or a spec file (default: the setting " + JobOptions.MODEL
            + ", " + JobOptions.MODEL_DEFAULT + ")")
    public String ref;
  }

  /** {@code --head}: null unless given. */
  public static final class Head {
    @Option(names = "--head", paramLabel = "<name|uri>",
        description = "label head (scripts/submit train-head): a name under spark.visionlake.heads.dir or a path/URI;"
            + " adds head_label, head_score and implies embed")
    public String ref;
  }

  /**
   * {@code --analyzers}: the jobs differ only in the default, so each command creates this mixin
   * with its own ({@code @Mixin SharedOptions.Analyzers analyzers = new SharedOptions.Analyzers("objects,faces")});
   * picocli keeps an instance the field already holds, and shows the value it starts with as the default.
   */
  public static final class Analyzers {
    @Option(names = "--analyzers", paramLabel = "<list>",
        description = "comma-separated: classify, embed (the model's outputs), ocr, colors, faces, people,"
            + " or configured ones (default: ${DEFAULT-VALUE})")
    public String list;

    public Analyzers(String defaultList) {
      this.list = defaultList;
    }
  }

  /** {@code --format} of the jobs that print rows (sql, similar --query). */
  public static final class Format {
    @Option(names = "--format", paramLabel = "<table|csv|json>", defaultValue = "table",
        description = "output format: table, csv or json (default: ${DEFAULT-VALUE})")
    String format;

    /** The format, lower case; an {@link IllegalArgumentException} (exit code 2) for any other. */
    public String value() {
      String f = format.toLowerCase(Locale.ROOT);
      if (!List.of("table", "csv", "json").contains(f)) {
        throw new IllegalArgumentException("--format must be table, csv or json, got '" + format + "'");
      }
      return f;
    }
  }
}
