package io.visionlake.jobs.stream;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.cli.JobVersion;
import io.visionlake.jobs.cli.Sessions;
import io.visionlake.jobs.cli.SharedOptions;
import io.visionlake.jobs.conf.JobOptions;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code scripts/submit stream}: builds {@link StreamingInferenceJob.Settings} from the command line and runs the stream until it ends. */
@Command(name = "stream", mixinStandardHelpOptions = true, versionProvider = JobVersion.class,
    description = "Camera streams into Delta: frames from a landing folder or a Kafka topic land in frames, frame_errors"
        + " and late_frames, and flow_counts is merged every micro-batch; exactly once through restarts from the checkpoint.")
final class StreamCommand implements Callable<Integer> {
  @Option(names = "--source", required = true, paramLabel = "dir:<path>|kafka:<bootstrap>/<topic>",
      description = "landing folder (local, s3a://...) or Kafka topic")
  String source;

  @Mixin
  SharedOptions.Lake lake;

  @Option(names = "--checkpoint", required = true, paramLabel = "<path|uri>",
      description = "streaming checkpoint; keep it to restart exactly where the stream stopped")
  String checkpoint;

  @Option(names = "--trigger", paramLabel = "<10s|available-now|once>", defaultValue = "10s", description = "micro-batch trigger (default: ${DEFAULT-VALUE})")
  String trigger;

  @Option(names = "--window", paramLabel = "<duration>", defaultValue = "1m", description = "flow_counts window, e.g. 30s, 1m, 1h (default: ${DEFAULT-VALUE})")
  String window;

  @Option(names = "--watermark", paramLabel = "<duration>", defaultValue = "2m",
      description = "how late a frame may arrive and still count (default: ${DEFAULT-VALUE})")
  String watermark;

  @Mixin
  SharedOptions.Analyzers analyzers = new SharedOptions.Analyzers("objects,faces");

  @Option(names = "--cameras", paramLabel = "<file>",
      description = "lines and zones per camera for the objects tracker (<camera>.line.<name>=x1,y1,x2,y2, "
          + "<camera>.zone.<name>=x1,y1,x2,y2,x3,y3,...; see docs/streams.md)")
  java.nio.file.Path cameras;

  @Option(names = "--max-per-trigger", paramLabel = "<n>",
      description = "files or Kafka records per micro-batch (default: the setting " + JobOptions.STREAM_MAX_PER_TRIGGER + ", "
          + JobOptions.STREAM_MAX_PER_TRIGGER_DEFAULT + ")")
  Integer maxPerTrigger;

  @Option(names = "--clean-source", paramLabel = "<off|archive|delete>", defaultValue = "off",
      description = "landing folder: what becomes of a file once its micro-batch is committed (default: ${DEFAULT-VALUE})")
  String cleanSource;

  @Option(names = "--archive-dir", paramLabel = "<path|uri>",
      description = "with --clean-source archive: where processed files go (their path under the landing folder kept); outside the landing folder")
  String archiveDir;

  @Option(names = "--query-name", paramLabel = "<name>", defaultValue = StreamingInferenceJob.DEFAULT_QUERY_NAME,
      description = "query name in logs and the stream column (default: ${DEFAULT-VALUE})")
  String queryName;

  @Option(names = "--starting-offsets", paramLabel = "<earliest|latest>", defaultValue = "earliest",
      description = "Kafka only, for a new checkpoint (default: ${DEFAULT-VALUE})")
  String startingOffsets;

  @Mixin
  SharedOptions.Model model;

  @Mixin
  SharedOptions.ConfFile confFile;

  @Mixin
  SharedOptions.Head head;

  StreamingInferenceJob.Settings settings() {
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of(source, lake.root, checkpoint)
        .trigger(trigger)
        .window(window)
        .watermark(watermark)
        .analyzers(analyzers.list)
        .queryName(queryName)
        .head(head.ref)
        .cameras(cameras);
    if (maxPerTrigger != null) {
      settings.maxPerTrigger(maxPerTrigger);
    }
    settings.cleanSource(cleanSource, archiveDir);
    settings.startingOffsets = startingOffsets;
    settings.model = model.ref;
    settings.confFile = confFile.path;
    return settings;
  }

  @Override
  public Integer call() throws Exception {
    StreamingInferenceJob.Settings settings = settings();
    SparkSession spark = Sessions.getOrCreate("visionlake-stream");
    StreamingInferenceJob.Handle handle = StreamingInferenceJob.run(spark, settings);
    handle.awaitTermination();
    System.out.println(handle.summary());
    spark.stop();
    return JobMain.DONE;
  }
}
