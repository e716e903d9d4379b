package io.visionlake.jobs.backfill;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/submit backfill}: builds {@link BackfillJob.Settings} from the command line and
 * runs the backfill; exit code 4 when some days failed and the others are done (they stay done), 1
 * when days failed and none is done, 3 when no day had input ({@link BackfillJob.Result#exitCode}).
 */
@Command(name = "backfill", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Re-processes a range of days of an input tree laid out by day, one day per unit of work: a re-run"
        + " skips the days done with the same inputs and model, and redoes exactly the ones that did not finish.")
final class BackfillCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "<root>", description = "input root holding one folder per day")
  String input;

  @Option(names = "--from", required = true, paramLabel = "<YYYY-MM-DD>", description = "first day")
  LocalDate from;

  @Option(names = "--to", paramLabel = "<YYYY-MM-DD>", description = "last day, inclusive (default: --from)")
  LocalDate to;

  @Mixin
  SharedOptions.Lake lake;

  @Option(names = "--layout", paramLabel = "<date=YYYY-MM-DD|YYYY/MM/DD>", defaultValue = "date=YYYY-MM-DD",
      description = "day folders under the root (default: ${DEFAULT-VALUE})")
  String layout;

  @Option(names = "--source", paramLabel = "<name>", defaultValue = "backfill", description = "value of the source column (default: ${DEFAULT-VALUE})")
  String source;

  @Mixin
  SharedOptions.Model model;

  @Mixin
  SharedOptions.Analyzers analyzers = new SharedOptions.Analyzers("classify,embed");

  @Option(names = "--parallel-days", paramLabel = "<n>", defaultValue = "1", description = "days processed at once (default: ${DEFAULT-VALUE})")
  int parallelDays;

  @Mixin
  SharedOptions.ConfFile confFile;

  @Option(names = "--force", description = "re-process days already done with the same inputs and model")
  boolean force;

  @Mixin
  SharedOptions.Quiet quiet;

  BackfillJob.Settings settings() {
    return new BackfillJob.Settings(input, lake.root, from, to != null ? to : from)
        .layout(DayLayout.parse(layout))
        .source(source)
        .model(model.ref)
        .analyzers(analyzers.list)
        .parallelDays(parallelDays)
        .confFile(confFile.path)
        .force(force)
        .quiet(quiet.quiet)
        .arguments(JobMain.arguments(spec));
  }

  @Override
  public Integer call() {
    BackfillJob.Settings settings = settings();
    SparkSession spark = Sessions.getOrCreate("visionlake-backfill");
    BackfillJob.Result result = BackfillJob.run(spark, settings);
    System.out.println(result.summary());
    spark.stop();
    return result.exitCode();
  }
}
