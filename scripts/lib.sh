# Shared by the scripts: locations, the Java flags Spark needs on Java 17, and the local classpath.
# Sourced, not run.
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

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

require_build() {
  [ -f "$APP_JAR" ] && [ -f "$LOCAL_CP_FILE" ] || die "the project is not built: run scripts/setup first"
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
