package io.visionlake.jobs.ml;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code scripts/submit train-head}: builds {@link TrainHeadJob.Settings} from the command line and trains the head. */
@Command(name = "train-head", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Trains a label head on the embeddings of labelled images, evaluates it on a held-out part, saves it"
        + " and appends the evaluation to model_evals; batch and stream apply it with --head.")
final class TrainHeadCommand implements Callable<Integer> {
  @Option(names = "--name", required = true, paramLabel = "<head>", description = "head name: saved under spark.visionlake.heads.dir/<name>")
  String name;

  @Option(names = "--labels", required = true, paramLabel = "<csv|delta path>",
      description = "labelled images: a CSV with header path,label or a Delta table with those columns")
  String labels;

  @Mixin
  SharedOptions.Lake lake;

  @Mixin
  SharedOptions.Model model;

  @Mixin
  SharedOptions.ConfFile confFile;

  TrainHeadJob.Settings settings() {
    return new TrainHeadJob.Settings(name, labels, lake.root, model.ref, confFile.path);
  }

  @Override
  public Integer call() {
    TrainHeadJob.Settings settings = settings();
    SparkSession spark = Sessions.getOrCreate("visionlake-train-head");
    System.out.println(TrainHeadJob.run(spark, settings).summary());
    spark.stop();
    return JobMain.DONE;
  }
}
