package io.visionlake.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.jobs.testing.FlowTables;
import io.visionlake.jobs.testing.LakeAssertions;
import io.visionlake.jobs.testing.StandaloneCluster;
import io.visionlake.jobs.testing.Submission;
import io.visionlake.udfs.testing.ClusterTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The batch and stream jobs submitted with {@code scripts/submit} to a real standalone cluster of
 * two Workers (1 core, 1g each) started by {@code scripts/cluster}: executors are JVMs of their own,
 * each loads the model once, and the tables equal a local-mode run of the same input, also when an
 * executor or a whole Worker is killed with SIGKILL in the middle of the job. The Worker kill runs
 * last: it leaves the cluster one Worker short.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ClusterTest
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ClusterBatchTest extends DeltaTestBase {
  static final int GOOD = 160;
  static final int BAD = 3;
  static final String FILES_PER_PARTITION = "16";
  private static final Pattern LOADED = Pattern.compile("Loaded model fashion-cnn .* on executor (\\d+); model loads in this JVM: (\\d+)");

  static Path work;
  static Path input;
  static StandaloneCluster cluster;
  static String referenceLake;

  @BeforeAll
  static void startCluster() throws Exception {
    Path appJar = StandaloneCluster.HOME.resolve("jobs/target/visionlake-jobs-0.1.0-SNAPSHOT-app.jar");
    assertThat(appJar).as("the app jar spark-submit ships (build it: mvn -o -q install -DskipTests, or scripts/setup)").exists();
    work = Files.createDirectories(StandaloneCluster.HOME.resolve("jobs/target/cluster-test"));
    input = work.resolve("input");
    copyInputs(input);
    cluster = StandaloneCluster.start(work.resolve("cluster"), 2, 1, "1g", Map.of());
    referenceLake = work.resolve("lake-local").toString();
    spark.conf().set(JobOptions.FILES_PER_PARTITION, FILES_PER_PARTITION);
    try {
      BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(input.toString()), referenceLake, "default"));
    } finally {
      spark.conf().unset(JobOptions.FILES_PER_PARTITION);
    }
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** 160 Fashion-MNIST PNGs and the three damaged samples, in a fresh folder. */
  static void copyInputs(Path dir) throws Exception {
    deleteRecursively(dir);
    Files.createDirectories(dir.resolve("fashion"));
    try (Stream<Path> s = Files.list(StandaloneCluster.HOME.resolve("data/samples/fashion"))) {
      for (Path png : s.sorted().limit(GOOD).collect(Collectors.toList())) {
        Files.copy(png, dir.resolve("fashion").resolve(png.getFileName()));
      }
    }
    Files.createDirectories(dir.resolve("damaged"));
    try (Stream<Path> s = Files.list(StandaloneCluster.HOME.resolve("data/samples/damaged"))) {
      for (Path f : s.collect(Collectors.toList())) {
        Files.copy(f, dir.resolve("damaged").resolve(f.getFileName()));
      }
    }
  }

  static void deleteRecursively(Path dir) throws Exception {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
          Files.delete(p);
        }
      }
    }
  }

  /** {@code name} under the work folder, emptied: a test's own lake or landing folder. */
  Path emptied(String name) throws Exception {
    Path dir = work.resolve(name);
    deleteRecursively(dir);
    return dir;
  }

  /** After a kill: {@code job} was still running ({@code alive} says what died), then it finished with exit code 0. */
  static void finishesAfterTheKill(Submission job, String alive) throws Exception {
    assertThat(job.isAlive()).as(alive).isTrue();
    assertThat(job.await(1500)).as("exit code; driver log:\n%s", job.log()).isZero();
  }

  Submission submitBatch(String name, String lake) {
    return Submission.start(work.resolve(name + ".log"), Map.of(), "--master", cluster.masterUrl(), "--executor-memory", "1g",
        "--conf", JobOptions.FILES_PER_PARTITION + "=" + FILES_PER_PARTITION, "--conf", JobOptions.PROGRESS_SECONDS + "=1",
        "batch", "--input", input.toString(), "--lake", lake);
  }

  /** The id of the application that appears after {@code before} was taken. */
  String awaitNewApp(Set<String> before, Submission job) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 240_000;
    while (System.currentTimeMillis() < deadline) {
      Set<String> now = new HashSet<>(cluster.appIds());
      now.removeAll(before);
      if (!now.isEmpty()) {
        return now.iterator().next();
      }
      assertThat(job.isAlive()).as("the driver exited before any executor started; its log:\n%s", job.log()).isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError("no executors started within 240 s; driver log:\n" + job.log());
  }

  /** Waits until some executor of {@code appId} has loaded the model (its first task is then running). */
  Path awaitModelLoaded(String appId, Submission job) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 240_000;
    while (System.currentTimeMillis() < deadline) {
      for (Path executor : cluster.executorDirs(appId)) {
        if (LOADED.matcher(StandaloneCluster.stderr(executor)).find()) {
          return executor;
        }
      }
      assertThat(job.isAlive()).as("the job ended before any executor loaded the model; its log:\n%s", job.log()).isTrue();
      Thread.sleep(50);
    }
    throw new AssertionError("no executor loaded the model within 240 s; driver log:\n" + job.log());
  }

  @Test
  @Order(1)
  void executorsAreOtherJvmsLoadTheModelOnceAndWriteWhatLocalModeWrites() throws Exception {
    String lake = emptied("lake-cluster").toString();
    Set<String> before = cluster.appIds();
    List<Long> driverPids;
    String appId;
    try (Submission job = submitBatch("clean", lake)) {
      appId = awaitNewApp(before, job);
      driverPids = job.pids();
      assertThat(job.await(1500)).as("exit code; driver log:\n%s", job.log()).isZero();
      assertThat(job.log()).contains("inputs seen " + (GOOD + BAD));
    }
    List<Path> executors = cluster.executorDirs(appId);
    assertThat(executors).as("one executor per Worker").hasSize(2);
    List<Long> executorPids = new ArrayList<>();
    int loads = 0;
    for (Path executor : executors) {
      String log = StandaloneCluster.stderr(executor);
      Optional<Long> pid = cluster.executorPid(executor);
      assertThat(pid).as("executor %s logged its PID", executor).isPresent();
      executorPids.add(pid.get());
      Matcher m = LOADED.matcher(log);
      int inThisJvm = 0;
      while (m.find()) {
        inThisJvm++;
        assertThat(m.group(2)).as("the model loads once per executor JVM").isEqualTo("1");
      }
      assertThat(inThisJvm).as("model loads in executor %s", executor).isEqualTo(1);
      loads += inThisJvm;
    }
    assertThat(executorPids).as("executors are JVMs other than the driver and this test")
        .doesNotContainAnyElementsOf(driverPids).doesNotContain(ProcessHandle.current().pid()).doesNotHaveDuplicates();
    long partitions = (GOOD + BAD + Long.parseLong(FILES_PER_PARTITION) - 1) / Long.parseLong(FILES_PER_PARTITION);
    assertThat(loads).as("loads == executors (2), not partitions (%d)", partitions).isEqualTo(executors.size());
    LakeAssertions.assertSameTables(spark, referenceLake, lake, GOOD, BAD);
  }

  @Test
  @Order(2)
  void killMinus9OneExecutorMidJob() throws Exception {
    String lake = emptied("lake-executor-killed").toString();
    Set<String> before = cluster.appIds();
    String appId;
    try (Submission job = submitBatch("executor-killed", lake)) {
      appId = awaitNewApp(before, job);
      Path victim = awaitModelLoaded(appId, job);
      cluster.killExecutor(cluster.executorPid(victim).orElseThrow());
      finishesAfterTheKill(job, "the job was still running when its executor died");
    }
    assertThat(cluster.executorDirs(appId).size()).as("the Worker started a replacement for the killed executor").isGreaterThanOrEqualTo(3);
    LakeAssertions.assertSameTables(spark, referenceLake, lake, GOOD, BAD);
  }

  @Test
  @Order(3)
  void streamSurvivesAnExecutorLossWithExactFlowCounts() throws Exception {
    Path landing = emptied("landing");
    java.time.Instant t0 = java.time.Instant.parse("2024-05-03T09:00:00Z");
    CameraFrames.land(landing, "gate", 0, 4, t0);
    CameraFrames.land(landing, "yard", 300, 4, t0.plusSeconds(15));
    Path lake = emptied("lake-stream");
    Set<String> before = cluster.appIds();
    String appId;
    try (Submission job = Submission.start(work.resolve("stream.log"), Map.of(), "--master", cluster.masterUrl(),
        "--executor-memory", "1g", "stream", "--source", "dir:" + landing, "--lake", lake.toString(),
        "--checkpoint", work.resolve("stream-checkpoint-" + System.nanoTime()).toString(), "--trigger", "available-now",
        "--max-per-trigger", "4", "--analyzers", "people", "--window", "10s")) {
      appId = awaitNewApp(before, job);
      // Kill an executor once the first micro-batch has committed: the second needs the survivor
      // or the replacement.
      long deadline = System.currentTimeMillis() + 900_000;
      while (!job.log().contains("[stream visionlake-stream] batch 0")) {
        assertThat(job.isAlive()).as("the stream ended early; its log:\n%s", job.log()).isTrue();
        assertThat(System.currentTimeMillis()).as("batch 0 committed in time; driver log:\n%s", job.log()).isLessThan(deadline);
        Thread.sleep(100);
      }
      Path victim = cluster.executorDirs(appId).stream().filter(d -> cluster.executorPid(d).isPresent()).findFirst().orElseThrow();
      cluster.killExecutor(cluster.executorPid(victim).orElseThrow());
      finishesAfterTheKill(job, "the stream was still running when its executor died");
      assertThat(job.log()).as("a micro-batch ran after the kill").contains("[stream visionlake-stream] batch 1");
    }
    Dataset<Row> frames = FlowTables.table(lake, Lake.FRAMES);
    assertThat(frames.count()).as("every frame once").isEqualTo(8);
    assertThat(frames.select("path").distinct().count()).as("no frame twice").isEqualTo(8);
    assertThat(frames.groupBy("camera_id").count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)))).containsEntry("gate", 4L).containsEntry("yard", 4L);
    assertThat(FlowTables.streamed(lake)).as("flow_counts = batch recomputation over the frames")
        .isEqualTo(FlowTables.recomputed(lake, "10 seconds"));
    long flowFrames = FlowTables.table(lake, Lake.FLOW_COUNTS).agg(org.apache.spark.sql.functions.sum("frames"))
        .first().getLong(0);
    assertThat(flowFrames).as("flow_counts count each frame exactly once").isEqualTo(8);
  }

  @Test
  @Order(4)
  void killMinus9AWholeWorkerMidJob() throws Exception {
    String lake = emptied("lake-worker-killed").toString();
    Set<String> before = cluster.appIds();
    try (Submission job = submitBatch("worker-killed", lake)) {
      String appId = awaitNewApp(before, job);
      Path victim = awaitModelLoaded(appId, job);
      cluster.killWorker(StandaloneCluster.workerOf(victim));
      finishesAfterTheKill(job, "the job was still running when the Worker died");
    }
    LakeAssertions.assertSameTables(spark, referenceLake, lake, GOOD, BAD);
  }
}
