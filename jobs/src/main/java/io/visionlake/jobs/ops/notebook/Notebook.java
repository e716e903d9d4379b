package io.visionlake.jobs.ops.notebook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A notebook: a Markdown file whose {@code ```sql} fenced blocks are Spark SQL cells and whose
 * other text is Markdown cells. A SQL cell's fence line carries its chart spec as {@code key=value}
 * pairs, e.g. {@code ```sql chart=line x=window_start y=frames series=camera_id title="Flow"}:
 * plain text, so notebooks diff and review like code.
 */
public final class Notebook {
  private static final Pattern FENCE = Pattern.compile("^```sql\\b(.*)$");
  private static final Pattern PAIR = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");

  public final String name;
  public final List<Cell> cells;

  private Notebook(String name, List<Cell> cells) {
    this.name = name;
    this.cells = Collections.unmodifiableList(cells);
  }

  public static Notebook read(Path file) {
    try {
      String name = file.getFileName().toString().replaceFirst("\\.md$", "");
      return parse(name, Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read notebook " + file + ": " + e.getMessage(), e);
    }
  }

  static Notebook parse(String name, String text) {
    List<Cell> cells = new ArrayList<>();
    StringBuilder markdown = new StringBuilder();
    StringBuilder sql = null;
    Map<String, String> spec = null;
    int markdownStart = 1;
    int sqlStart = 0;
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int lineNo = i + 1;
      if (sql == null) {
        Matcher m = FENCE.matcher(line);
        if (m.matches()) {
          addMarkdown(cells, markdown, markdownStart);
          markdown.setLength(0);
          spec = parseSpec(m.group(1), name, lineNo);
          sql = new StringBuilder();
          sqlStart = lineNo;
        } else {
          if (markdown.length() == 0) {
            markdownStart = lineNo;
          }
          markdown.append(line).append('\n');
        }
      } else if (line.startsWith("```")) {
        cells.add(Cell.sql(cells.size() + 1, sqlStart, sql.toString().trim(), spec));
        sql = null;
        markdownStart = lineNo + 1;
      } else {
        sql.append(line).append('\n');
      }
    }
    if (sql != null) {
      throw new IllegalArgumentException("Notebook " + name + ": the SQL cell opened at line " + sqlStart + " is never closed with ```");
    }
    addMarkdown(cells, markdown, markdownStart);
    return new Notebook(name, cells);
  }

  private static void addMarkdown(List<Cell> cells, StringBuilder markdown, int line) {
    if (!markdown.toString().isBlank()) {
      cells.add(Cell.markdown(cells.size() + 1, line, markdown.toString().trim()));
    }
  }

  private static Map<String, String> parseSpec(String text, String notebook, int line) {
    Map<String, String> spec = new LinkedHashMap<>();
    Matcher m = PAIR.matcher(text);
    int end = 0;
    while (m.find()) {
      if (!text.substring(end, m.start()).isBlank()) {
        throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": cannot read '"
            + text.substring(end, m.start()).trim() + "' in the chart spec; write key=value pairs");
      }
      String v = m.group(2);
      spec.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
      end = m.end();
    }
    if (!text.substring(end).isBlank()) {
      throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": cannot read '" + text.substring(end).trim()
          + "' in the chart spec; write key=value pairs");
    }
    ChartSpec.validate(spec, notebook, line);
    return spec;
  }

  /** A Markdown or SQL cell; {@code line} is where it starts in the file. */
  public static final class Cell {
    public final int index;
    public final int line;
    public final boolean isSql;
    public final String text;
    public final Map<String, String> spec;

    private Cell(int index, int line, boolean isSql, String text, Map<String, String> spec) {
      this.index = index;
      this.line = line;
      this.isSql = isSql;
      this.text = text;
      this.spec = spec == null ? Map.of() : Collections.unmodifiableMap(spec);
    }

    static Cell sql(int index, int line, String text, Map<String, String> spec) {
      return new Cell(index, line, true, text, spec);
    }

    static Cell markdown(int index, int line, String text) {
      return new Cell(index, line, false, text, null);
    }

    public String chart() {
      return spec.getOrDefault("chart", "table");
    }

    public String title() {
      return spec.getOrDefault("title", "Cell " + index);
    }

    /** How error messages name the cell. */
    public String describe(String notebook) {
      return "cell " + index + " (" + notebook + " line " + line + (spec.containsKey("title") ? ", '" + spec.get("title") + "'" : "") + ")";
    }
  }
}
