package io.visionlake.jobs.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code --version} of every command: the jobs jar's Implementation-Version, when the manifest has one. */
public final class JobVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = JobVersion.class.getPackage().getImplementationVersion();
    return new String[] {"visionlake " + (version != null ? version : "(version not recorded: not run from a packaged jar)")};
  }
}
