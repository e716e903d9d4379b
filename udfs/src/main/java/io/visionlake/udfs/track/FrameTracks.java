package io.visionlake.udfs.track;

import java.util.List;

/**
 * The tracker's answer for one frame.
 *
 * @param capturedAtMillis the frame's capture time
 * @param trackIds         one entry per input detection, in input order: its confirmed track's id, or
 *                         -1 (tentative track, ignored low score, or unmatched low-score detection)
 * @param events           this frame's events: tracks ended by age first, then per track (oldest
 *                         first) confirmation, line crossings and zone enter/exit
 */
public record FrameTracks(long capturedAtMillis, List<Integer> trackIds, List<TrackEvent> events) {

  public FrameTracks {
    trackIds = List.copyOf(trackIds);
    events = List.copyOf(events);
  }
}
