package io.visionlake.jobs.scoring;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Paths;
import java.util.Collection;
import org.apache.spark.sql.SparkSession;

/** The input files of a file job: listed on the driver, named the way every table records them. */
public final class InputFiles {
  private InputFiles() {}

  /**
   * Lists the files under {@code inputs} with Spark's file index (parallel, glob-aware,
   * recursive). The scan itself would silently drop zero-byte files, so executors stat and read
   * each listed file themselves.
   */
  public static String[] list(SparkSession spark, Collection<String> inputs) {
    return spark.read().format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(inputs.toArray(new String[0]))
        .inputFiles();
  }

  /** A local path becomes a file: URI (the form the listing writes); URIs stay as they are. */
  public static String toUri(String path) {
    try {
      if (new URI(path).getScheme() != null) {
        return path;
      }
    } catch (URISyntaxException e) {
      // not a URI: a local path with characters URIs do not allow
    }
    return Paths.get(path).toAbsolutePath().normalize().toUri().toString();
  }
}
