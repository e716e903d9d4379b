package io.visionlake.jobs.backfill;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Where one day's files live under a backfill input root: {@code <root>/date=YYYY-MM-DD/} (Hive
 * style, the default) or {@code <root>/YYYY/MM/DD/}. The day in the path is the day the files
 * belong to (their capture or landing day); it becomes the {@code ingest_date} of their rows.
 */
public enum DayLayout {
  HIVE("date=YYYY-MM-DD", DateTimeFormatter.ofPattern("'date='yyyy-MM-dd", Locale.ROOT)),
  NESTED("YYYY/MM/DD", DateTimeFormatter.ofPattern("yyyy/MM/dd", Locale.ROOT));

  private final String spelling;
  private final DateTimeFormatter format;

  DayLayout(String spelling, DateTimeFormatter format) {
    this.spelling = spelling;
    this.format = format;
  }

  /** Parses the {@code --layout} value. */
  static DayLayout parse(String value) {
    if (value == null) {
      return HIVE;
    }
    for (DayLayout l : values()) {
      if (l.spelling.equalsIgnoreCase(value.trim())) {
        return l;
      }
    }
    throw new IllegalArgumentException("--layout must be date=YYYY-MM-DD or YYYY/MM/DD, got '" + value + "'");
  }

  /** The day's folder under {@code root} (a path or URI, no trailing slash needed). */
  public String dayDir(String root, LocalDate day) {
    return (root.endsWith("/") ? root : root + "/") + format.format(day);
  }

  @Override
  public String toString() {
    return spelling;
  }
}
