#!/bin/sh
# A Tomcat-style start script (docs/tomcat.md): the server is a shell
# script that starts java, so the grant must reach a grandchild:
# `authbind --deep` keeps the preload for every program below it (the
# default, --depth 1, stops at the script). Debian's tomcat packages did
# the same with AUTHBIND=yes.
here=$(cd "$(dirname "$0")" && pwd)
exec authbind --deep "$here/catalina.sh" "$@"
