package io.visionlake.udfs.track;

import static io.visionlake.udfs.track.Frames.STEP;
import static io.visionlake.udfs.track.Frames.car;
import static io.visionlake.udfs.track.Frames.crossings;
import static io.visionlake.udfs.track.Frames.events;
import static io.visionlake.udfs.track.Frames.of;
import static io.visionlake.udfs.track.Frames.person;
import static io.visionlake.udfs.track.Frames.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.analyze.objects.Detection;
import io.visionlake.udfs.testing.UnitTest;
import io.visionlake.udfs.track.TrackEvent.Direction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

@UnitTest
class TrackerTest {

  static final CountLine DOOR = new CountLine("door", 0, 300, 1000, 300);

  @Test
  void twoPeopleCrossingALineInOppositeDirectionsCountOneInOneOut() {
    List<List<Detection>> frames = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      frames.add(List.of(person(200, 150 + 10 * i), person(600, 450 - 10 * i)));
    }
    List<FrameTracks> out = run(new Tracker(TrackerSettings.DEFAULTS, Frames.lines(DOOR)), frames);
    List<TrackEvent> ev = events(out);

    int down = out.get(29).trackIds().get(0);
    int up = out.get(29).trackIds().get(1);
    assertThat(List.of(down, up)).as("ids of the two walkers").containsExactly(1, 2);
    assertThat(of(ev, TrackEvent.LineCrossed.class)).as("crossings").containsExactlyInAnyOrder(
        new TrackEvent.LineCrossed(down, "person", "door", Direction.IN, 1600),
        new TrackEvent.LineCrossed(up, "person", "door", Direction.OUT, 1600));
    assertThat(out.get(0).trackIds()).as("tentative in the first frame").containsExactly(-1, -1);
    assertThat(out.get(2).trackIds()).as("confirmed in the third frame (minHits 3)").containsExactly(1, 2);
  }

  @Test
  void aCrossingDuringTheTentativeFramesIsCountedOnceConfirmed() {
    // The line is crossed between the 1st and 2nd observation, before the track has an id.
    List<List<Detection>> frames = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      frames.add(List.of(person(200, 295 + 10 * i)));
    }
    List<FrameTracks> out = run(new Tracker(TrackerSettings.DEFAULTS, Frames.lines(DOOR)), frames);
    assertThat(out.get(1).events()).as("nothing reported while tentative").isEmpty();
    assertThat(out.get(2).events()).as("confirmation frame").containsExactly(
        new TrackEvent.Started(1, "person", 0),
        new TrackEvent.LineCrossed(1, "person", "door", Direction.IN, STEP));
    assertThat(crossings(events(out), "door", Direction.IN)).isEqualTo(1);
  }

  @Test
  void aDetectionMissedForOneOrTwoFramesKeepsItsId() {
    List<List<Detection>> frames = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      boolean missed = i == 8 || i == 15 || i == 16;
      frames.add(missed ? List.of() : List.of(person(100 + 12 * i, 400)));
    }
    List<FrameTracks> out = run(new Tracker(TrackerSettings.DEFAULTS, CameraLayout.EMPTY), frames);
    for (int i = 2; i < 30; i++) {
      if (!frames.get(i).isEmpty()) {
        assertThat(out.get(i).trackIds()).as("frame %d", i).containsExactly(1);
      }
    }
    assertThat(of(events(out), TrackEvent.Started.class)).as("one track").hasSize(1);
  }

  @Test
  void aSingleFrameFalsePositiveMakesNoTrackAndBurnsNoId() {
    List<List<Detection>> frames = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      List<Detection> f = new ArrayList<>();
      f.add(person(100 + 5 * i, 400));
      if (i == 5) {
        f.add(person(800, 200));
      }
      if (i >= 40) {
        f.add(person(500, 700));
      }
      frames.add(f);
    }
    List<FrameTracks> out = run(new Tracker(TrackerSettings.DEFAULTS, CameraLayout.EMPTY), frames);
    assertThat(out.get(5).trackIds()).as("the false positive has no id").containsExactly(1, -1);
    assertThat(out.get(45).trackIds()).as("the next real person gets id 2").containsExactly(1, 2);
    assertThat(of(events(out), TrackEvent.Started.class)).extracting(TrackEvent::trackId).containsExactly(1, 2);
    assertThat(of(events(out), TrackEvent.Ended.class)).as("no end event for a tentative track").isEmpty();
  }

  @Test
  void aCarAndAPersonOverlappingDoNotSwap() {
    List<List<Detection>> frames = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      // The car drives right through the walking person; their boxes overlap for ~10 frames.
      frames.add(List.of(car(100 + 15 * i, 420), person(700 - 5 * i, 410)));
    }
    List<FrameTracks> out = run(new Tracker(TrackerSettings.DEFAULTS, CameraLayout.EMPTY), frames);
    for (int i = 2; i < 40; i++) {
      assertThat(out.get(i).trackIds()).as("frame %d: car 1, person 2", i).containsExactly(1, 2);
    }
  }

  @Test
  void twoPeopleCrossingPathsKeepTheirIds() {
    Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, CameraLayout.EMPTY);
    Integer idA = null;
    Integer idB = null;
    for (int i = 0; i < 40; i++) {
      // A walks right, B walks left, 6 px apart vertically: their boxes coincide almost fully at
      // frame 20. The detector's order says nothing (sorted by x), only motion tells them apart.
      Detection a = person(100 + 20 * i, 400);
      Detection b = person(900 - 20 * i + 5, 406);
      List<Detection> dets = new ArrayList<>(List.of(a, b));
      dets.sort(Comparator.comparingInt(Detection::x));
      FrameTracks f = tracker.update(i * STEP, dets);
      if (i >= 2) {
        int ia = f.trackIds().get(dets.indexOf(a));
        int ib = f.trackIds().get(dets.indexOf(b));
        if (idA == null) {
          idA = ia;
          idB = ib;
        }
        assertThat(List.of(ia, ib)).as("frame %d (A, B)", i).containsExactly(idA, idB);
      }
    }
    assertThat(idA).isNotEqualTo(idB);
  }

  @Test
  void dwellInAZoneIsTheTimeBetweenFirstObservationInsideAndFirstOutside() {
    Zone queue = new Zone("queue", new double[] {200, 400, 400, 200}, new double[] {200, 200, 400, 400});
    Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, new CameraLayout(List.of(), List.of(queue)));
    List<List<Detection>> frames = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      frames.add(List.of(person(55 + 10 * i, 300))); // inside for anchors 205..395: frames 15..34
    }
    List<TrackEvent> ev = events(run(tracker, frames));
    assertThat(of(ev, TrackEvent.ZoneEntered.class)).containsExactly(
        new TrackEvent.ZoneEntered(1, "person", "queue", 1500));
    assertThat(of(ev, TrackEvent.ZoneExited.class)).containsExactly(
        new TrackEvent.ZoneExited(1, "person", "queue", 1500, 3500, 2000));
  }

  @Test
  void aTrackEndingInsideAZoneReportsItsDwellUntilItsLastObservation() {
    Zone queue = new Zone("queue", new double[] {200, 400, 400, 200}, new double[] {200, 200, 400, 400});
    Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, new CameraLayout(List.of(), List.of(queue)));
    for (int i = 0; i < 10; i++) {
      tracker.update(i * STEP, List.of(person(300, 300)));
    }
    assertThat(tracker.flush(900 + 2000)).as("not older than maxAge yet").isEmpty();
    assertThat(tracker.flush(900 + 2001)).containsExactly(
        new TrackEvent.ZoneExited(1, "person", "queue", 0, 900, 900),
        new TrackEvent.Ended(1, "person", 0, 900));
  }

  @Test
  void anAnchorTouchingTheLineAndGoingBackIsNoCrossing() {
    int[] ys = {250, 270, 290, 300, 300, 290, 270, 250};
    List<List<Detection>> frames = new ArrayList<>();
    for (int y : ys) {
      frames.add(List.of(person(500, y)));
    }
    assertThat(of(events(run(new Tracker(TrackerSettings.DEFAULTS, Frames.lines(DOOR)), frames)),
        TrackEvent.LineCrossed.class)).isEmpty();
  }

  @Test
  void anAnchorStoppingOnTheLineThenGoingOnCrossesOnce() {
    int[] ys = {250, 270, 290, 300, 300, 310, 330, 350};
    List<List<Detection>> frames = new ArrayList<>();
    for (int y : ys) {
      frames.add(List.of(person(500, y)));
    }
    assertThat(of(events(run(new Tracker(TrackerSettings.DEFAULTS, Frames.lines(DOOR)), frames)),
        TrackEvent.LineCrossed.class)).containsExactly(
            new TrackEvent.LineCrossed(1, "person", "door", Direction.IN, 5 * STEP));
  }

  @Test
  void crossingTheInfiniteLineOutsideTheSegmentIsNoCrossing() {
    CountLine gate = new CountLine("gate", 400, 300, 600, 300);
    for (int x : new int[] {100, 500, 399, 601}) {
      List<List<Detection>> frames = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        frames.add(List.of(person(x, 200 + 10 * i)));
      }
      long n = crossings(events(run(new Tracker(TrackerSettings.DEFAULTS, Frames.lines(gate)), frames)),
          "gate", Direction.IN);
      assertThat(n).as("walking down at x = %d across a gate from x 400 to 600", x).isEqualTo(x == 500 ? 1 : 0);
    }
  }

  @Test
  void lowScoreDetectionsContinueTracksButStartNone() {
    Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, CameraLayout.EMPTY);
    FrameTracks f = null;
    for (int i = 0; i < 20; i++) {
      float score = i < 5 ? 0.9f : 0.3f; // occluded from frame 5: the detector is unsure
      f = tracker.update(i * STEP, List.of(person(100 + 10 * i, 400, score), person(800, 100, 0.3f)));
      if (i >= 2) {
        assertThat(f.trackIds()).as("frame %d", i).containsExactly(1, -1);
      }
    }
    assertThat(tracker.confirmedTrackIds()).containsExactly(1);
  }

  @Test
  void aFrameEarlierThanTheLastIsRejected() {
    Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, CameraLayout.EMPTY);
    tracker.update(1000, List.of());
    tracker.update(1000, List.of()); // same time is allowed
    assertThatThrownBy(() -> tracker.update(999, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("999 ms is earlier than the last one processed (1000 ms)")
        .hasMessageContaining("capture-time order");
  }

  @Test
  void endOfStreamEndsConfirmedTracksOnly() {
    Tracker tracker = new Tracker(TrackerSettings.DEFAULTS, CameraLayout.EMPTY);
    for (int i = 0; i < 5; i++) {
      tracker.update(i * STEP, i == 4 ? List.of(person(100, 400), person(700, 400)) : List.of(person(100, 400)));
    }
    assertThat(tracker.endAll()).containsExactly(new TrackEvent.Ended(1, "person", 0, 400));
    assertThat(tracker.confirmedTrackIds()).isEmpty();
  }

  @Test
  void aVehicleWhoseClassFlickersBetweenCarTruckAndBusIsOneTrackOfItsFirstClass() {
    // One van crossing the door line; the detector calls it car, truck or bus frame by frame.
    String[] flicker = {"car", "car", "truck", "car", "bus", "truck", "car", "car", "truck", "car"};
    List<List<Detection>> frames = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String label = flicker[i % flicker.length];
      frames.add(List.of(new Detection(label, label.equals("car") ? 2 : label.equals("bus") ? 5 : 7, 0.9f,
          300 - 60, 150 + 10 * i - 80, 120, 80)));
    }
    List<TrackEvent> grouped = events(run(new Tracker(TrackerSettings.DEFAULTS, Frames.lines(DOOR)), frames));
    assertThat(of(grouped, TrackEvent.Started.class)).as("one track, the class it started with")
        .containsExactly(new TrackEvent.Started(1, "car", 0));
    assertThat(of(grouped, TrackEvent.LineCrossed.class)).as("one crossing")
        .containsExactly(new TrackEvent.LineCrossed(1, "car", "door", Direction.IN, 1600));

    TrackerSettings strict = TrackerSettings.fromConf(java.util.Map.of("spark.visionlake.tracker.classGroups", ""));
    List<TrackEvent> split = events(run(new Tracker(strict, Frames.lines(DOOR)), frames));
    assertThat(of(split, TrackEvent.Started.class).size()).as("without groups the flicker splits the van").isGreaterThan(1);
  }

  @Test
  void classGroupsAreReadAndChecked() {
    TrackerSettings s = TrackerSettings.fromConf(java.util.Map.of("spark.visionlake.tracker.classGroups", "car|truck|bus, bicycle | motorcycle"));
    assertThat(s.sameGroup("bicycle", "motorcycle")).isTrue();
    assertThat(s.sameGroup("truck", "bus")).isTrue();
    assertThat(s.sameGroup("car", "person")).isFalse();
    assertThat(s.sameGroup("dog", "dog")).isTrue();
    assertThat(TrackerSettings.DEFAULTS.sameGroup("car", "truck")).as("vehicles by default").isTrue();
    assertThatThrownBy(() -> TrackerSettings.fromConf(java.util.Map.of("spark.visionlake.tracker.classGroups", "car|truck,car|bus")))
        .hasMessageContaining("spark.visionlake.tracker.classGroups").hasMessageContaining("'car' is in two");
    assertThatThrownBy(() -> TrackerSettings.fromConf(java.util.Map.of("spark.visionlake.tracker.classGroups", "car")))
        .hasMessageContaining("the group 'car' has one class");
  }

  @Test
  void settingsAreCheckedAndReadFromConfKeys() {
    assertThatThrownBy(() -> new TrackerSettings(0.5, 0.1, 0.2, 0.5, 0, 2000))
        .hasMessageContaining("spark.visionlake.tracker.minHits = 0").hasMessageContaining("at least 1");
    assertThatThrownBy(() -> new TrackerSettings(0.05, 0.1, 0.2, 0.5, 3, 2000))
        .hasMessageContaining("spark.visionlake.tracker.highScore = 0.05");
    assertThat(TrackerSettings.fromConf(java.util.Map.of("spark.visionlake.tracker.minHits", "5",
        "spark.visionlake.other", "x"))).isEqualTo(new TrackerSettings(0.4, 0.1, 0.2, 0.5, 5, 2000));
    assertThatThrownBy(() -> TrackerSettings.fromConf(java.util.Map.of("spark.visionlake.tracker.maxAge", "5")))
        .hasMessageContaining("Unknown tracker setting(s) [spark.visionlake.tracker.maxAge]")
        .hasMessageContaining("spark.visionlake.tracker.maxAgeMillis");
    assertThatThrownBy(() -> TrackerSettings.fromConf(java.util.Map.of("spark.visionlake.tracker.maxAgeMillis", "2s")))
        .hasMessageContaining("spark.visionlake.tracker.maxAgeMillis = '2s' is not a whole number");
  }
}
