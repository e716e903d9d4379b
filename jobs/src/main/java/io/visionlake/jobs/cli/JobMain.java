package io.visionlake.jobs.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Exit codes every entry point shares: 0 done, 2 bad arguments or settings, 1 failed. */
public final class JobMain {
  private static final Logger LOG = LoggerFactory.getLogger(JobMain.class);

  private JobMain() {}

  public interface Body {
    void run() throws Exception;
  }

  public static void run(String job, Body body) {
    try {
      body.run();
    } catch (CliArgs.UsageException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    } catch (IllegalArgumentException e) {
      System.err.println("visionlake " + job + ": " + e.getMessage());
      System.exit(2);
    } catch (Exception e) {
      LOG.error("visionlake {} failed", job, e);
      System.err.println("visionlake " + job + " failed: " + e);
      System.exit(1);
    }
  }
}
