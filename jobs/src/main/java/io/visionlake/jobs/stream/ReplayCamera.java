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
    description = "Pushes a folder of JPEG frames as one camera, in name order, with capture timestamps, into a landing"
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

  @Option(names = "--limit", paramLabel = "<n>", description = "send at most n frames")
  Integer limit;

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
    if (limit != null) {
      files = files.subList(0, Math.min(files.size(), limit));
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("No .jpg frames in " + frames);
    }
    long intervalNanos = (long) (1e9 / fps);
    long wallStart = System.nanoTime();
    KafkaProducer<String, byte[]> producer = null;
    String topic = null;
    Path dir = null;
    if (target instanceof StreamSource.Kafka kafka) {
      Properties props = new Properties();
      props.put("bootstrap.servers", kafka.bootstrap());
      props.put("max.request.size", "10485760");
      producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
      topic = kafka.topic();
    } else {
      dir = Files.createDirectories(Paths.get(((StreamSource.Landing) target).path()).resolve("camera=" + camera));
    }
    try {
      for (int i = 0; i < files.size(); i++) {
        Instant captured = first.plusNanos(intervalNanos * i);
        if (factor > 0) {
          long due = wallStart + (long) (intervalNanos * i / factor);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
        byte[] bytes = Files.readAllBytes(files.get(i));
        if (producer != null) {
          producer.send(new ProducerRecord<>(topic, null, captured.toEpochMilli(), camera, bytes)).get();
        } else {
          Path tmp = dir.resolve("." + NAME.format(captured) + ".jpg.tmp");
          Files.write(tmp, bytes);
          Files.move(tmp, dir.resolve(NAME.format(captured) + ".jpg"), StandardCopyOption.ATOMIC_MOVE);
        }
      }
    } finally {
      if (producer != null) {
        producer.close();
      }
    }
    System.out.printf(Locale.ROOT, "replay-camera: %d frame(s) of camera %s to %s, captured %s .. %s%n", files.size(), camera, to,
        first, first.plusNanos(intervalNanos * (files.size() - 1)));
    return JobMain.DONE;
  }
}
