package io.visionlake.udfs.inference;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.util.AccumulatorV2;

/**
 * The distinct inference layouts a job's partitions ran with ({@link LayoutTuner.Choice#describe}),
 * for the driver to record in {@code job_runs}. A set, so a stream's endless tasks do not grow it.
 */
public final class LayoutAccumulator extends AccumulatorV2<String, Set<String>> {
  private static final long serialVersionUID = 1L;

  private final TreeSet<String> layouts = new TreeSet<>();

  @Override
  public boolean isZero() {
    synchronized (layouts) {
      return layouts.isEmpty();
    }
  }

  @Override
  public LayoutAccumulator copy() {
    LayoutAccumulator c = new LayoutAccumulator();
    synchronized (layouts) {
      c.layouts.addAll(layouts);
    }
    return c;
  }

  @Override
  public void reset() {
    synchronized (layouts) {
      layouts.clear();
    }
  }

  @Override
  public void add(String layout) {
    synchronized (layouts) {
      layouts.add(layout);
    }
  }

  @Override
  public void merge(AccumulatorV2<String, Set<String>> other) {
    Set<String> theirs = other.value();
    synchronized (layouts) {
      layouts.addAll(theirs);
    }
  }

  @Override
  public Set<String> value() {
    synchronized (layouts) {
      return Collections.unmodifiableSet(new TreeSet<>(layouts));
    }
  }

  /** The layouts joined by {@code "; "}, or null when none was recorded (no model ran). */
  public String joined() {
    Set<String> v = value();
    return v.isEmpty() ? null : String.join("; ", v);
  }
}
