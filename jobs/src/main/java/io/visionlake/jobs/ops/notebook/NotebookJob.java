package io.visionlake.jobs.ops.notebook;

import io.visionlake.jobs.cli.JobMain;

/** {@code scripts/notebook run <notebook.md> --lake <path> --out <dir>}: renders a notebook to one HTML page. */
public final class NotebookJob {
  private NotebookJob() {}

  public static void main(String[] args) {
    JobMain.run(NotebookCommand.NAME, new NotebookCommand(), args);
  }
}
