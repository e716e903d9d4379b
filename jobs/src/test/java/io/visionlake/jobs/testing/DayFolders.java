package io.visionlake.jobs.testing;

import io.visionlake.jobs.backfill.DayLayout;
import io.visionlake.udfs.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

/** Input trees for backfill tests: real Fashion-MNIST PNGs from data/samples, split across day folders. */
public final class DayFolders {
  private DayFolders() {}

  /** Copies {@code perDay} sample PNGs into each day's folder (distinct files per day); returns the day folders' root. */
  public static Path fashion(Path root, DayLayout layout, LocalDate first, int days, int perDay) throws IOException {
    Path samples = TestPaths.required("data/samples/fashion");
    int next = 0;
    for (int d = 0; d < days; d++) {
      Path dir = dayDir(root, layout, first.plusDays(d));
      Files.createDirectories(dir);
      for (int i = 0; i < perDay; i++, next++) {
        String name = String.format("test-%05d.png", next);
        Files.copy(samples.resolve(name), dir.resolve(name));
      }
    }
    return root;
  }

  public static Path dayDir(Path root, DayLayout layout, LocalDate day) {
    return Path.of(layout.dayDir(root.toString(), day));
  }
}
