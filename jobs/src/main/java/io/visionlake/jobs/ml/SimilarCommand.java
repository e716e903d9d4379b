package io.visionlake.jobs.ml;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import io.visionlake.jobs.conf.MlOptions;
import io.visionlake.jobs.ops.SqlQueryJob;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code scripts/submit similar}: near-duplicates of the lake's images, or the images nearest to one file. */
@Command(name = "similar", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Finds near-duplicate images of the lake (new pairs are merged into near_duplicates), or with --query"
        + " prints the images most similar to one file.")
final class SimilarCommand implements Callable<Integer> {
  @Mixin
  SharedOptions.Lake lake;

  @Option(names = "--threshold", paramLabel = "<distance>",
      description = "near-duplicate distance of normalised embeddings, 0..2 (default: the setting " + MlOptions.SIMILARITY_THRESHOLD
          + ", " + MlOptions.SIMILARITY_THRESHOLD_DEFAULT + ")")
  Double threshold;

  @Option(names = "--source", paramLabel = "<name>", description = "only images of this source (default: all)")
  String source;

  @Option(names = "--query", paramLabel = "<image file>", description = "print the images most similar to this file instead of finding near-duplicates")
  String query;

  @Option(names = "--k", paramLabel = "<n>", defaultValue = "10", description = "with --query: how many images to print (default: ${DEFAULT-VALUE})")
  int k;

  @Mixin
  SharedOptions.Format format;

  // Not SharedOptions.Model: this job's default is the similarity model, not the batch job's.
  @Option(names = "--model", paramLabel = "<name|file>",
      description = "embedding model spec: a name in conf/models or a spec file (default: the setting " + MlOptions.SIMILARITY_MODEL
          + ", " + MlOptions.SIMILARITY_MODEL_DEFAULT + ")")
  String model;

  @Mixin
  SharedOptions.ConfFile confFile;

  SimilarityJob.Settings settings() {
    return new SimilarityJob.Settings(lake.root, source, model, threshold, confFile.path);
  }

  @Override
  public Integer call() {
    SimilarityJob.Settings settings = settings();
    String fmt = format.value();
    SparkSession spark = Sessions.getOrCreate("visionlake-similar");
    if (query != null) {
      long start = System.nanoTime();
      Dataset<Row> nearest = SimilarityJob.query(spark, settings, query, k);
      SqlQueryJob.print(nearest, fmt, k);
      System.err.printf(Locale.ROOT, "Query answered in %.1fs%n", (System.nanoTime() - start) / 1e9);
    } else {
      System.out.println(SimilarityJob.findNearDuplicates(spark, settings).summary());
    }
    spark.stop();
    return JobMain.DONE;
  }
}
