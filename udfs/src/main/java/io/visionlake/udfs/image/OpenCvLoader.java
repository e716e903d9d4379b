package io.visionlake.udfs.image;

/**
 * Loads the OpenCV native library at most once per JVM.
 *
 * <p>Spark executors deserialize decoders in many tasks and threads; the holder idiom gives a
 * lock-free, JVM-guaranteed single initialisation. A load failure is remembered rather than
 * rethrown as {@code NoClassDefFoundError} on every later call, so each caller sees the original
 * cause.
 */
public final class OpenCvLoader {

  private OpenCvLoader() {}

  private static final class Holder {
    static final Throwable LOAD_FAILURE = load();

    private static Throwable load() {
      try {
        nu.pattern.OpenCV.loadLocally();
        return null;
      } catch (Throwable t) {
        return t;
      }
    }
  }

  /**
   * Ensures the native library is loaded.
   *
   * @throws IllegalStateException if the native library cannot be loaded on this machine; this is
   *     an environment problem, not bad input, so it is deliberately unchecked.
   */
  public static void ensureLoaded() {
    Throwable failure = Holder.LOAD_FAILURE;
    if (failure != null) {
      throw new IllegalStateException(
          "OpenCV native library failed to load (org.openpnp:opencv); check that the executor "
              + "platform is supported and its temp directory is writable",
          failure);
    }
  }
}
