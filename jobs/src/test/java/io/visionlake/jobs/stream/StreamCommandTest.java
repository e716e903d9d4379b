package io.visionlake.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.testing.CommandRun;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stream and replay-camera command lines (no Spark starts). */
@UnitTest
class StreamCommandTest {
  @TempDir
  Path tmp;

  @Test
  void buildsTheSettingsTheJobRuns() {
    StreamingInferenceJob.Settings s = CommandRun.parse(new StreamCommand(), "--source", "kafka:127.0.0.1:9092/frames", "--lake", "/lake",
        "--checkpoint", "/cp", "--trigger", "available-now", "--window", "30s", "--watermark", "5m", "--analyzers", "people,classify",
        "--max-per-trigger", "4", "--query-name", "hall", "--starting-offsets", "latest", "--model", "resnet", "--conf-file", "c.properties",
        "--head", "shoes").settings();
    assertThat(s.source).isEqualTo(new StreamSource.Kafka("127.0.0.1:9092", "frames"));
    assertThat(s.isKafka()).isTrue();
    assertThat(s.lake).isEqualTo("/lake");
    assertThat(s.checkpoint).isEqualTo("/cp");
    assertThat(s.trigger).isEqualTo("available-now");
    assertThat(s.windowSeconds).isEqualTo(30);
    assertThat(s.watermarkSeconds).isEqualTo(300);
    assertThat(s.analyzers).containsExactly("people", "classify");
    assertThat(s.maxPerTrigger).isEqualTo(4);
    assertThat(s.queryName).isEqualTo("hall");
    assertThat(s.startingOffsets).isEqualTo("latest");
    assertThat(s.model).isEqualTo("resnet");
    assertThat(s.confFile).isEqualTo(Path.of("c.properties"));
    assertThat(s.head).isEqualTo("shoes");
  }

  @Test
  void defaultsAreTheSettingsDefaults() {
    StreamingInferenceJob.Settings s = CommandRun.parse(new StreamCommand(), "--source", "dir:/landing", "--lake", "/lake",
        "--checkpoint", "/cp").settings();
    StreamingInferenceJob.Settings expected = StreamingInferenceJob.Settings.of("dir:/landing", "/lake", "/cp");
    assertThat(s.source).isEqualTo(expected.source).isEqualTo(new StreamSource.Landing("/landing"));
    assertThat(StreamingInferenceJob.landing(s)).isEqualTo("/landing");
    assertThat(s.trigger).isEqualTo(expected.trigger);
    assertThat(s.windowSeconds).isEqualTo(expected.windowSeconds);
    assertThat(s.watermarkSeconds).isEqualTo(expected.watermarkSeconds);
    assertThat(s.analyzers).isEqualTo(expected.analyzers);
    assertThat(s.maxPerTrigger).isNull();
    assertThat(s.queryName).isEqualTo(expected.queryName);
    assertThat(s.startingOffsets).isEqualTo(expected.startingOffsets);
    assertThat(s.model).isNull();
    assertThat(s.confFile).isNull();
    assertThat(s.head).isNull();
  }

  @Test
  void typosBadSourcesAndMissingOptionsAreUsageErrors() {
    CommandRun.execute("stream", new StreamCommand(), "--source", "dir:/l", "--lake", "/lake", "--checkpoint", "/cp",
        "--max-per-triger", "4").assertUsageError("Possible solutions: --max-per-trigger");

    CommandRun.execute("stream", new StreamCommand(), "--source", "dir:/l", "--lake", "/lake")
        .assertUsageError("Missing required option: '--checkpoint=<path|uri>'");

    CommandRun.execute("stream", new StreamCommand(), "--source", "/landing", "--lake", "/lake", "--checkpoint", "/cp")
        .assertUsageError("visionlake stream: --source must be dir:<path>", "kafka:<bootstrap>/<topic>");

    CommandRun.execute("stream", new StreamCommand(), "--source", "dir:/l", "--lake", "/lake", "--checkpoint", "/cp",
        "--window", "soon").assertUsageError("--window: expected a duration like 30s, 1m or 2h, got 'soon'");
  }

  @Test
  void help() {
    CommandRun.execute("stream", new StreamCommand(), "--help")
        .assertHelp("Usage: stream", "--source=dir:<path>|kafka:<bootstrap>/<topic>", "--checkpoint=<path|uri>",
        "(default: objects,faces)", "(default: 10s)", "(default: visionlake-stream)", "--head=<name|uri>");
  }

  @Test
  void replayCameraToALandingFolder() throws Exception {
    Path frames = Files.createDirectories(tmp.resolve("frames"));
    for (int i = 0; i < 3; i++) {
      Files.write(frames.resolve("f" + i + ".jpg"), new byte[] {(byte) i});
    }
    Files.writeString(frames.resolve("notes.txt"), "not a frame");
    CommandRun run = CommandRun.execute("replay-camera", new ReplayCamera(), "--frames", frames.toString(), "--camera", "hall",
        "--to", "dir:" + tmp.resolve("landing"), "--speed", "0", "--limit", "2", "--start", "2024-05-01T08:00:00Z");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(0);
    try (var s = Files.list(tmp.resolve("landing").resolve("camera=hall"))) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted())
          .containsExactly("20240501T080000.000.jpg", "20240501T080000.100.jpg");
    }
  }

  @Test
  void replayCameraUsageErrors() {
    CommandRun.execute("replay-camera", new ReplayCamera(), "--frames", tmp.toString(), "--camera", "hall",
        "--to", "landing").assertUsageError("visionlake replay-camera: --to must be dir:<path>");

    CommandRun.execute("replay-camera", new ReplayCamera(), "--frames", tmp.toString(), "--camera", "hall",
        "--to", "dir:" + tmp, "--fsp", "5").assertUsageError("Possible solutions: --fps");

    CommandRun.execute("replay-camera", new ReplayCamera(), "--frames", tmp.toString(), "--camera", "hall",
        "--to", "dir:" + tmp, "--speed", "fast").assertUsageError("--speed must be a factor like 1x, 2x or 0, got 'fast'");

    CommandRun.execute("replay-camera", new ReplayCamera(), "-h")
        .assertHelp("Usage: replay-camera", "--frames=<dir>", "--to=dir:<landing>|kafka:<bootstrap>/<topic>");
  }
}
