#!/bin/bash
# series.sh: write results/series/, the project as a `git format-patch`
# series against the base tree (Debian's pristine linux-source-6.12) with a
# cover letter, then check every patch: checkpatch --strict on the .patch
# file itself, and, for the tree with patches 1..k applied, a UML build with
# KUnit passing and, for the patches marked x86, an x86_64 build.
#
# What goes in which patch is scripts/series.list; the files and hooks come
# from scripts/graft.sh's own reading of scripts/graft.map (GRAFT_LIST=1) and
# scripts/hooks/, so the series is always the project as it is built.  Every
# grafted file and every hook must land in exactly one patch.
#
# Work dir $CACHE/series: git/ (a scratch repo holding the pristine versions
# of the touched files, one commit per patch), src-debian/ (a hardlinked copy
# of the base tree the patches are applied to; files are replaced, never
# written through), build-um/ and build-x86_64/ (incremental build dirs,
# reused from run to run; the names mirror $CACHE's so ccache hits across).
# The trees are checked newest state first: the tree with every patch (which
# ccache mostly knows already), then each patch reverted in turn.
#
# Result lines "ok series <NNNN>-<slug> <check>" to $TAP, the noise to stdout
# (scripts/step.sh, make series).  Environment: SERIES_VERIFY=0 only writes
# and checkpatches the series (about a minute); SERIES_X86_KUNIT=1 also
# boots the x86_64 kernel of the last patch marked x86 under QEMU and runs
# its KUnit suites (a minute or two); SERIES_IDENT="Name <email>" is the
# author and the Signed-off-by (default: a placeholder).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdpmmu}
TAP=${TAP:-/dev/stdout}
out=$root/results/series
list=$root/scripts/series.list
msgs=$root/scripts/series
work=$cache/series
ident=${SERIES_IDENT:-Your Name <you@example.org>}
jobs=$(nproc)
py=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1

say() { echo "series: $*"; }
die() {   # a broken list or an unusable tree: one failed result, and stop
	echo "not ok series $1" >>"$TAP"
	shift
	printf '# %s\n' "$@" >>"$TAP"
	printf 'series: %s\n' "$@" >&2
	exit 1
}

base=$(CACHE=$cache "$root/scripts/kernel-tree.sh")
[[ -f $base/Makefile && -f $base/scripts/checkpatch.pl ]] ||
	die setup "the base tree $base is not a kernel tree"

