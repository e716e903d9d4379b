package io.visionlake.jobs.ops.notebook;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.udfs.model.ModelCatalog;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code scripts/notebook run}: renders one notebook to an HTML page. */
@Command(name = NotebookCommand.NAME, mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Runs the cells of a Markdown notebook against a lake and renders the results to one HTML page.")
final class NotebookCommand implements Callable<Integer> {
  static final String NAME = "notebook";

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<notebook.md>", description = "the notebook to run")
  Path notebook;

  @Mixin
  SharedOptions.Lake lake;

  @Option(names = "--out", required = true, paramLabel = "<dir>", description = "folder for the rendered page")
  Path out;

  @Override
  public Integer call() {
    Notebook nb = Notebook.read(notebook);
    Path library = NotebookRunner.defaultChartLibrary(ModelCatalog.fromEnvironment().home());
    SparkSession spark = Sessions.getOrCreate("visionlake-notebook");
    try {
      Path page = new NotebookRunner(spark, new Lake(lake.root), library).run(nb, out);
      System.out.println("notebook " + nb.name + ": " + nb.cells.size() + " cell(s) rendered to " + page.toAbsolutePath());
      return JobMain.DONE;
    } catch (NotebookRunner.NotebookCellException e) {
      // The message names the cell and its error; a stack trace would only bury it.
      spec.commandLine().getErr().println(e.getMessage());
      return JobMain.FAILED;
    } finally {
      spark.stop();
    }
  }
}
