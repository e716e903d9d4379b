package io.visionlake.udfs.track;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of one {@link Tracker}, immutable and checked when built. Keys are
 * {@code spark.visionlake.tracker.<component>} (see docs/configuration.md, which holds the defaults).
 *
 * @param highScore    detections scoring at least this are matched first and may start tracks (0.4, the objects analyser's
 *                     default minScore: every kept box may start a track)
 * @param lowScore     detections scoring at least this but below {@code highScore} only continue
 *                     confirmed tracks (ByteTrack's second stage); lower scores are ignored (0.1)
 * @param matchIou     least IoU between a track's predicted box and a high-score detection (0.2)
 * @param lowMatchIou  least IoU for the low-score stage, stricter because those boxes are doubtful (0.5)
 * @param minHits      frames a new track must be matched in before it is confirmed and gets an id (3)
 * @param maxAgeMillis a track not matched for longer than this ends, tentative or confirmed (2000 ms)
 * @param classGroups  classes a detector confuses with one another, frame to frame, on one object (car,
 *                     truck, bus): a track matches detections of any class of its group and keeps the
 *                     class it started with, so a flickering label does not split one vehicle into
 *                     several tracks (and several crossings)
 */
public record TrackerSettings(double highScore, double lowScore, double matchIou, double lowMatchIou,
    int minHits, long maxAgeMillis, List<Set<String>> classGroups) implements Serializable {

  public static final String PREFIX = "spark.visionlake.tracker.";
  /** COCO's road vehicles: CenterNet and NanoDet switch between them on one van from frame to frame. */
  public static final List<Set<String>> VEHICLES = List.of(Set.of("car", "truck", "bus"));
  public static final TrackerSettings DEFAULTS = new TrackerSettings(0.4, 0.1, 0.2, 0.5, 3, 2000, VEHICLES);

  /** Settings with the default class groups. */
  public TrackerSettings(double highScore, double lowScore, double matchIou, double lowMatchIou, int minHits, long maxAgeMillis) {
    this(highScore, lowScore, matchIou, lowMatchIou, minHits, maxAgeMillis, VEHICLES);
  }

  public TrackerSettings {
    check(!(lowScore < 0 || lowScore > 1), "lowScore", lowScore, "a score between 0 and 1");
    check(!(highScore < lowScore || highScore > 1), "highScore", highScore,
        "a score between lowScore (" + lowScore + ") and 1");
    check(matchIou > 0 && matchIou <= 1, "matchIou", matchIou, "an IoU above 0 and at most 1");
    check(lowMatchIou > 0 && lowMatchIou <= 1, "lowMatchIou", lowMatchIou, "an IoU above 0 and at most 1");
    check(minHits >= 1, "minHits", minHits, "at least 1 (1 confirms a track on its first frame)");
    check(maxAgeMillis >= 0, "maxAgeMillis", maxAgeMillis, "0 or more milliseconds");
    Set<String> seen = new java.util.HashSet<>();
    List<Set<String>> groups = new ArrayList<>();
    for (Set<String> g : classGroups) {
      for (String label : g) {
        check(seen.add(label), "classGroups", classGroups, "each class in one group at most ('" + label + "' is in two)");
      }
      groups.add(Set.copyOf(g));
    }
    classGroups = List.copyOf(groups);
  }

  /** Whether a track of class {@code a} may take a detection of class {@code b}: the same class or one group. */
  public boolean sameGroup(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    for (Set<String> g : classGroups) {
      if (g.contains(a)) {
        return g.contains(b);
      }
    }
    return false;
  }

  /** {@code car|truck|bus,bicycle|motorcycle}: groups separated by commas, classes by '|'; empty: none. */
  static List<Set<String>> parseGroups(String v) {
    List<Set<String>> groups = new ArrayList<>();
    for (String group : v.split(",")) {
      Set<String> g = new LinkedHashSet<>();
      for (String label : group.split("\\|")) {
        if (!label.isBlank()) {
          g.add(label.strip());
        }
      }
      if (g.size() == 1) {
        throw new IllegalArgumentException(PREFIX + "classGroups = '" + v + "': the group '" + group.strip()
            + "' has one class; write classes separated by '|', groups by ',', e.g. car|truck|bus,bicycle|motorcycle");
      }
      if (!g.isEmpty()) {
        groups.add(g);
      }
    }
    return groups;
  }

  private static void check(boolean ok, String name, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(
          PREFIX + name + " = " + value + " is out of range: write " + expected);
    }
  }

  /**
   * Settings from {@code spark.visionlake.tracker.*} keys of a configuration map (other keys are
   * ignored); a missing key keeps its default, an unknown tracker key or a malformed value is an
   * error naming the key.
   */
  public static TrackerSettings fromConf(Map<String, String> conf) {
    Set<String> known = Set.of("highScore", "lowScore", "matchIou", "lowMatchIou", "minHits", "maxAgeMillis", "classGroups");
    Set<String> unknown = new TreeSet<>();
    for (String key : conf.keySet()) {
      if (key.startsWith(PREFIX) && !known.contains(key.substring(PREFIX.length()))) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("Unknown tracker setting(s) " + unknown + "; the settings are "
          + new TreeSet<>(known).stream().map(k -> PREFIX + k).toList());
    }
    TrackerSettings d = DEFAULTS;
    return new TrackerSettings(
        dbl(conf, "highScore", d.highScore), dbl(conf, "lowScore", d.lowScore),
        dbl(conf, "matchIou", d.matchIou), dbl(conf, "lowMatchIou", d.lowMatchIou),
        (int) lng(conf, "minHits", d.minHits), lng(conf, "maxAgeMillis", d.maxAgeMillis),
        conf.containsKey(PREFIX + "classGroups") ? parseGroups(conf.get(PREFIX + "classGroups")) : d.classGroups);
  }

  private static double dbl(Map<String, String> conf, String name, double dflt) {
    String v = conf.get(PREFIX + name);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PREFIX + name + " = '" + v + "' is not a number; write e.g. " + dflt);
    }
  }

  private static long lng(Map<String, String> conf, String name, long dflt) {
    String v = conf.get(PREFIX + name);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          PREFIX + name + " = '" + v + "' is not a whole number; write e.g. " + dflt);
    }
  }
}
