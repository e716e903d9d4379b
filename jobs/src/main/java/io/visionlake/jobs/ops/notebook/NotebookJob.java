package io.visionlake.jobs.ops.notebook;

import io.visionlake.jobs.cli.CliArgs;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.lake.Lake;

import io.visionlake.udfs.model.ModelCatalog;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;

/** {@code scripts/notebook run <notebook.md> --lake <path> --out <dir>}: renders a notebook to one HTML page. */
public final class NotebookJob {
  private NotebookJob() {}

  public static void main(String[] args) {
    int code = 0;
    try {
      CliArgs cli = CliArgs.forCommand("scripts/notebook run")
          .option("--lake", "path|uri", "lake root the cells query (required)")
          .option("--out", "dir", "folder for the rendered page (required)")
          .positional("notebook.md")
          .parse(args);
      if (cli.positionals().size() != 1) {
        throw new CliArgs.UsageException("Give exactly one notebook file.\n" + cli.usage());
      }
      Notebook notebook = Notebook.read(Paths.get(cli.positionals().get(0)));
      Path library = NotebookRunner.defaultChartLibrary(ModelCatalog.fromEnvironment().home());
      SparkSession spark = Sessions.getOrCreate("visionlake-notebook");
      try {
        Path page = new NotebookRunner(spark, new Lake(cli.require("--lake")), library).run(notebook, Paths.get(cli.require("--out")));
        System.out.println("notebook " + notebook.name + ": " + notebook.cells.size() + " cell(s) rendered to " + page.toAbsolutePath());
      } finally {
        spark.stop();
      }
    } catch (IllegalArgumentException e) {
      System.err.println("visionlake notebook: " + e.getMessage());
      code = 2;
    } catch (NotebookRunner.NotebookCellException e) {
      System.err.println(e.getMessage());
      code = 1;
    } catch (RuntimeException e) {
      System.err.println("visionlake notebook failed: " + e);
      code = 1;
    }
    System.exit(code);
  }
}
