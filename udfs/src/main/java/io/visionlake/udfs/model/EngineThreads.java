package io.visionlake.udfs.model;

import org.apache.spark.TaskContext;

/**
 * The one engine-thread policy: how many intra-op threads a model (or an analyser's model) gets in
 * a task. An explicit setting ({@code spark.visionlake.threads}, an analyser's {@code threads})
 * wins, then the spec's {@code threads}, then the task's cores ({@code spark.task.cpus}), so
 * concurrent tasks on an executor do not oversubscribe its cores. Outside a Spark task (a unit
 * test, a tool) it is the machine's processors.
 */
public final class EngineThreads {
  private EngineThreads() {}

  /**
   * @param requested an explicit thread count, 0 for none
   * @param spec the model's spec (its {@code threads}, 0 for none), or null
   */
  public static int resolve(int requested, ModelSpec spec) {
    if (requested > 0) {
      return requested;
    }
    if (spec != null && spec.threads() > 0) {
      return spec.threads();
    }
    TaskContext task = TaskContext.get();
    return task != null ? Math.max(1, task.cpus()) : Math.max(1, Runtime.getRuntime().availableProcessors());
  }
}
