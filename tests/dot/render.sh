#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The `dot` drawings must render with the real Graphviz: run a few scripts
# through vmsh, draw tree, pt and vmas, and render each with `dot -Tsvg`.
# Any error or warning from dot fails the test.  Skips (exit 77) when dot
# is not installed.
#
#   tests/dot/render.sh VMSH
set -u

if ! command -v dot >/dev/null 2>&1; then
	echo "SKIP: Graphviz 'dot' not found: the dot drawings were NOT checked" >&2
	exit 77
fi
vmsh=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
fail=0

draw() {        # NAME OPTIONS SCRIPT
	name=$1 opts=$2 script=$3
	# shellcheck disable=SC2086
	if ! "$vmsh" $opts -c "$script; dot tree $tmp/$name-tree.dot; dot pt $tmp/$name-pt.dot; dot vmas $tmp/$name-vmas.dot" \
		>"$tmp/$name.out" 2>&1; then
		echo "FAIL $name: vmsh failed:" >&2
		cat "$tmp/$name.out" >&2
		fail=1
		return
	fi
	for w in tree pt vmas; do
		f=$tmp/$name-$w.dot
		if [ ! -s "$f" ]; then
			echo "FAIL $name: dot $w wrote nothing" >&2
			fail=1
			continue
		fi
		if ! dot -Tsvg "$f" -o "$f.svg" 2>"$f.err" || [ -s "$f.err" ]; then
			echo "FAIL $name: dot -Tsvg $w:" >&2
			cat "$f.err" >&2
			fail=1
		else
			echo "ok $name $w"
		fi
	done
}

draw empty "" "munmap 0 0x7ffffffff000"
draw initial "" "echo"
draw small "" "mmap 0x200000000000 64K rw- private|anon; write 0x200000000000 8K; mmap 0x200000100000 16K r-- private|anon; touch 0x200000100000 16K; mprotect 0x200000004000 4K r--"
draw many "" "mmap 0x200000000000 4K rw- private|anon; mmap 0x200000002000 4K r-- private|anon; mmap 0x200000004000 4K rw- private|anon; mmap 0x200000006000 4K r-x private|anon; mmap 0x200000008000 4K rw- shared|anon; mmap 0x20000000a000 4K --- private|anon; mmap 0x20000000c000 4K rw- private|anon; write 0x200000000000 1; write 0x20000000c000 1; brk 0x555555600000; touch 0x555555559000 64K"
draw fork "" "mmap 0x200000000000 16K rw- private|anon; write 0x200000000000 16K; fork; write 0x200000000000 1"
draw file "" "file create data 16K; file write data 0 \"hello\"; mmap 0x200000000000 16K rw- shared data; touch 0x200000000000 16K; mmap 0x200000010000 8K r-- private data"
draw levels5 "--levels 5" "mmap 0x200000000000 8K rw- private|anon; write 0x200000000000 8K"
draw levels2 "--levels 2" "mmap 0x100000 8K rw- private|anon; write 0x100000 8K"
# dot FILE renders by FILE's extension: .svg/.png/.pdf through Graphviz,
# .dot/.gv as text; without the dot program a rendering is an error
render() {      # FILE CHECK-REGEX (of `file`'s answer)
	rm -f "$tmp/$1"
	if "$vmsh" -c "mmap 0x200000000000 8K rw- private|anon; dot vmas $tmp/$1" >"$tmp/r.out" 2>&1 &&
	   [ -s "$tmp/$1" ] && head -c 512 "$tmp/$1" | grep -aqE "$2"; then
		echo "ok render $1"
	else
		echo "FAIL render $1:" >&2
		cat "$tmp/r.out" >&2
		fail=1
	fi
}
render r.svg '<svg|<\?xml'
render r.png 'PNG'
render r.pdf '%PDF'
render r.gv '^digraph|^graph'
render r.dot '^digraph|^graph'
if PATH=/nonexistent "$vmsh" -e -c "dot vmas $tmp/none.svg" >"$tmp/n.out" 2>&1 ||
   ! grep -q "dot: $tmp/none.svg: Graphviz cannot render it" "$tmp/n.out" || [ -e "$tmp/none.svg" ]; then
	echo "FAIL rendering without Graphviz is not one error line:" >&2
	cat "$tmp/n.out" >&2
	fail=1
else
	echo "ok no Graphviz: an error"
fi
exit $fail
