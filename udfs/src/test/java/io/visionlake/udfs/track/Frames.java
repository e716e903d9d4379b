package io.visionlake.udfs.track;

import io.visionlake.udfs.analyze.objects.Detection;
import io.visionlake.udfs.track.TrackEvent.Direction;
import java.util.ArrayList;
import java.util.List;

/** Synthetic detections placed by their anchor (bottom centre), and event filters, for the tracker tests. */
final class Frames {

  static final int PERSON = 0;
  static final int CAR = 2;
  static final long STEP = 100;

  private Frames() {
  }

  /** A person box 40 x 100 whose anchor is (ax, ay). */
  static Detection person(int ax, int ay) {
    return new Detection("person", PERSON, 0.9f, ax - 20, ay - 100, 40, 100);
  }

  static Detection person(int ax, int ay, float score) {
    return new Detection("person", PERSON, score, ax - 20, ay - 100, 40, 100);
  }

  static Detection car(int ax, int ay) {
    return new Detection("car", CAR, 0.9f, ax - 60, ay - 80, 120, 80);
  }

  /** Runs every frame (frame i at i * STEP ms) and returns the results, end of stream included. */
  static List<FrameTracks> run(Tracker tracker, List<List<Detection>> frames) {
    List<FrameTracks> out = new ArrayList<>();
    for (int i = 0; i < frames.size(); i++) {
      out.add(tracker.update(i * STEP, frames.get(i)));
    }
    return out;
  }

  static List<TrackEvent> events(List<FrameTracks> frames) {
    List<TrackEvent> all = new ArrayList<>();
    frames.forEach(f -> all.addAll(f.events()));
    return all;
  }

  static <T extends TrackEvent> List<T> of(List<TrackEvent> events, Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static long crossings(List<TrackEvent> events, String line, Direction dir) {
    return of(events, TrackEvent.LineCrossed.class).stream()
        .filter(c -> c.line().equals(line) && c.direction() == dir).count();
  }

  static CameraLayout lines(CountLine... lines) {
    return new CameraLayout(List.of(lines), List.of());
  }
}
