package io.visionlake.jobs.testing;

import io.visionlake.udfs.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Real frames of vtest.avi (extracted by scripts/setup) landed as a camera would push them. */
public final class CameraFrames {
  static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(ZoneOffset.UTC);

  private CameraFrames() {}

  public static Path frame(int index) {
    return TestPaths.required(String.format("data/samples/cameras/vtest-%04d.jpg", index));
  }

  /** Lands frames {@code first..first+count-1} for {@code camera}, 10 fps from {@code start}. */
  public static void land(Path root, String camera, int first, int count, Instant start) throws IOException {
    Path dir = Files.createDirectories(root.resolve("camera=" + camera));
    for (int i = 0; i < count; i++) {
      Instant t = start.plusMillis(100L * i);
      Files.copy(frame(first + i), dir.resolve(NAME.format(t) + ".jpg"));
    }
  }

  public static Path landOne(Path root, String camera, int index, Instant at) throws IOException {
    Path dir = Files.createDirectories(root.resolve("camera=" + camera));
    return Files.copy(frame(index), dir.resolve(NAME.format(at) + ".jpg"));
  }
}
