#!/bin/bash
# docs.sh: build docs/ (grafted as Documentation/core-api/tdpmmu/) with the
# kernel tree's own Sphinx setup, `make htmldocs SPHINXDIRS=core-api/tdpmmu`,
# into $CACHE/build-docs.  One result line per page to $TAP, failed by any
# Sphinx message that names the page, a missing SPDX line, or a kernel-doc
# -Wall warning in a file the page pulls in with `.. kernel-doc::`; and one
# line for the build itself, failed by its exit status or any other message.
# HTML: $CACHE/build-docs/Documentation/output/core-api/tdpmmu/index.html
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdpmmu}
TAP=${TAP:-/dev/stdout}
sphinxdir=core-api/tdpmmu
sphinx=${SPHINXBUILD:-sphinx-build}

if ! command -v "$sphinx" >/dev/null; then
	msg="$sphinx not found: install python3-sphinx (sudo scripts/setup.sh)"
	echo "docs: $msg" >&2
	echo "not ok docs $msg" >>"$TAP"
	exit 1
fi

src=$("$root/scripts/graft.sh" | tail -n 1)
out=$cache/build-docs
mkdir -p "$out"
cd "$root"

log=$(mktemp); trap 'rm -f "$log"' EXIT
start=$SECONDS
rc=0
# -E: reread every page, so that an unchanged page still reports.
make -C "$src" O="$out" SPHINXBUILD="$sphinx" SPHINXDIRS="$sphinxdir" \
	SPHINXOPTS="-E -q" htmldocs >"$log" 2>&1 || rc=$?
cat "$log"
echo "docs: htmldocs took $((SECONDS - start)) s, exit status $rc" >&2

# Every message Sphinx, docutils or kernel-doc prints.
msgs=$(grep -E 'WARNING|ERROR|SEVERE|CRITICAL|[Ww]arning:|[Ee]rror:' "$log" || true)
other=$msgs
for f in docs/*.rst; do
	page=$(basename "$f")
	bad=$(grep -F "/$sphinxdir/$page:" <<<"$msgs" || true)
	other=$(grep -vF "/$sphinxdir/$page:" <<<"$other" || true)
	head -n 1 "$f" | grep -qx '.. SPDX-License-Identifier: .*' ||
		bad+=$'\n'"$f: no SPDX-License-Identifier on the first line"
	for k in $(sed -n 's/^\.\. kernel-doc:: *//p' "$f" | sort -u); do
		if [[ ! -f $src/$k ]]; then
			bad+=$'\n'"$f: kernel-doc source $k not in the tree"
			continue
		fi
		bad+=$'\n'$("$src/scripts/kernel-doc" -none -Wall "$src/$k" 2>&1 || true)
	done
	bad=$(sed '/^$/d' <<<"$bad")
	if [[ -z $bad ]]; then
		echo "ok docs $page"
	else
		echo "not ok docs $page"
		sed 's/^/# /' <<<"$bad"
	fi >>"$TAP"
done

if [[ $rc == 0 && -z $other && -f $out/Documentation/output/$sphinxdir/index.html ]]; then
	echo "ok docs htmldocs $sphinxdir"
else
	echo "not ok docs htmldocs $sphinxdir (exit status $rc)"
	if [[ -n $other ]]; then sed 's/^/# /' <<<"$other"
	else tail -n 20 "$log" | sed 's/^/# /'
	fi
fi >>"$TAP"
