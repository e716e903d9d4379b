package io.visionlake.udfs.track;

import static io.visionlake.udfs.track.Frames.STEP;
import static io.visionlake.udfs.track.Frames.person;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.analyze.objects.Detection;
import io.visionlake.udfs.testing.UnitTest;
import io.visionlake.udfs.track.TrackEvent.Direction;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random scenes with known truth: people on straight paths (each in its own lane, entering and
 * leaving at random frames, random speeds and directions), 10 % of detections dropped. The crossings
 * the tracker reports must equal those of the true paths, line by line and direction by direction.
 */
@UnitTest
class TrackerPropertyTest {

  static final List<CountLine> LINES = List.of(
      new CountLine("full", 0, 400, 1400, 400),
      new CountLine("partial", 250, 300, 900, 300), // some lanes pass beside its ends
      new CountLine("slanted", 0, 600, 1400, 500));

  @Test
  void crossingsCountedEqualTheTruthWithTenPercentDroppedDetections() {
    Random random = new Random(20240612L);
    int sequences = 200;
    int objectsSeen = 0;
    long truthCrossings = 0;
    for (int seq = 0; seq < sequences; seq++) {
      int objects = 2 + random.nextInt(5);
      int frames = 80;
      double[][] path = new double[objects][];
      int[][] span = new int[objects][];
      for (int o = 0; o < objects; o++) {
        double x0 = 60 + 120 * o + random.nextInt(40);
        boolean down = random.nextBoolean();
        double y0 = down ? 150 + random.nextInt(60) : 750 - random.nextInt(60);
        double vy = (down ? 1 : -1) * (6 + random.nextInt(9)); // px per frame
        double vx = random.nextInt(5) - 2;
        int start = random.nextInt(15);
        path[o] = new double[] {x0, y0, vx, vy};
        span[o] = new int[] {start, start + 40 + random.nextInt(40 - start + 1)};
      }
      Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, new CameraLayout(LINES, List.of()));
      List<TrackEvent> events = new ArrayList<>();
      for (int i = 0; i < frames; i++) {
        List<Detection> dets = new ArrayList<>();
        for (int o = 0; o < objects; o++) {
          if (i >= span[o][0] && i < span[o][1] && random.nextDouble() >= 0.1) {
            int[] a = anchor(path[o], i - span[o][0]);
            dets.add(person(a[0], a[1]));
          }
        }
        events.addAll(tracker.update(i * STEP, dets).events());
      }
      events.addAll(tracker.endAll());
      for (CountLine line : LINES) {
        for (Direction dir : Direction.values()) {
          long truth = 0;
          for (int o = 0; o < objects; o++) {
            truth += truthCrossings(line, path[o], span[o][1] - span[o][0], dir);
          }
          truthCrossings += truth;
          assertThat(Frames.crossings(events, line.name(), dir))
              .as("sequence %d, line %s, %s", seq, line.name(), dir).isEqualTo(truth);
        }
      }
      assertThat(Frames.of(events, TrackEvent.Started.class)).as("sequence %d: one track per person", seq)
          .hasSize(objects);
      objectsSeen += objects;
    }
    assertThat(truthCrossings).as("the scenes cross lines often enough to test anything")
        .isGreaterThan(objectsSeen);
  }

  static int[] anchor(double[] p, int t) {
    return new int[] {(int) Math.round(p[0] + p[2] * t), (int) Math.round(p[1] + p[3] * t)};
  }

  /** The crossing rule on every true position of the object, dropped frames included. */
  static long truthCrossings(CountLine line, double[] p, int steps, Direction dir) {
    long n = 0;
    double[] prev = null;
    for (int t = 0; t < steps; t++) {
      int[] a = anchor(p, t);
      double s = line.side(a[0], a[1]);
      if (s == 0) {
        continue;
      }
      if (prev != null && Math.signum(s) != Math.signum(prev[2])
          && line.segmentHit(prev[0], prev[1], prev[2], a[0], a[1], s)
          && (s > 0 ? Direction.IN : Direction.OUT) == dir) {
        n++;
      }
      prev = new double[] {a[0], a[1], s};
    }
    return n;
  }
}
