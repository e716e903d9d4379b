package io.visionlake.jobs.ops.notebook;

/**
 * The Markdown of notebook text cells, rendered to HTML: headings, paragraphs, bullet lists,
 * {@code inline code}, **bold** and *emphasis*. Everything is HTML-escaped first, so a cell cannot
 * inject markup or script into the page.
 */
public final class Markdown {
  private Markdown() {}

  static String toHtml(String markdown) {
    StringBuilder out = new StringBuilder();
    StringBuilder paragraph = new StringBuilder();
    boolean list = false;
    for (String raw : markdown.split("\n")) {
      String line = raw.stripTrailing();
      if (line.isBlank()) {
        flush(out, paragraph);
        if (list) {
          out.append("</ul>\n");
          list = false;
        }
        continue;
      }
      int level = 0;
      while (level < line.length() && level < 6 && line.charAt(level) == '#') {
        level++;
      }
      if (level > 0 && line.length() > level && line.charAt(level) == ' ') {
        flush(out, paragraph);
        out.append("<h").append(level + 1).append('>').append(inline(line.substring(level + 1).trim()))
            .append("</h").append(level + 1).append(">\n");
      } else if (line.startsWith("- ") || line.startsWith("* ")) {
        flush(out, paragraph);
        if (!list) {
          out.append("<ul>\n");
          list = true;
        }
        out.append("<li>").append(inline(line.substring(2).trim())).append("</li>\n");
      } else {
        paragraph.append(paragraph.length() == 0 ? "" : " ").append(line.trim());
      }
    }
    flush(out, paragraph);
    if (list) {
      out.append("</ul>\n");
    }
    return out.toString();
  }

  private static void flush(StringBuilder out, StringBuilder paragraph) {
    if (paragraph.length() > 0) {
      out.append("<p>").append(inline(paragraph.toString())).append("</p>\n");
      paragraph.setLength(0);
    }
  }

  private static String inline(String text) {
    return escape(text)
        .replaceAll("`([^`]+)`", "<code>$1</code>")
        .replaceAll("\\*\\*([^*]+)\\*\\*", "<strong>$1</strong>")
        .replaceAll("(?<![\\w*])\\*([^*]+)\\*(?![\\w*])", "<em>$1</em>");
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
