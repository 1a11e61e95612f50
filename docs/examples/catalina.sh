#!/bin/sh
# Stands in for Tomcat's bin/catalina.sh: a shell script that sets up the
# JVM's options and starts java, which binds the port (docs/tomcat.md).
here=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA:-java}
JAVA_OPTS="${JAVA_OPTS:-} -Xshare:auto -XX:+UseSerialGC"
# Not exec: like catalina.sh, the shell stays the JVM's parent.
"$JAVA" $JAVA_OPTS "$here/HelloServer.java" "${PORT:-80}"
