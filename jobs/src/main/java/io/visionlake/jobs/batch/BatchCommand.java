package io.visionlake.jobs.batch;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code scripts/submit batch}: builds {@link BatchInferenceJob.Settings} from the command line and runs the job. */
@Command(name = "batch", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Batch inference: every file under the inputs becomes a row of images (or of image_errors, with the"
        + " stage and reason); label_stats is recomputed for the days touched and the run is recorded in job_runs.")
final class BatchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "<path|glob|uri>", description = "images to process, read recursively (repeatable)")
  List<String> inputs;

  @Mixin
  SharedOptions.Lake lake;

  @Option(names = "--source", paramLabel = "<name>", defaultValue = "default", description = "value of the source column (default: ${DEFAULT-VALUE})")
  String source;

  @Mixin
  SharedOptions.Model model;

  @Mixin
  SharedOptions.Analyzers analyzers = new SharedOptions.Analyzers("classify,embed");

  @Mixin
  SharedOptions.ConfFile confFile;

  @Mixin
  SharedOptions.Head head;

  @Mixin
  SharedOptions.Quiet quiet;

  BatchInferenceJob.Settings settings() {
    BatchInferenceJob.Settings settings = new BatchInferenceJob.Settings(inputs, lake.root, source, model.ref, confFile.path,
        JobMain.arguments(spec)).withHead(head.ref).analyzers(analyzers.list);
    settings.quiet = quiet.quiet;
    return settings;
  }

  @Override
  public Integer call() {
    BatchInferenceJob.Settings settings = settings();
    SparkSession spark = Sessions.getOrCreate("visionlake-batch");
    BatchInferenceJob.Result result = BatchInferenceJob.run(spark, settings);
    System.out.println(result.summary());
    spark.stop();
    return JobMain.DONE;
  }
}
