package io.visionlake.jobs.render;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import io.visionlake.udfs.render.SheetLayout;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

/** {@code scripts/submit render}: image renders from the lake; {@code sheet} is the contact sheet. */
@Command(name = RenderJob.JOB, mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Renders images from the lake's stored results (no inference); see the subcommands.",
    subcommands = RenderCommand.Sheet.class)
final class RenderCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    // A usage error (exit code 2), like any missing argument.
    throw new IllegalArgumentException("name what to render: scripts/submit render sheet --help");
  }

  @Command(name = "sheet", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
      description = "Composes the images a SQL query selects into one JPEG contact sheet with captions, written to --out"
          + " (default <lake>/renders/_sheets/<id>.jpg) and recorded in the renders table. The query returns a path column;"
          + " its other columns are caption lines, and its box columns (arrays of structs with x, y, w, h) are drawn with"
          + " --annotate. Inputs that cannot be read or decoded become placeholder tiles naming the reason.")
  static final class Sheet implements Callable<Integer> {
    @Mixin
    SharedOptions.Lake lake;

    @Option(names = "--query", required = true, paramLabel = "<sql>",
        description = "Spark SQL over the lake's tables (views by name), returning path and optional caption and box columns;"
            + " at most " + SheetLayout.MAX_TILES + " rows")
    String query;

    @Option(names = "--annotate", description = "draw the result's box columns (people_boxes, face_boxes, ...) with label and score")
    boolean annotate;

    @Option(names = "--columns", paramLabel = "<n>", defaultValue = "" + RenderJob.DEFAULT_COLUMNS,
        description = "tiles per row, 1.." + SheetLayout.MAX_COLUMNS + " (default: ${DEFAULT-VALUE})")
    int columns;

    @Option(names = "--thumb", paramLabel = "<px>", defaultValue = "" + RenderJob.DEFAULT_THUMB,
        description = "thumbnail size in pixels, " + SheetLayout.MIN_THUMB + ".." + SheetLayout.MAX_THUMB + " (default: ${DEFAULT-VALUE})")
    int thumb;

    @Option(names = "--out", paramLabel = "<file.jpg|dir>",
        description = "where to write the sheet (with --per: the folder for the sheets): a local path or a Hadoop URI")
    String out;

    @Option(names = "--per", paramLabel = "<column>",
        description = "one sheet per value of this result column (e.g. camera_id, an hour, a label), each drawn in its own"
            + " Spark task; at most " + RenderJob.MAX_SHEETS + " sheets")
    String per;

    @Option(names = "--cameras", paramLabel = "<file>",
        description = "the stream's lines-and-zones file (--cameras of scripts/submit stream): with --annotate, each frame's"
            + " camera lines and zones are drawn too; the query must return camera_id")
    String cameras;

    @Spec
    CommandSpec spec;

    RenderJob.Settings settings() {
      return new RenderJob.Settings(lake.root, query, annotate, columns, thumb, out, per, cameras);
    }

    @Override
    public Integer call() {
      RenderJob.Settings settings = settings();
      SparkSession spark = Sessions.getOrCreate("visionlake-render");
      for (RenderJob.Result r : RenderJob.sheets(spark, settings)) {
        spec.commandLine().getOut().println(r.summary());
      }
      spark.stop();
      return JobMain.DONE;
    }
  }
}
