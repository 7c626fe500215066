#!/bin/bash
# Create or update the build copy of the base tree with the project grafted in.
#
# Copy: $CACHE/src-<key> (key "debian", or a hash of realpath(KDIR)).  Hook
# patches (scripts/hooks/*.patch) are applied to pristine files and project
# files are placed per scripts/graft.map, all in a staging dir; the stage is
# then synced into the copy by checksum so unchanged files keep their mtime.
# Files grafted last time but not now are restored from the base.
#
# stdout: the copy path (last line).  Everything else goes to stderr.
#
# GRAFT_LIST=1: only print what would be grafted, one "<project-file>
# <kernel-path>" line per file and one "hook:<name> <kernel-path>" line per
# file a hook patch edits, and exit without touching the copy (scripts/series.sh
# builds the upstream series from this list).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdpmmu}
map=${GRAFT_MAP:-$root/scripts/graft.map}
hooks=${GRAFT_HOOKS:-$root/scripts/hooks}
list=${GRAFT_LIST:-}

say() { echo "graft: $*" >&2; }
die() { say "$*"; exit 1; }

base=$(CACHE=$cache "$root/scripts/kernel-tree.sh")
if [[ -n ${KDIR:-} ]]; then
	key=$(printf %s "$base" | sha256sum | cut -c1-12)
else
	key=debian
fi
copy=$cache/src-$key
mkdir -p "$cache"

if [[ -n $list ]]; then :
else
exec 9>"$cache/.graft-$key.lock"
flock 9
fi

if [[ -z $list && ! -d $copy ]]; then
	say "first run: copying $base to $copy (about a minute)..."
	rm -rf "$copy.tmp"
	rsync -a "$base/" "$copy.tmp/"
	mv -T "$copy.tmp" "$copy"
fi

stage=$(mktemp -d "$cache/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# 1. Hook patches, applied to pristine copies of the files they touch.
shopt -s nullglob
for p in "$hooks"/*.patch; do
	if [[ -n $list ]]; then
		sed -n 's|^+++ b/\([^\t ]*\).*|hook:'"$(basename "$p")"' \1|p' "$p"
		continue
	fi
	for f in $(sed -n 's|^+++ b/\([^\t ]*\).*|\1|p' "$p"); do
		[[ -e $stage/$f ]] && continue   # touched by an earlier patch
		mkdir -p "$stage/$(dirname "$f")"
		[[ -f $base/$f ]] && cp "$base/$f" "$stage/$f"
	done
	if ! out=$(cd "$stage" && patch -p1 --forward --batch --dry-run <"$p" 2>&1); then
		echo "$out" >&2
		bad=$(sed -n 's/^patching file //p;s/^checking file //p' <<<"$out" | tail -1)
		die "hook $(basename "$p") does not apply to ${bad:-its file} in $base.
graft: the base tree is probably not Linux 6.12 or was modified; use a pristine 6.12 tree (unset KDIR for Debian's linux-source-6.12). The build copy was not touched."
	fi
	(cd "$stage" && patch -p1 --forward --batch --quiet <"$p") >&2
done
if [[ -n $list ]]; then
	hooked=$(for p in "$hooks"/*.patch; do sed -n 's|^+++ b/\([^\t ]*\).*|\1|p' "$p"; done | sort -u)
else
	hooked=$(cd "$stage" && find . -type f | sed 's|^\./||' | sort)
fi

# 2. Project files, per the map.
declare -A from=()
place() {   # place <project-file> <kernel-path>
	local kp=$2
	[[ -n ${from[$kp]:-} ]] && die "$1 and ${from[$kp]} both map to $kp"
	grep -qxF "$kp" <<<"$hooked" && die "$1 maps to $kp, which a hook patch edits"
	from[$kp]=$1
	if [[ -n $list ]]; then echo "${1#"$root"/} $kp"; return; fi
	mkdir -p "$stage/$(dirname "$kp")"
	cp "$1" "$stage/$kp"
}
while read -r src dst rest; do
	[[ -z $src || $src == \#* ]] && continue
	[[ -n $dst && -z $rest ]] || die "$map: bad line: $src $dst $rest"
	[[ $src == /* ]] || src=$root/$src
	if [[ $src == */ ]]; then
		[[ -d $src ]] || continue
		while IFS= read -r f; do
			place "$src$f" "${dst%/}/$f"
		done < <(cd "$src" && find . -type f | sed 's|^\./||' | sort)
	else
		for f in $src; do
			[[ -f $f ]] || continue
			if [[ $dst == */ ]]; then place "$f" "$dst$(basename "$f")"
			else place "$f" "$dst"; fi
		done
	fi
done <"$map"
[[ -n $list ]] && exit 0

# 3. Sync into the copy; restore what is no longer grafted.
manifest=$copy/.tdpmmu-manifest
new=$(cd "$stage" && find . -type f | sed 's|^\./||' | sort)
old=$(cat "$manifest" 2>/dev/null || true)
n=$(rsync -rc --itemize-changes "$stage/" "$copy/" | grep -c '^>f' || true)
gone=0
while IFS= read -r f; do
	[[ -z $f ]] && continue
	if [[ -f $base/$f ]]; then cp "$base/$f" "$copy/$f"
	else rm -f "$copy/$f"; rmdir -p --ignore-fail-on-non-empty "$(dirname "$copy/$f")" 2>/dev/null || true
	fi
	gone=$((gone + 1))
done < <(comm -23 <(echo "$old") <(echo "$new"))
if [[ $new != "$old" ]]; then
	echo "$new" >"$manifest.tmp" && mv "$manifest.tmp" "$manifest"
fi
say "$copy: $n file(s) updated, $gone restored ($(wc -l <<<"$new") grafted)"
echo "$copy"
