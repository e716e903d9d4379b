package io.visionlake.udfs.analyze.ocr;

import java.util.ArrayList;
import java.util.List;

/**
 * Greedy CTC decoding of the recogniser's per-step class probabilities: take the best class at
 * each step, collapse repeats, drop the blank. PaddleOCR's class layout: index 0 is the CTC blank,
 * 1..N are the dictionary's lines in order and, when the model has N + 2 classes, the last is a
 * space ({@code use_space_char}). The score is the mean probability of the kept characters.
 */
public final class CtcDecoder {
  private final List<String> symbols;

  /**
   * @param dictionary one character per entry, in dictionary-file order
   * @param classes the model's number of output classes: dictionary size + 1 (blank) or + 2 (blank, space)
   */
  public CtcDecoder(List<String> dictionary, int classes) {
    List<String> s = new ArrayList<>(classes);
    s.add("");
    s.addAll(dictionary);
    if (classes == dictionary.size() + 2) {
      s.add(" ");
    } else if (classes != dictionary.size() + 1) {
      throw new IllegalArgumentException("The recogniser has " + classes + " output classes but its dictionary has "
          + dictionary.size() + " entries; expected " + (dictionary.size() + 1) + " (with blank) or "
          + (dictionary.size() + 2) + " (blank and space): the dictionary does not belong to this model");
    }
    this.symbols = List.copyOf(s);
  }

  public int classes() {
    return symbols.size();
  }

  /** One decoded line. */
  public static final class Decoded {
    public final String text;
    public final float score;

    Decoded(String text, float score) {
      this.text = text;
      this.score = score;
    }

    @Override
    public String toString() {
      return "'" + text + "' " + score;
    }
  }

  /** Decodes {@code steps x classes()} probabilities starting at {@code offset}. */
  public Decoded decode(float[] probabilities, int offset, int steps) {
    int classes = symbols.size();
    StringBuilder text = new StringBuilder();
    double sum = 0;
    int kept = 0;
    int previous = -1;
    for (int t = 0; t < steps; t++) {
      int base = offset + t * classes;
      int best = 0;
      float bestP = probabilities[base];
      for (int c = 1; c < classes; c++) {
        if (probabilities[base + c] > bestP) {
          bestP = probabilities[base + c];
          best = c;
        }
      }
      if (best != 0 && best != previous) {
        text.append(symbols.get(best));
        sum += bestP;
        kept++;
      }
      previous = best;
    }
    return new Decoded(text.toString(), kept == 0 ? 0f : (float) (sum / kept));
  }
}
