package io.visionlake.udfs.model;

import ai.djl.Device;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The DJL {@link Device} a task runs its model on, from the resources Spark's scheduler assigned to
 * that task ({@code TaskContext.resources()}): with {@code spark.executor.resource.gpu.amount} and
 * {@code spark.task.resource.gpu.amount} set, each task is handed GPU addresses, and the model runs
 * on the first of them. Tasks sharing a GPU (an amount below 1) share its address, hence its model.
 * Pure selection logic: no GPU is touched here.
 */
public final class TaskDevice {
  /** Spark's resource name for GPUs (spark.executor.resource.gpu.*, spark.task.resource.gpu.*). */
  public static final String GPU = "gpu";

  private TaskDevice() {}

  /** The device for the task running on this thread; outside a task (the driver, local tools) the CPU unless {@code choice} is GPU. */
  public static Device forCurrentTask(DeviceChoice choice, String modelName) {
    TaskContext task = TaskContext.get();
    return choose(choice, task == null ? Map.of() : task.resourcesJMap(), modelName);
  }

  /** The selection itself, from a task's resources. */
  public static Device choose(DeviceChoice choice, Map<String, ResourceInformation> resources, String modelName) {
    if (choice == DeviceChoice.CPU) {
      return Device.cpu();
    }
    ResourceInformation gpu = resources.get(GPU);
    String[] addresses = gpu == null ? new String[0] : gpu.addresses();
    if (addresses.length == 0) {
      if (choice == DeviceChoice.GPU) {
        throw new ModelUnavailableException("Model '" + modelName + "' has device=gpu but Spark gave this task no GPU: submit with"
            + " --conf spark.executor.resource.gpu.amount=N --conf spark.task.resource.gpu.amount=<GPUs per task, e.g. 0.25>"
            + " and a discovery script (spark.executor.resource.gpu.discoveryScript), or set device=auto to fall back to the CPU");
      }
      return Device.cpu();
    }
    String address = addresses[0].trim();
    try {
      int id = Integer.parseInt(address);
      if (id < 0) {
        throw new NumberFormatException();
      }
      return Device.gpu(id);
    } catch (NumberFormatException e) {
      throw new ModelUnavailableException("Spark gave this task GPU address '" + address + "' for model '" + modelName
          + "'; CUDA device ids are non-negative integers: check the GPU discovery script's output");
    }
  }
}
