package io.visionlake.jobs.faces;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import io.visionlake.jobs.conf.FaceOptions;
import io.visionlake.jobs.ops.SqlQueryJob;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code scripts/submit faces}: the face gallery (enrol, remove), search, and forgetting a person. */
@Command(name = "faces", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    subcommands = {FacesCommand.Enrol.class, FacesCommand.Remove.class, FacesCommand.Search.class, FacesCommand.Forget.class},
    description = "Face gallery and search: enrol people's photos, remove or forget a person, find where a face appears.")
final class FacesCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return JobMain.USAGE;
  }

  @Command(name = "enrol", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
      description = "Enrols every <person>/<image> of the gallery folder with exactly one face into face_gallery; other images are"
          + " rejected with the reason (printed, and in image_errors with source " + FacesJob.GALLERY_SOURCE + "). Re-enrolling a folder"
          + " makes face_gallery match it. Exit code 1 when an image was rejected.")
  static final class Enrol implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--gallery", required = true, paramLabel = "<folder>", description = "folder of <person>/<image files>")
    String gallery;

    @Mixin
    SharedOptions.Lake lake;

    @Mixin
    SharedOptions.Format format;

    @Mixin
    SharedOptions.ConfFile confFile;

    @Override
    public Integer call() {
      String fmt = format.value();
      SparkSession spark = Sessions.getOrCreate("visionlake-faces-enrol");
      FacesJob.EnrolResult result = FacesJob.enrol(spark, gallery, lake.root, confFile.path, JobMain.arguments(spec));
      SqlQueryJob.print(result.table(spark), fmt, Math.max(1, result.outcomes().size()));
      System.out.println(result.summary());
      spark.stop();
      return result.rejected() == 0 ? JobMain.DONE : JobMain.FAILED;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
      description = "Removes a person from face_gallery: later runs no longer match them. Their earlier matches stay (see forget).")
  static final class Remove implements Callable<Integer> {
    @Option(names = "--person", required = true, paramLabel = "<name>", description = "the person's folder name at enrolment")
    String person;

    @Mixin
    SharedOptions.Lake lake;

    @Override
    public Integer call() {
      SparkSession spark = Sessions.getOrCreate("visionlake-faces-remove");
      long removed = FacesJob.remove(spark, lake.root, person);
      System.out.printf(Locale.ROOT, "Removed %s from face_gallery (%d image(s))%n", person, removed);
      spark.stop();
      return JobMain.DONE;
    }
  }

  @Command(name = "search", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
      description = "Prints the faces of the lake (images and frames) nearest to the face in an image file (its largest face),"
          + " with their distance; below_threshold is a match by " + FaceOptions.MATCH_THRESHOLD + ".")
  static final class Search implements Callable<Integer> {
    @Option(names = "--image", required = true, paramLabel = "<file>", description = "image file showing the face to look for")
    String image;

    @Mixin
    SharedOptions.Lake lake;

    @Option(names = "--k", paramLabel = "<n>", defaultValue = "10", description = "how many faces to print (default: ${DEFAULT-VALUE})")
    int k;

    @Mixin
    SharedOptions.Format format;

    @Mixin
    SharedOptions.ConfFile confFile;

    @Override
    public Integer call() {
      String fmt = format.value();
      SparkSession spark = Sessions.getOrCreate("visionlake-faces-search");
      long start = System.nanoTime();
      Dataset<Row> nearest = FacesJob.search(spark, lake.root, image, k, confFile.path);
      SqlQueryJob.print(nearest, fmt, k);
      System.err.printf(Locale.ROOT, "Search answered in %.1fs%n", (System.nanoTime() - start) / 1e9);
      spark.stop();
      return JobMain.DONE;
    }
  }

  @Command(name = "forget", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
      description = "Deletes a person from the lake: face_gallery, their faces rows (descriptors included), face_sightings, and"
          + " their name in images' and frames' face boxes; prints how to VACUUM the old files away.")
  static final class Forget implements Callable<Integer> {
    @Option(names = "--person", required = true, paramLabel = "<name>", description = "the person's name in the gallery")
    String person;

    @Mixin
    SharedOptions.Lake lake;

    @Mixin
    SharedOptions.ConfFile confFile;

    @Override
    public Integer call() {
      SparkSession spark = Sessions.getOrCreate("visionlake-faces-forget");
      FacesJob.ForgetResult result = FacesJob.forget(spark, lake.root, person, confFile.path);
      System.out.println(result.summary(lake.root));
      spark.stop();
      return JobMain.DONE;
    }
  }
}
