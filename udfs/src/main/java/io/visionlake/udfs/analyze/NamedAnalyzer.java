package io.visionlake.udfs.analyze;

/**
 * Base of the built-in analysers: the name it was registered under ({@code people}, or a
 * configured alias such as {@code crowd}), which also prefixes its settings and error messages.
 */
public abstract class NamedAnalyzer implements ImageAnalyzer {
  protected final String name;

  protected NamedAnalyzer(String name) {
    this.name = name;
  }

  @Override
  public final String name() {
    return name;
  }
}
