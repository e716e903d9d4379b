package io.visionlake.udfs.track;

import java.io.Serializable;

/** What happened to a confirmed track in a frame. Every event names its track id and label. */
public sealed interface TrackEvent extends Serializable {

  int trackId();

  String label();

  /** The time the event refers to (an observation's capture time), not the frame that reported it. */
  long atMillis();

  enum Direction { IN, OUT }

  /** A track was confirmed; {@code atMillis} is its first observation (before confirmation). */
  record Started(int trackId, String label, long atMillis) implements TrackEvent {}

  /** A track ended; {@code atMillis} is its last observation. */
  record Ended(int trackId, String label, long firstSeenMillis, long atMillis) implements TrackEvent {}

  /** The anchor crossed a line; {@code atMillis} is the first observation on the new side. */
  record LineCrossed(int trackId, String label, String line, Direction direction, long atMillis)
      implements TrackEvent {}

  /** The anchor entered a zone; {@code atMillis} is the first observation inside. */
  record ZoneEntered(int trackId, String label, String zone, long atMillis) implements TrackEvent {}

  /**
   * The anchor left a zone, or the track ended inside it; {@code atMillis} is the first observation
   * outside (or the track's last observation) and {@code dwellMillis = atMillis - enteredAtMillis}.
   */
  record ZoneExited(int trackId, String label, String zone, long enteredAtMillis, long atMillis, long dwellMillis)
      implements TrackEvent {}

  /** The same event for another track id: events of a tentative track get their id at confirmation. */
  static TrackEvent withTrackId(TrackEvent e, int id) {
    if (e instanceof Started s) {
      return new Started(id, s.label(), s.atMillis());
    } else if (e instanceof Ended s) {
      return new Ended(id, s.label(), s.firstSeenMillis(), s.atMillis());
    } else if (e instanceof LineCrossed s) {
      return new LineCrossed(id, s.label(), s.line(), s.direction(), s.atMillis());
    } else if (e instanceof ZoneEntered s) {
      return new ZoneEntered(id, s.label(), s.zone(), s.atMillis());
    }
    ZoneExited s = (ZoneExited) e;
    return new ZoneExited(id, s.label(), s.zone(), s.enteredAtMillis(), s.atMillis(), s.dwellMillis());
  }
}
