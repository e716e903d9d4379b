package io.visionlake.udfs.model;

/**
 * The model cannot run at all on this executor: its weights do not load, the device it asks for is
 * not there, the engine's native libraries are missing. Unlike a bad image this is not a row: it
 * propagates out of the task and fails the job, so image_errors only ever describes images. The
 * message names the setting to fix (the spec's {@code uri}, {@code engine}, {@code device}).
 */
public class ModelUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public ModelUnavailableException(String message) {
    super(message);
  }

  public ModelUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The first ModelUnavailableException in {@code t}'s cause chain (Spark wraps a task's), or null. */
  public static ModelUnavailableException in(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof ModelUnavailableException) {
        return (ModelUnavailableException) c;
      }
    }
    return null;
  }
}
