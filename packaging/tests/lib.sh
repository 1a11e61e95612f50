# The package tests' library: sourced by each test, outside and inside a
# throwaway root (in_throwaway_root copies these files to /tmp there).
here_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here_lib/checks.sh"
. "$here_lib/root.sh"
. "$here_lib/inside.sh"
