package io.visionlake.jobs.ops.notebook;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.udfs.model.ModelCatalog;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/notebook run}: renders notebooks to HTML pages, one per notebook, in one Spark
 * session (a page per JVM would pay Spark's start-up per notebook).
 */
@Command(name = NotebookCommand.NAME, mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Runs the cells of a Markdown notebook against a lake and renders the results to one HTML page.")
final class NotebookCommand implements Callable<Integer> {
  static final String NAME = "notebook";

  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "<notebook.md>", description = "the notebooks to run, each to its own page")
  List<Path> notebooks;

  @Mixin
  SharedOptions.Lake lake;

  @Option(names = "--out", required = true, paramLabel = "<dir>", description = "folder for the rendered page")
  Path out;

  @Override
  public Integer call() {
    // Every notebook parses before Spark starts: a typo in the third fails at once, not after two pages.
    List<Notebook> all = new java.util.ArrayList<>();
    for (Path p : notebooks) {
      all.add(Notebook.read(p));
    }
    Path library = NotebookRunner.defaultChartLibrary(ModelCatalog.fromEnvironment().home());
    SparkSession spark = Sessions.getOrCreate("visionlake-notebook");
    try {
      NotebookRunner runner = new NotebookRunner(spark, new Lake(lake.root), library);
      for (Notebook nb : all) {
        Path page = runner.run(nb, out);
        System.out.println("notebook " + nb.name + ": " + nb.cells.size() + " cell(s) rendered to " + page.toAbsolutePath());
      }
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
