package io.visionlake.jobs.cli;

import io.visionlake.jobs.conf.JobConf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Minimal {@code --name value} parser for job entry points: repeatable options, declared up front
 * so a typo is an error that lists what is accepted, and a usage text built from the declarations.
 */
public final class CliArgs {
  private final String command;
  private final Map<String, Option> declared = new LinkedHashMap<>();
  private final Map<String, List<String>> values = new LinkedHashMap<>();
  private final List<String> positionals = new ArrayList<>();
  private String positionalName;

  private CliArgs(String command) {
    this.command = command;
  }

  public static CliArgs forCommand(String command) {
    return new CliArgs(command);
  }

  public CliArgs option(String name, String valueName, String description) {
    declared.put(name, new Option(name, valueName, description, false));
    return this;
  }

  /** Accepts arguments that are not options, e.g. the SQL text of scripts/sql. */
  public CliArgs positional(String name) {
    this.positionalName = name;
    return this;
  }

  public List<String> positionals() {
    return positionals;
  }

  public CliArgs flag(String name, String description) {
    declared.put(name, new Option(name, null, description, true));
    return this;
  }

  public CliArgs parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new UsageException(usage());
      }
      Option option = declared.get(arg);
      if (option == null && positionalName != null && !arg.startsWith("--")) {
        positionals.add(arg);
        continue;
      }
      if (option == null) {
        throw new UsageException("Unknown argument '" + arg + "'.\n" + usage());
      }
      String value = "true";
      if (!option.flag) {
        if (i + 1 >= args.length) {
          throw new UsageException("Missing value for " + arg + " <" + option.valueName + ">.\n" + usage());
        }
        value = args[++i];
      }
      values.computeIfAbsent(arg, k -> new ArrayList<>()).add(value);
    }
    return this;
  }

  public List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  public String get(String name) {
    List<String> v = all(name);
    return v.isEmpty() ? null : v.get(v.size() - 1);
  }

  public String require(String name) {
    String v = get(name);
    if (v == null) {
      throw new UsageException("Missing required " + name + ".\n" + usage());
    }
    return v;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public Set<String> given() {
    return values.keySet();
  }

  /** The arguments as given, for the job_runs table; values of secret-looking keys are masked. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    values.forEach((k, vs) -> vs.forEach(v -> sb.append(sb.length() == 0 ? "" : " ").append(k)
        .append(declared.get(k).flag ? "" : " " + JobConf.maskIfSecret(v))));
    return sb.toString();
  }

  public String usage() {
    StringBuilder sb = new StringBuilder("Usage: " + command + " [options]" + (positionalName == null ? "" : " <" + positionalName + ">") + "\n");
    declared.values().forEach(o -> sb.append(String.format("  %-28s %s%n",
        o.name + (o.flag ? "" : " <" + o.valueName + ">"), o.description)));
    return sb.toString();
  }

  /** A command-line mistake: the message is meant for the user as is. */
  public static final class UsageException extends IllegalArgumentException {
    public UsageException(String message) {
      super(message);
    }
  }

  private static final class Option {
    final String name;
    final String valueName;
    final String description;
    final boolean flag;

    Option(String name, String valueName, String description, boolean flag) {
      this.name = name;
      this.valueName = valueName;
      this.description = description;
      this.flag = flag;
    }
  }
}