# 1. The series list.
declare -a slugs=() checks=() contents=()
declare -a cuts=()           # "<slug> <lines|block> <kernel-path> <regex>"
declare -A excluded=()       # hook name -> reason
while read -r kw a b rest; do
	case $kw in
	''|\#*) continue ;;
	patch)  slugs+=("$a"); checks+=("$b"); contents+=("$rest")
		[[ -f $msgs/$a.txt ]] || die list "no commit message $msgs/$a.txt for patch $a" ;;
	lines|block)
		[[ -n $b && -n $rest ]] || die list "$list: bad line: $kw $a $b $rest"
		cuts+=("$a $kw $b $rest") ;;
	exclude) excluded[${a#hook:}]=$b${rest:+ $rest} ;;
	*) die list "$list: unknown keyword '$kw'" ;;
	esac
done <"$list"
n=${#slugs[@]}
((n > 0)) || die list "$list lists no patch"
[[ -f $msgs/cover.txt ]] || die list "no cover letter text $msgs/cover.txt"
declare -A index=()
for i in "${!slugs[@]}"; do index[${slugs[i]}]=$i; done
for c in "${cuts[@]}"; do
	[[ -n ${index[${c%% *}]:-} ]] || die list "$list: '$c' names no patch"
done

# 2. What the build grafts: project files and hook patches, by kernel path.
declare -A kpath=()          # project file -> kernel path
declare -A hookfiles=()      # hook patch file -> its kernel paths
while read -r src dst; do
	if [[ $src == hook:* ]]; then hookfiles[${src#hook:}]+="$dst "
	else kpath[$src]=$dst
	fi
done < <(GRAFT_LIST=1 CACHE=$cache "$root/scripts/graft.sh")
((${#kpath[@]} > 0)) || die list "scripts/graft.sh GRAFT_LIST=1 listed no file"

# 3. Every file and hook in exactly one patch.
declare -A owner=()          # project file or hook patch -> patch index
declare -A literal=()
errs=()
for i in "${!slugs[@]}"; do
	read -ra items <<<"${contents[i]}"   # no pathname expansion
	for item in "${items[@]}"; do
		if [[ $item == hook:* ]]; then
			m=("$root"/scripts/hooks/"${item#hook:}"-*.patch)
			[[ ${#m[@]} == 1 && -f ${m[0]} ]] ||
				{ errs+=("patch ${slugs[i]}: $item is not one file in scripts/hooks/"); continue; }
			h=$(basename "${m[0]}")
			[[ -n ${owner[$h]:-} ]] && errs+=("$h is in patches ${slugs[${owner[$h]}]} and ${slugs[i]}")
			owner[$h]=$i
		elif [[ $item != *[\[*?]* ]]; then
			[[ -n ${kpath[$item]:-} ]] ||
				{ errs+=("patch ${slugs[i]}: $item is not a grafted file (scripts/graft.map)"); continue; }
			[[ -n ${literal[$item]:-} ]] && errs+=("$item is named in patches ${slugs[${literal[$item]}]} and ${slugs[i]}")
			literal[$item]=$i
		fi
	done
done
for f in "${!kpath[@]}"; do
	if [[ -n ${literal[$f]:-} ]]; then owner[$f]=${literal[$f]}; continue; fi
	hits=()
	for i in "${!slugs[@]}"; do
		read -ra items <<<"${contents[i]}"   # no pathname expansion
		for item in "${items[@]}"; do
			[[ $item == hook:* || $item != *[\[*?]* ]] && continue
			# shellcheck disable=SC2053  # glob match on purpose
			if [[ $f == $item ]]; then hits+=("$i"); break; fi
		done
	done
	case ${#hits[@]} in
	1) owner[$f]=${hits[0]} ;;
	0) errs+=("$f (grafted to ${kpath[$f]}) is in no patch of scripts/series.list") ;;
	*) errs+=("$f matches the patterns of patches $(for i in "${hits[@]}"; do printf '%s ' "${slugs[i]}"; done)") ;;
	esac
done
for h in "${!hookfiles[@]}"; do
	num=${h%%-*}
	if [[ -n ${excluded[$num]:-} ]]; then
		[[ -n ${owner[$h]:-} ]] && errs+=("$h is both excluded and in patch ${slugs[${owner[$h]}]}")
	elif [[ -z ${owner[$h]:-} ]]; then
		errs+=("hook $h is in no patch of scripts/series.list (add hook:$num to one, or exclude it)")
	fi
done
for i in "${!slugs[@]}"; do
	read -ra items <<<"${contents[i]}"   # no pathname expansion
	for item in "${items[@]}"; do
		[[ $item == hook:* || $item != *[\[*?]* ]] && continue
		hit=0
		for f in "${!kpath[@]}"; do
			# shellcheck disable=SC2053
			if [[ $f == $item && ${owner[$f]:-} == "$i" ]]; then hit=1; break; fi
		done
		((hit)) || errs+=("patch ${slugs[i]}: $item matches no grafted file it owns")
	done
done
((${#errs[@]} == 0)) || die list "${errs[@]}"

# The kernel paths each patch brings in (with the owner of each path).
declare -A pathowner=()      # kernel path -> patch index that adds or edits it
for f in "${!kpath[@]}"; do pathowner[${kpath[$f]}]=${owner[$f]}; done
for h in "${!owner[@]}"; do
	[[ -n ${hookfiles[$h]:-} ]] || continue
	for p in ${hookfiles[$h]}; do
		[[ -n ${pathowner[$p]:-} ]] && die list "$p is edited by two patches of the series"
		pathowner[$p]=${owner[$h]}
	done
done
for c in "${cuts[@]}"; do
	read -r s _ p _ <<<"$c"
	[[ -n ${pathowner[$p]:-} ]] || die list "'$c': no patch of the series adds or edits $p"
	((${pathowner[$p]} < ${index[$s]})) ||
		die list "'$c': $p comes with patch ${slugs[${pathowner[$p]}]}, not before $s"
done
mapfile -t paths < <(printf '%s\n' "${!pathowner[@]}" | sort)

# 4. The final tree of the touched files: base + hooks + project files.
final=$work/final
rm -rf "$final"; mkdir -p "$final"
for p in "${paths[@]}"; do
	mkdir -p "$final/$(dirname "$p")"
	[[ -f $base/$p ]] && cp "$base/$p" "$final/$p"
done
for h in $(printf '%s\n' "${!owner[@]}" | grep '\.patch$' | sort); do
	(cd "$final" && patch -p1 --forward --batch --quiet <"$root/scripts/hooks/$h") ||
		die list "hook $h does not apply to the base tree $base"
done
for f in "${!kpath[@]}"; do cp "$root/$f" "$final/${kpath[$f]}"; done

# The state of one file after patch k: absent or pristine before the patch
# that brings it, then its final version less the lines and blocks that
# later patches claim.
cut_file() {   # cut_file <src> <base> <dst> <kind regex>...: lines/blocks left out
	"$py" - "$@" <<-'EOF'
	import os, re, sys
	src, base, dst, rules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
	lines = open(src).read().split('\n')
	old = set(open(base).read().split('\n')) if os.path.isfile(base) else set()
	drop = set()
	for kind, rx in zip(rules[0::2], rules[1::2]):
	    hit = False
	    for i, l in enumerate(lines):
	        if not re.search(rx, l):
	            continue
	        hit = True
	        if l in old:
	            sys.exit(f"{src}: '{rx}' matches a line of the base tree: {l}")
	        drop.add(i)
	        if kind == 'block':
	            j = i + 1
	            while j < len(lines) and not re.match(r'\S', lines[j]):
	                drop.add(j)
	                j += 1
	    if not hit:
	        sys.exit(f"{src}: '{rx}' matches no line")
	kept = [l for i, l in enumerate(lines) if i not in drop]
	text = re.sub(r'\n{3,}', '\n\n', '\n'.join(kept)).rstrip('\n') + '\n'
	open(dst, 'w').write(text)
	EOF
}

# 5. The scratch repo: the base, then one commit per patch.
git=$work/git
rm -rf "$git"; mkdir -p "$git"
gitc() { git -C "$git" -c core.autocrlf=false "$@"; }
gitc init -q -b tdpmmu
gitc config user.name "${ident% <*}"
gitc config user.email "$(sed 's/.*<\(.*\)>.*/\1/' <<<"$ident")"
when=$(git -C "$root" log -1 --format=%cI 2>/dev/null || date -Iseconds)
export GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when
for p in "${paths[@]}"; do
	[[ -f $base/$p ]] || continue
	mkdir -p "$git/$(dirname "$p")"; cp "$base/$p" "$git/$p"
done
gitc add -A && gitc commit -q -m "base: the touched files of $(basename "$base")"
gitc tag base
for k in "${!slugs[@]}"; do
	for p in "${paths[@]}"; do
		((${pathowner[$p]} <= k)) || continue
		rules=()
		for c in "${cuts[@]}"; do
			read -r s kind cp rx <<<"$c"
			if [[ $cp == "$p" ]] && ((${index[$s]} > k)); then
				rules+=("$kind" "$rx")
			fi
		done
		mkdir -p "$git/$(dirname "$p")"
		if ((${#rules[@]} > 0)); then
			cut_file "$final/$p" "$base/$p" "$git/$p" "${rules[@]}" || die list "cannot cut $p for patch ${slugs[k]}"
		else
			cp "$final/$p" "$git/$p"
		fi
	done
	gitc add -A
	gitc diff --cached --quiet && die list "patch ${slugs[k]} changes nothing"
	{ cat "$msgs/${slugs[k]}.txt"; printf '\nSigned-off-by: %s\n' "$ident"; } >"$work/msg"
	gitc commit -q -F "$work/msg" --cleanup=strip
done
# The last commit is the final tree, so nothing was cut for good.
for p in "${paths[@]}"; do
	cmp -s "$final/$p" "$git/$p" || die list "$p after the last patch is not what graft.sh builds"
done

# 6. format-patch, and the cover letter's subject and blurb.
rm -rf "$out.tmp"
gitc format-patch -q --cover-letter -o "$out.tmp" base..HEAD
cover=$out.tmp/0000-cover-letter.patch
"$py" - "$cover" "$msgs/cover.txt" <<-'EOF'
import sys
path, text = sys.argv[1], open(sys.argv[2]).read().strip('\n')
subject, _, blurb = text.partition('\n\n')
cover = open(path).read()
cover = cover.replace('*** SUBJECT HERE ***', subject.strip())
cover = cover.replace('*** BLURB HERE ***', blurb.strip())
open(path, 'w').write(cover)
EOF
rm -rf "$out"; mv "$out.tmp" "$out"
pfiles=()
for f in "$out"/[0-9][0-9][0-9][0-9]-*.patch; do
	[[ $f == */0000-* ]] || pfiles+=("$f")
done
((${#pfiles[@]} == n)) || die list "format-patch wrote ${#pfiles[@]} patches, not $n"
say "wrote $out: cover letter and ${#pfiles[@]} patches"
excl=
for h in "${!excluded[@]}"; do excl+=" $h (${excluded[$h]})"; done
[[ -z $excl ]] || say "hooks not in the series:$excl"

declare -A res=() note=() skip=()
name() { printf '%04d-%s' "$(($1 + 1))" "${slugs[$1]}"; }

# 7. checkpatch --strict on every patch file, against the base tree.  Its
# SPDX check (scripts/spdxcheck.py, python3 with ply and git) wants the tree
# to be a git repository with LICENSES/ committed: a repo of symlinks to
# the base tree's top level, and a copy of LICENSES/.
ck=$work/checkpatch-root
rm -rf "$ck"; mkdir -p "$ck/.bin"
for e in "$base"/*; do
	[[ $e == */LICENSES ]] || ln -s "$e" "$ck/$(basename "$e")"
done
cp -r "$base/LICENSES" "$ck/"
git -C "$ck" init -q
git -C "$ck" add LICENSES
git -C "$ck" -c user.name=series -c user.email=series@localhost commit -q -m LICENSES
ln -s "$(command -v "$py")" "$ck/.bin/python3"
"$py" -c 'import ply, git' 2>/dev/null ||
	die checkpatch "$py lacks the ply or git module that checkpatch's SPDX check needs (scripts/setup.sh installs python3-ply and python3-git)"
for k in "${!slugs[@]}"; do
	f=${pfiles[k]}
	rc=0
	o=$(cd "$ck" && PATH=$ck/.bin:$PATH "$base/scripts/checkpatch.pl" --root="$ck" \
		--strict --show-types --no-summary --terse "$f" 2>&1) || rc=$?
	if [[ $rc == 0 && -z $o ]]; then res[$k.checkpatch]=ok
	else res[$k.checkpatch]="not ok"; note[$k.checkpatch]=$o
	fi
	echo "$(basename "$f"): checkpatch ${res[$k.checkpatch]} $(wc -c <"$f") bytes"
	[[ -z $o ]] || echo "$o"
done

emit() {   # the result lines, in patch order
	local k c
	for k in "${!slugs[@]}"; do
		for c in builds builds-x86 kunit-um kunit-x86 checkpatch; do
			[[ -n ${res[$k.$c]:-} ]] || continue
			echo "${res[$k.$c]} series $(name "$k") $c${skip[$k.$c]:+ # SKIP ${skip[$k.$c]}}"
			[[ -z ${note[$k.$c]:-} ]] || sed 's/^/# /' <<<"${note[$k.$c]}"
		done
	done >>"$TAP"
}

if [[ ${SERIES_VERIFY:-1} == 0 ]]; then
	say "SERIES_VERIFY=0: no build or KUnit check"
	emit; exit 0
fi

# 8. Each state of the tree, all patches first, then reverting one by one.
tree=$work/src-debian
say "a hardlinked copy of $base in $tree"
rm -rf "$tree"
cp -al "$base" "$tree"
export CCACHE_BASEDIR=$tree
cd "$tree"
papply() { patch -p1 --batch --forward --quiet --no-backup-if-mismatch -r - "$@"; }
for f in "${pfiles[@]}"; do
	papply <"$f" || die apply "$(basename "$f") does not apply to $base"
done

# Files the series touches must be copies now, not links into the base.
for p in "${paths[@]}"; do
	[[ -e $tree/$p && -e $base/$p ]] || continue
	[[ $(stat -c %i "$tree/$p") != "$(stat -c %i "$base/$p")" ]] ||
		die apply "$p in $tree is still a hard link to the base tree"
done

# The Kconfig symbols this state of the tree defines.
declare -A def=()
read_defs() {
	local sym
	def=()
	while read -r _ sym; do def[$sym]=1; done < <(grep -rhoE \
		'^[[:space:]]*(menu)?config [A-Za-z0-9_]+' --include='Kconfig*' \
		--exclude-dir=tools --exclude-dir=Documentation "$tree")
}

# A kunitconfig for this state: the lines whose symbol the tree defines yet.
kconfig_for() {   # kconfig_for <kunitconfig> <out>
	local line
	: >"$2"
	while IFS= read -r line; do
		[[ $line =~ ^CONFIG_([A-Za-z0-9_]+)= ]] || continue
		[[ -n ${def[${BASH_REMATCH[1]}]:-} ]] && echo "$line" >>"$2"
	done <"$1"
	return 0
}

# Going back a patch can remove a Kconfig symbol altogether, and kconfig
# then leaves its include/config/<SYM> stamp alone: objects built with it
# (IS_ENABLED(CONFIG_<SYM>) in a file no patch reverts) would be reused.
# Touch the stamps of the symbols the last build had and the tree lost.
touch_gone() {   # touch_gone <build-dir>
	local sym
	[[ -f $1/include/config/auto.conf ]] || return 0
	while IFS='=' read -r sym _; do
		sym=${sym#CONFIG_}
		if [[ -z ${def[$sym]:-} && -e $1/include/config/$sym ]]; then
			echo "series: $sym is gone: touching $1/include/config/$sym"
			touch "$1/include/config/$sym"
		fi
	done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$1/include/config/auto.conf")
}

kunit=("$py" tools/testing/kunit/kunit.py)
last_x86=-1   # SERIES_X86_KUNIT boots the kernel of the last x86 patch
for k in "${!slugs[@]}"; do
	if [[ ${checks[k]} == *x86* ]]; then last_x86=$k; fi
done
t0=$SECONDS
for ((k = n - 1; k >= 0; k--)); do
	if ((k < n - 1)); then
		papply -R <"${pfiles[k + 1]}" ||
			die apply "$(basename "${pfiles[k + 1]}") does not revert"
	fi
	nm=$(name "$k")
	say "== tree after $nm"

	read_defs
	cfg=$work/um.kunitconfig
	kconfig_for "$root/kunit/um.kunitconfig" "$cfg"
	touch_gone "$work/build-um"
	t=$SECONDS
	if "${kunit[@]}" build --kunitconfig="$cfg" --build_dir="$work/build-um" \
		--make_options "CC=ccache gcc" --jobs "$jobs"; then
		res[$k.builds]=ok
	else
		res[$k.builds]="not ok"
	fi
	note[$k.builds]="UML build: $((SECONDS - t))s"
	if [[ ${res[$k.builds]} != ok ]]; then
		res[$k.kunit-um]="not ok"; note[$k.kunit-um]="not built"
	elif ! grep -q '_TEST=' "$cfg"; then
		res[$k.kunit-um]=ok; skip[$k.kunit-um]="no KUnit suite yet"
	else
		t=$SECONDS
		json=$work/kunit-um-$k.json
		if "${kunit[@]}" exec --build_dir="$work/build-um" --json="$json"; then
			res[$k.kunit-um]=ok
		else
			res[$k.kunit-um]="not ok"
		fi
		tests=$(grep -c '"status": "PASS"' "$json" 2>/dev/null || echo '?')
		note[$k.kunit-um]="UML KUnit: $((SECONDS - t))s, $tests passed (cases and suites)"
	fi

	if [[ ${checks[k]} == *x86* ]]; then
		cfg=$work/x86_64.kunitconfig
		kconfig_for "$root/kunit/x86_64.kunitconfig" "$cfg"
		touch_gone "$work/build-x86_64"
		t=$SECONDS
		if "${kunit[@]}" build --arch x86_64 --kunitconfig="$cfg" \
			--qemu_config "$root/scripts/qemu_x86_64_iommu.py" \
			--build_dir="$work/build-x86_64" --make_options "CC=ccache gcc" \
			--jobs "$jobs"; then
			res[$k.builds-x86]=ok
		else
			res[$k.builds-x86]="not ok"
		fi
		note[$k.builds-x86]="x86_64 build: $((SECONDS - t))s"
		if ((k == last_x86)) && [[ ${SERIES_X86_KUNIT:-0} == 1 && ${res[$k.builds-x86]} == ok ]]; then
			t=$SECONDS
			if "${kunit[@]}" exec --arch x86_64 --qemu_config "$root/scripts/qemu_x86_64_iommu.py" \
				--build_dir="$work/build-x86_64" --timeout 1800; then
				res[$k.kunit-x86]=ok
			else
				res[$k.kunit-x86]="not ok"
			fi
			note[$k.kunit-x86]="x86_64 KUnit under QEMU: $((SECONDS - t))s"
		fi
	fi
done
say "verified ${#pfiles[@]} trees in $((SECONDS - t0))s"

# The base tree must be as it was.
for p in "${paths[@]}"; do
	[[ -f $base/$p ]] || continue
	[[ $(git hash-object "$base/$p") == "$(gitc rev-parse "base:$p")" ]] ||
		die base "$base/$p changed during the run"
done
emit
