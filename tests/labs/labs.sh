#!/usr/bin/env bash
#
# labs.sh -- every lab's checker, against the starter state and against the
# reference solution (labs/README.md).
#
# For each labs/NN-name/:
#   - the folder has its parts: a handout (README.md) with the sections a
#     lab promises, answers.md, check.sh, labs/solutions/NN-name.patch;
#   - `labs/grade --starter NN` (the tree as checked in, in a scratch copy)
#     prints a FAIL line and a score short of full, and exits 1: a student
#     starts with work to do;
#   - `labs/grade --solution NN` (the reference patch applied to a scratch
#     copy) prints only OK lines and a full score, and exits 0: the lab can
#     be done, and the checker accepts a right answer.
# Ends with "labs: N passed, N failed".
#
# Environment: LAB_BUILD, LAB_BINDIR, LAB_OPT, LAB_SAN (the build to grade:
# set by make check / make asan; labs/lib/grade.sh).

set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

. tests/labs/lib.sh
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-labs.XXXXXX")
trap 'rm -rf "$scratch"' EXIT


# The handout's promised sections, as "## " headings (a heading may say
# more after the word, e.g. "## Background: how dispatch works").
SECTIONS="Goal Background Steps Questions Exercises Grading"

labs=$(labs/grade --list)
[ -n "$labs" ] || not_ok "labs/grade --list names the labs" "it printed nothing"
count=0
for lab in $labs; do
    count=$((count + 1))
    dir=labs/$lab
    missing=""
    for part in README.md answers.md check.sh; do
        [ -s "$dir/$part" ] || missing="$missing $dir/$part"
    done
    [ -s "labs/solutions/$lab.patch" ] || missing="$missing labs/solutions/$lab.patch"
    for section in $SECTIONS; do
        grep -Eq "^## $section\b" "$dir/README.md" 2>/dev/null || missing="$missing '## $section' in $dir/README.md"
    done
    if [ -z "$missing" ]; then ok "$lab has its parts"; else not_ok "$lab has its parts" "missing:$missing"; fi

    for mode in starter solution; do
        log=$scratch/$lab.$mode
        start=$SECONDS
        labs/grade --"$mode" "$lab" >"$log" 2>&1 </dev/null
        status=$?
        took=$((SECONDS - start))
        score=$(grep -E '^score: [0-9]+/[0-9]+' "$log" | tail -1)
        got=${score#score: }; got=${got%% *}
        if [ "$mode" = starter ]; then
            if [ "$status" -eq 1 ] && grep -q '^FAIL ' "$log" && [ -n "$score" ] && [ "${got%/*}" != "${got#*/}" ]; then
                ok "$lab: the starter state fails its checker ($got, ${took}s)"
            else
                not_ok "$lab: the starter state fails its checker" "status $status, '$score'; the end of its output:" \
                    "$(tail -n 8 "$log")"
            fi
        else
            if [ "$status" -eq 0 ] && ! grep -q '^FAIL ' "$log" && [ -n "$score" ] && [ "${got%/*}" = "${got#*/}" ]; then
                ok "$lab: the reference solution passes its checker ($got, ${took}s)"
            else
                not_ok "$lab: the reference solution passes its checker" "status $status, '$score'; the end of its output:" \
                    "$(grep -E '^(FAIL|grade:)' "$log" | head -n 6)" "$(tail -n 6 "$log")"
            fi
        fi
    done
done
# `make grade LAB=N`, the command the handouts give a student: on a scratch
# copy of this tree (as checked in) it builds, runs lab 1's checker, and
# passes on its status; without LAB= it says what to do.
copy=$scratch/tree
make_vars=(BUILD="${LAB_BUILD:-build/release}" BINDIR="${LAB_BINDIR:-bin}")
[ -n "${LAB_OPT:-}" ] && make_vars+=(OPT="$LAB_OPT")
[ -n "${LAB_SAN:-}" ] && make_vars+=(SAN="$LAB_SAN")
if BUILD=${LAB_BUILD:-build/release} BINDIR=${LAB_BINDIR:-bin} scripts/tree-copy "$copy"; then
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$copy" --no-print-directory "${make_vars[@]}" grade LAB=1 \
        >"$scratch/make-grade.out" 2>&1 </dev/null
    status=$?
    if [ "$status" -eq 2 ] && grep -Eq '^== lab 0?1: ' "$scratch/make-grade.out" &&
       grep -Eq '^score: [0-9]+/[0-9]+ ' "$scratch/make-grade.out"; then
        ok "make grade LAB=1 builds and grades the tree (make passes the checker's status 1 on as 2)"
    else
        not_ok "make grade LAB=1 builds and grades the tree" "status $status; the end of its output:" \
            "$(tail -n 6 "$scratch/make-grade.out")"
    fi
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$copy" --no-print-directory "${make_vars[@]}" grade \
        >"$scratch/make-grade.out" 2>&1 </dev/null
    status=$?
    if [ "$status" -eq 2 ] && grep -q 'say which lab, e.g. make grade LAB=1' "$scratch/make-grade.out"; then
        ok "make grade without LAB= says how to name a lab"
    else
        not_ok "make grade without LAB= says how to name a lab" "status $status: $(head -c 300 "$scratch/make-grade.out")"
    fi
else
    not_ok "make grade LAB=1 builds and grades the tree" "scripts/tree-copy failed"
fi

[ "$count" -ge 10 ] && ok "there are at least ten labs ($count)" || not_ok "there are at least ten labs" "found $count"

finish labs
