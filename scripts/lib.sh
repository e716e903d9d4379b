# Shared by the scripts: locations, the Java flags Spark needs on Java 17, the local classpath, and
# the error reporting every script gets. Sourced, not run, after `set -euo pipefail`.

# No script fails silently: a command that fails (set -e) names itself on stderr before the script
# exits with that command's exit code:
#   demo: failed at line 10: scripts/submit batch --input ... (exit 1)
# -E carries the trap into functions (run_java, the scripts' own). Only the script's own shell
# reports: a command substitution or pipeline element that fails is reported by the line that ran
# it, and one whose failure the script tolerates (`x=$(grep ...) || true`) prints nothing.
set -E
vl_report_error() {
  local rc="$1" line="$2" command="$3" n="${#FUNCNAME[@]}" inner=""
  [ "$BASH_SUBSHELL" -eq 0 ] || return 0
  # In a function (run_java, ...): the line is the script's own line that called it, and the
  # function and its file's line come after the command.
  if [ "$n" -gt 2 ]; then
    inner=" [in ${FUNCNAME[1]}, $(basename "${BASH_SOURCE[1]}") line $line]"
    line="${BASH_LINENO[n - 2]}"
  fi
  command="$(tr -s ' \n\\' ' ' <<<"$command")"
  [ "${#command}" -le 160 ] || command="${command:0:157}..."
  echo "$(basename "$0"): failed at line $line: ${command% }${inner} (exit $rc)" >&2
}
trap 'vl_report_error $? $LINENO "$BASH_COMMAND"' ERR
VISIONLAKE_HOME="${VISIONLAKE_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export VISIONLAKE_HOME
export SPARK_LOCAL_IP=127.0.0.1
APP_JAR="$VISIONLAKE_HOME/jobs/target/visionlake-jobs-0.1.0-SNAPSHOT-app.jar"
LOCAL_CP_FILE="$VISIONLAKE_HOME/jobs/target/local-classpath.txt"
# The module opens Spark's launcher adds on Java 17 (JavaModuleOptions).
JAVA_OPENS=(-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false
  -Dio.netty.tryReflectionSetAccessible=true --enable-native-access=ALL-UNNAMED)

# A problem the user must fix before the script can run (bad argument, missing build or data): the
# message says what and how; exit 2.
die() { echo "$(basename "$0"): $*" >&2; exit 2; }

require_build() {
  [ -f "$APP_JAR" ] && [ -f "$LOCAL_CP_FILE" ] \
    || die "the project is not built ($APP_JAR or $LOCAL_CP_FILE is missing): run scripts/setup, or mvn -B -q -pl jobs -am package -DskipTests"
}

# Dies unless the sample data scripts/setup builds is there: $1 a file or folder, $2 what it is.
require_samples() {
  [ -e "$1" ] || die "$2 missing ($1): run scripts/setup first"
}

# The jar of a module without a shaded app jar (tools, bench): run on its own local classpath.
module_jar() { echo "$VISIONLAKE_HOME/$1/target/visionlake-$1-0.1.0-SNAPSHOT.jar"; }

# Runs a main class on a module's local classpath (Spark included where the module uses Spark):
#   run_java MAIN ARGS...                    the jobs module (the app jar)
#   run_java --module tools|bench MAIN ARGS...
# Each module's package phase writes its target/local-classpath.txt.
run_java() {
  local jar="$APP_JAR" cp_file="$LOCAL_CP_FILE"
  if [ "${1:-}" = --module ]; then
    local module="${2:?run_java --module needs a module folder: tools or bench}"
    shift 2
    jar=$(module_jar "$module")
    cp_file="$VISIONLAKE_HOME/$module/target/local-classpath.txt"
    [ -f "$jar" ] && [ -f "$cp_file" ] || die "the $module module is not built ($jar or $cp_file is missing): run scripts/setup first"
  else
    require_build
  fi
  local main="$1"; shift
  # VISIONLAKE_JAVA_OPTS: extra JVM flags for the local JVM (e.g. -Xms4g, a flight recording).
  # shellcheck disable=SC2086
  java "${JAVA_OPENS[@]}" -Xmx"${VISIONLAKE_DRIVER_MEMORY:-4g}" ${VISIONLAKE_JAVA_OPTS:-} -Dai.djl.offline=true \
    -Dvisionlake.home="$VISIONLAKE_HOME" -Dlog4j2.configurationFile="$VISIONLAKE_HOME/conf/log4j2.properties" \
    -cp "$jar:$(cat "$cp_file")" "$main" "$@"
}
