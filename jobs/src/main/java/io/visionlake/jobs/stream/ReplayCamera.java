package io.visionlake.jobs.stream;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scripts/replay-camera}: pushes a folder of frames as one camera, with capture timestamps. */
@Command(name = "replay-camera", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Pushes a folder of JPEG frames as one camera (or --fan-out n cameras), in name order, with capture timestamps, into a landing"
        + " folder or a Kafka topic.")
public final class ReplayCamera implements Callable<Integer> {
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(ZoneOffset.UTC);

  @Option(names = "--frames", required = true, paramLabel = "<dir>", description = "folder of JPEG frames, sent in name order")
  Path frames;

  @Option(names = "--camera", required = true, paramLabel = "<id>", description = "camera id")
  String camera;

  @Option(names = "--to", required = true, paramLabel = "dir:<landing>|kafka:<bootstrap>/<topic>", description = "where to push")
  String to;

  @Option(names = "--fps", paramLabel = "<n>", defaultValue = "10", description = "frames per second of capture time (default: ${DEFAULT-VALUE})")
  double fps;

  @Option(names = "--start", paramLabel = "<ISO time>", description = "capture time of the first frame, e.g. 2024-05-01T08:00:00Z (default: now)")
  Instant start;

  @Option(names = "--speed", paramLabel = "<Nx>", defaultValue = "1x",
      description = "1x real time, 2x twice as fast, 0 as fast as possible (default: ${DEFAULT-VALUE})")
  String speed;

  @Option(names = "--limit", paramLabel = "<n>", description = "send at most n frames (per camera)")
  Integer limit;

  @Option(names = "--fan-out", paramLabel = "<n>", defaultValue = "1",
      description = "replay the video as n cameras at once, <id>-01 .. <id>-<n>, each starting at another point of the video"
          + " (default: ${DEFAULT-VALUE}: one camera, <id>)")
  int fanOut;

  @Option(names = "--offset-frames", paramLabel = "<k>",
      description = "with --fan-out: camera j starts at frame j*k of the video, wrapping round (default: the video's frames / n)")
  Integer offsetFrames;

  public static void main(String[] args) {
    JobMain.run("replay-camera", new ReplayCamera(), args);
  }

  /** The --speed factor: {@code 2x} or {@code 2} is 2.0. */
  double speedFactor() {
    try {
      return Double.parseDouble(speed.trim().replaceFirst("[xX]$", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--speed must be a factor like 1x, 2x or 0, got '" + speed + "'");
    }
  }

  @Override
  public Integer call() throws Exception {
    StreamSource target = StreamSource.parse(to, "--to");
    double factor = speedFactor();
    Instant first = start != null ? start : Instant.now();
    List<Path> files;
    try (Stream<Path> s = Files.list(frames)) {
      files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.jpe?g")).sorted().collect(Collectors.toList());
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("No .jpg frames in " + frames);
    }
    if (fanOut < 1) {
      throw new IllegalArgumentException("--fan-out must be at least 1, got " + fanOut);
    }
    int count = limit != null ? Math.min(files.size(), limit) : files.size();
    int offset = offsetFrames != null ? offsetFrames : files.size() / fanOut;
    // Camera ids: the id itself, or <id>-01 .. <id>-50 (zero-padded, so they sort as numbers).
    List<String> cameras = new java.util.ArrayList<>();
    String width = "%0" + Math.max(2, Integer.toString(fanOut).length()) + "d";
    for (int j = 1; j <= fanOut; j++) {
      cameras.add(fanOut == 1 ? camera : camera + "-" + String.format(Locale.ROOT, width, j));
    }
    long intervalNanos = (long) (1e9 / fps);
    long wallStart = System.nanoTime();
    KafkaProducer<String, byte[]> producer = null;
    String topic = null;
    List<Path> dirs = new java.util.ArrayList<>();
    if (target instanceof StreamSource.Kafka kafka) {
      Properties props = new Properties();
      props.put("bootstrap.servers", kafka.bootstrap());
      props.put("max.request.size", "10485760");
      producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
      topic = kafka.topic();
    } else {
      for (String id : cameras) {
        dirs.add(Files.createDirectories(Paths.get(((StreamSource.Landing) target).path()).resolve("camera=" + id)));
      }
    }
    try {
      for (int i = 0; i < count; i++) {
        Instant captured = first.plusNanos(intervalNanos * i);
        if (factor > 0) {
          long due = wallStart + (long) (intervalNanos * i / factor);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
        // Every camera's frame of this instant, camera j from its own point of the video.
        for (int j = 0; j < cameras.size(); j++) {
          byte[] bytes = Files.readAllBytes(files.get(Math.floorMod(i + (long) j * offset, files.size())));
          if (producer != null) {
            producer.send(new ProducerRecord<>(topic, null, captured.toEpochMilli(), cameras.get(j), bytes)).get();
          } else {
            Path tmp = dirs.get(j).resolve("." + NAME.format(captured) + ".jpg.tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, dirs.get(j).resolve(NAME.format(captured) + ".jpg"), StandardCopyOption.ATOMIC_MOVE);
          }
        }
      }
    } finally {
      if (producer != null) {
        producer.close();
      }
    }
    System.out.printf(Locale.ROOT, "replay-camera: %d frame(s) of %s to %s, captured %s .. %s%n", count,
        cameras.size() == 1 ? "camera " + camera : cameras.size() + " cameras " + cameras.get(0) + " .. " + cameras.get(cameras.size() - 1), to,
        first, first.plusNanos(intervalNanos * (count - 1)));
    return JobMain.DONE;
  }
}
