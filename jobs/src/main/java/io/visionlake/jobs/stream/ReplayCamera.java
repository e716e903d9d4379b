package io.visionlake.jobs.stream;

import io.visionlake.jobs.cli.CliArgs;
import io.visionlake.jobs.cli.JobMain;

import java.io.IOException;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** {@code scripts/replay-camera}: pushes a folder of frames as one camera, with capture timestamps. */
public final class ReplayCamera {
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(ZoneOffset.UTC);

  private ReplayCamera() {}

  public static void main(String[] args) {
    JobMain.run("replay-camera", () -> {
      CliArgs cli = CliArgs.forCommand("scripts/replay-camera")
          .option("--frames", "dir", "folder of JPEG frames, sent in name order (required)")
          .option("--camera", "id", "camera id (required)")
          .option("--to", "dir:<landing>|kafka:<bootstrap>/<topic>", "where to push (required)")
          .option("--fps", "n", "frames per second of capture time (default 10)")
          .option("--start", "ISO time", "capture time of the first frame (default now)")
          .option("--speed", "Nx", "1x real time, 2x twice as fast, 0 as fast as possible (default 1x)")
          .option("--limit", "n", "send at most n frames")
          .parse(args);
      Path frames = Paths.get(cli.require("--frames"));
      String camera = cli.require("--camera");
      String to = cli.require("--to");
      double fps = Double.parseDouble(cli.get("--fps") == null ? "10" : cli.get("--fps"));
      Instant start = cli.get("--start") == null ? Instant.now() : Instant.parse(cli.get("--start"));
      double speed = Double.parseDouble((cli.get("--speed") == null ? "1x" : cli.get("--speed")).replace("x", ""));
      List<Path> files;
      try (Stream<Path> s = Files.list(frames)) {
        files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.jpe?g")).sorted().collect(Collectors.toList());
      }
      if (cli.get("--limit") != null) {
        files = files.subList(0, Math.min(files.size(), Integer.parseInt(cli.get("--limit"))));
      }
      if (files.isEmpty()) {
        throw new IllegalArgumentException("No .jpg frames in " + frames);
      }
      long intervalNanos = (long) (1e9 / fps);
      long wallStart = System.nanoTime();
      KafkaProducer<String, byte[]> producer = null;
      String topic = null;
      Path dir = null;
      if (to.startsWith("kafka:")) {
        String[] parts = to.substring("kafka:".length()).split("/", 2);
        Properties props = new Properties();
        props.put("bootstrap.servers", parts[0]);
        props.put("max.request.size", "10485760");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        topic = parts[1];
      } else if (to.startsWith("dir:")) {
        dir = Files.createDirectories(Paths.get(to.substring("dir:".length())).resolve("camera=" + camera));
      } else {
        throw new IllegalArgumentException("--to must be dir:<landing> or kafka:<bootstrap>/<topic>, got " + to);
      }
      try {
        for (int i = 0; i < files.size(); i++) {
          Instant captured = start.plusNanos(intervalNanos * i);
          if (speed > 0) {
            long due = wallStart + (long) (intervalNanos * i / speed);
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
          start, start.plusNanos(intervalNanos * (files.size() - 1)));
    });
  }
}
