package io.visionlake.jobs.ops;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.udfs.model.ModelCatalog;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code scripts/submit maintain}: OPTIMIZE, VACUUM and a size report of every table of a lake. */
@Command(name = "maintain", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "OPTIMIZE every table of the lake (Z-ORDER by the columns analysts filter on), VACUUM it, and print each"
        + " table's size, file count and version.")
final class MaintainCommand implements Callable<Integer> {
  @Mixin
  SharedOptions.Lake lake;

  @Option(names = "--vacuum-hours", paramLabel = "<n>",
      description = "VACUUM retention in hours (default: the setting " + JobOptions.VACUUM_HOURS + ", "
          + JobOptions.VACUUM_HOURS_DEFAULT + " = 7 days)")
  Long vacuumHours;

  @Mixin
  SharedOptions.ConfFile confFile;

  @Option(names = "--no-vacuum", description = "OPTIMIZE and report only")
  boolean noVacuum;

  /** The retention to VACUUM with, null for none: --vacuum-hours, else the configured one. */
  Long vacuumHours(JobConf conf) {
    if (noVacuum) {
      return null;
    }
    return vacuumHours != null ? vacuumHours : conf.getLong(JobOptions.VACUUM_HOURS);
  }

  @Override
  public Integer call() {
    SparkSession spark = Sessions.getOrCreate("visionlake-maintain");
    JobConf conf = JobConf.resolve(ModelCatalog.fromEnvironment().home(), confFile.path, spark);
    conf.log();
    List<MaintainJob.TableReport> report = MaintainJob.run(spark, new Lake(lake.root), vacuumHours(conf), conf.getInt(JobOptions.COMMIT_ATTEMPTS),
        conf.getLong(JobOptions.SETTLED_MINUTES));
    System.out.println(MaintainJob.TableReport.format(report));
    spark.stop();
    return JobMain.DONE;
  }
}
