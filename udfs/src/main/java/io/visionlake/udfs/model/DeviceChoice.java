package io.visionlake.udfs.model;

import java.util.Locale;

/** Where a model runs ({@code device} in a spec file); {@link TaskDevice} turns it into a DJL device per task. */
public enum DeviceChoice {
  /** The GPU Spark gave the task, if it gave one (spark.task.resource.gpu.amount); else the CPU. */
  AUTO,
  /** Always the CPU, even on a task holding a GPU. */
  CPU,
  /** The GPU Spark gave the task; a task without one fails with what to configure. */
  GPU;

  static DeviceChoice parse(String value, String key) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid model spec: '" + key + "' must be auto, cpu or gpu, got '" + value + "'");
    }
  }
}
