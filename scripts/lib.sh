# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The prologue of every script in scripts/, sourced as
#   . "$(dirname "$0")/lib.sh"
# It turns on strict mode (set -euo pipefail; a script that counts
# failures itself, like test and run-golden, turns -e off after sourcing)
# and sets
#   top     the source tree
#   build   the one normal build directory, $top/build: vmsh, its tests,
#           the golden and differential runs all use it
#   jobs    parallelism for ninja and meson test (VMSH_JOBS, default 2)
# Functions:
#   run_setup [-v]         install the missing Debian packages (scripts/setup;
#                          -v: say so when nothing is missing too)
#   say TEXT               one progress line on stderr: "scripts/NAME: TEXT"
#   build_targets [T...]   configure $build when it is not, build T... (all
#                          when none), one line per step on stderr when
#                          there is work; the build's log only on failure
#   golden_directive FILE  the test's first-line directive: sets
#                          golden_args (# args:) or golden_cmdline (# cmdline:)
#   golden_env             the environment golden runs need (LC_ALL=C, no
#                          NO_COLOR, a private HOME); call once, after mktemp
#   golden_run VMSH FILE DIR [OPTION...]
#                          run one golden test as scripts/run-golden does,
#                          OPTIONs first: DIR/out, DIR/err, DIR/status
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$top/build
jobs=${VMSH_JOBS:-2}

run_setup() {	# run_setup [-v]
	"$top/scripts/setup" "$@" >&2
}

# One progress line on stderr, named after the script that runs.
say() {
	echo "scripts/${0##*/}: $*" >&2
}

build_targets() {
	local t0=$SECONDS what=${*:-everything}
	if [ ! -f "$build/build.ninja" ]; then
		say "configuring ${build#"$top"/}/ (meson setup)"
		meson setup "$build" "$top" >/dev/null
	fi
	# a line only when there is something to build; quiet when it works,
	# the whole log when it does not
	case $(ninja -C "$build" -n "$@" 2>/dev/null) in
	*"no work to do"*) return 0 ;;
	esac
	say "building $what (ninja -j$jobs)"
	ninja -C "$build" -j"$jobs" "$@" >/dev/null || ninja -C "$build" -j"$jobs" "$@" >&2
	say "built $what in $((SECONDS - t0)) s"
}

golden_directive() {
	local first
	first=$(head -n 1 "$1")
	golden_args=""
	golden_cmdline=""
	case "$first" in
	"# args:"*) golden_args=${first#"# args:"} ;;
	"# cmdline:"*) golden_cmdline=${first#"# cmdline:"} ;;
	esac
}

golden_env() {	# golden_env TMPDIR
	export LC_ALL=C
	unset NO_COLOR VMSH_OPTIONS
	export HOME="$1/home" XDG_STATE_HOME="$1/state"
	mkdir -p "$HOME"
}

# The test runs in its own directory (for `source inc/...`), in batch mode:
# `# cmdline:` tests get the file on standard input, the others /dev/null.
# ARGS are split by the shell (quotes work), hence the eval.
golden_run() {	# golden_run VMSH FILE DIR [OPTION...]
	# shellcheck disable=SC2034  # vmsh and opts are used inside eval
	local vmsh=$1 t=$2 dir=$3 name tdir status
	shift 3
	# shellcheck disable=SC2034
	local opts=("$@")
	name=$(basename "$t" .vmsh)
	tdir=$(cd "$(dirname "$t")" && pwd)
	golden_directive "$t"
	status=0
	(
		cd "$tdir" || exit 99
		if [ -n "$golden_cmdline" ]; then
			eval "exec timeout 120 ${VMSH_WRAPPER:-} \"\$vmsh\" \"\${opts[@]}\" $golden_cmdline" <"$name.vmsh"
		else
			eval "exec timeout 120 ${VMSH_WRAPPER:-} \"\$vmsh\" \"\${opts[@]}\" $golden_args \"\$name.vmsh\"" </dev/null
		fi
	) >"$dir/out" 2>"$dir/err" || status=$?
	echo "$status" >"$dir/status"
}
