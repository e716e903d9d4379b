package io.visionlake.udfs.track;

import static io.visionlake.udfs.track.Frames.STEP;
import static io.visionlake.udfs.track.Frames.car;
import static io.visionlake.udfs.track.Frames.person;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.analyze.objects.Detection;
import io.visionlake.udfs.testing.UnitTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

@UnitTest
class TrackerStateTest {

  static final CameraLayout LAYOUT = new CameraLayout(
      List.of(new CountLine("door", 0, 300, 1000, 300), new CountLine("gate", 500, 0, 500, 600)),
      List.of(new Zone("queue", new double[] {200, 450, 450, 200}, new double[] {200, 200, 450, 450})));

  /** 60 frames: people across both lines and the zone, a car, misses, a false positive, low scores. */
  static List<List<Detection>> scene() {
    Random random = new Random(7);
    List<List<Detection>> frames = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      List<Detection> f = new ArrayList<>();
      if (random.nextDouble() > 0.1) {
        f.add(person(150 + 12 * i, 150 + 6 * i));
      }
      if (i >= 10 && i < 50 && i != 30) {
        f.add(person(900 - 10 * i, 500 - 8 * i, i % 7 == 0 ? 0.3f : 0.8f));
      }
      if (i >= 20) {
        f.add(car(300, 560 - 3 * i));
      }
      if (i == 25) {
        f.add(person(50, 50));
      }
      frames.add(f);
    }
    return frames;
  }

  static List<Object> runSplit(int k, boolean javaSerialisation) throws Exception {
    List<List<Detection>> frames = scene();
    List<Object> out = new ArrayList<>();
    Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, LAYOUT);
    for (int i = 0; i < frames.size(); i++) {
      if (i == k) {
        TrackerState state = tracker.snapshot();
        TrackerState back = javaSerialisation ? javaRoundTrip(state) : TrackerState.fromBytes(state.toBytes());
        tracker = Tracker.restore(TrackerSettings.DEFAULTS, LAYOUT, back);
      }
      out.add(tracker.update(i * STEP, frames.get(i)));
    }
    out.add(tracker.endAll());
    return out;
  }

  static TrackerState javaRoundTrip(TrackerState state) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(state);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (TrackerState) in.readObject();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void restartingAtAnyFrameGivesTheSameIdsAndEventsAsTheUninterruptedRun() throws Exception {
    List<Object> whole = runSplit(-1, false);
    List<TrackEvent> all = new ArrayList<>();
    for (Object o : whole) {
      all.addAll(o instanceof FrameTracks f ? f.events() : (List<TrackEvent>) o);
    }
    // The scene must exercise what the state carries, or the proof proves nothing.
    assertThat(all).as("events of the scene").hasAtLeastOneElementOfType(TrackEvent.LineCrossed.class)
        .hasAtLeastOneElementOfType(TrackEvent.ZoneEntered.class)
        .hasAtLeastOneElementOfType(TrackEvent.ZoneExited.class)
        .hasAtLeastOneElementOfType(TrackEvent.Ended.class);
    for (int k = 0; k <= 60; k++) {
      assertThat(runSplit(k, false)).as("restart before frame %d (bytes)", k).isEqualTo(whole);
    }
    for (int k = 0; k <= 60; k += 7) {
      assertThat(runSplit(k, true)).as("restart before frame %d (Java serialisation)", k).isEqualTo(whole);
    }
  }

  @Test
  void theStateIsCompact() {
    Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, LAYOUT);
    List<List<Detection>> frames = scene();
    for (int i = 0; i < 30; i++) {
      tracker.update(i * STEP, frames.get(i));
    }
    assertThat(tracker.confirmedTrackIds()).hasSize(3);
    assertThat(tracker.snapshot().toBytes().length).as("bytes for 3 tracks").isLessThan(1500);
  }

  @Test
  void bytesThatAreNoTrackerStateAreRejectedWhenRead() {
    assertThatThrownBy(() -> TrackerState.fromBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Not a tracker state of version 1");
    byte[] good = new Tracker(TrackerSettings.DEFAULTS, LAYOUT).snapshot().toBytes();
    assertThatThrownBy(() -> TrackerState.fromBytes(java.util.Arrays.copyOf(good, good.length - 2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated or corrupt");
  }
}
