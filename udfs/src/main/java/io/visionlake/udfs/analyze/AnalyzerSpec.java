package io.visionlake.udfs.analyze;

import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What an executor needs to build one analyser: its name, class and options. Small, immutable and
 * serialisable; the analyser itself (and its weights) never travel.
 */
public final class AnalyzerSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final String className;
  private final Map<String, String> options;

  public AnalyzerSpec(String name, String className, Map<String, String> options) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("analyser name must not be empty");
    }
    this.name = name;
    this.className = Objects.requireNonNull(className, "className");
    this.options = Collections.unmodifiableMap(new TreeMap<>(options));
  }

  public String name() {
    return name;
  }

  public String className() {
    return className;
  }

  public Map<String, String> options() {
    return options;
  }

  /** A new instance (cheap: heavy state is loaded lazily from {@link AnalyzerCache}). */
  public ImageAnalyzer create() {
    try {
      Class<?> cls = Class.forName(className, true, Thread.currentThread().getContextClassLoader() != null
          ? Thread.currentThread().getContextClassLoader() : AnalyzerSpec.class.getClassLoader());
      if (!ImageAnalyzer.class.isAssignableFrom(cls)) {
        throw new IllegalArgumentException("Analyser '" + name + "': " + className + " does not implement " + ImageAnalyzer.class.getName());
      }
      Constructor<?> ctor = cls.getConstructor(String.class, Map.class);
      return (ImageAnalyzer) ctor.newInstance(name, options);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("Analyser '" + name + "': class " + className + " not found", e);
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("Analyser '" + name + "': " + className + " needs a public (String name, Map<String,String> options) constructor", e);
    } catch (ReflectiveOperationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof IllegalArgumentException) {
        throw (IllegalArgumentException) cause;
      }
      throw new IllegalStateException("Analyser '" + name + "': cannot create " + className + ": " + cause, cause);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AnalyzerSpec && ((AnalyzerSpec) o).name.equals(name)
        && ((AnalyzerSpec) o).className.equals(className) && ((AnalyzerSpec) o).options.equals(options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, className, options);
  }

  @Override
  public String toString() {
    return "AnalyzerSpec{" + name + "=" + className + " " + options + "}";
  }
}
