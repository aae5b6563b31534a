# shellcheck shell=bash
# grade.sh -- what every lab's checker shares (sourced by labs/NN-*/check.sh).
#
# A checker is a list of checks, each worth points.  Each prints one line,
#
#   OK    NAME                                  (points)
#   FAIL  NAME: REASON                          (0/points)
#
# and lab_end prints the score and exits 0 only at full score, 1 otherwise
# (the manner of the xv6 labs' `make grade`).  A checker never stops at the
# first failure: a student sees every check at once.
#
# The tree being graded is LAB_ROOT (a clone the student works in, or a
# scratch copy with the reference solution applied, in CI).  Programs are
# built there by lab_need, with the tree's own Makefile, so a change the
# student made to bytecode-vm/ or mini-hypervisor/ is what gets tested.
#
#   lab_begin NUMBER TITLE          print the heading; sets LAB_DIR, LAB_TMP
#   lab_need TARGET...              make TARGET... in LAB_ROOT (bvm vdb mhv
#                                   guests); a failed build fails the check
#                                   "build" and ends the lab with score 0
#   lab_pass NAME POINTS            count a check as passed
#   lab_fail NAME POINTS REASON...  count it as failed, say why
#   lab_fail_file NAME POINTS REASON [FILE]
#                                   the same, showing the first lines of
#                                   FILE (default: stdin) under the reason
#   lab_check NAME POINTS REASON -- COMMAND...
#                                   passed when COMMAND exits 0
#   lab_answer QN POINTS [REGEX [HINT]]
#                                   answers.md's section "## QN" holds an
#                                   answer (not empty, not TODO), matching
#                                   the extended REGEX (case-insensitive;
#                                   the answer's lines joined by spaces)
#   lab_number N                    an extended regex for the number N
#                                   standing alone (for lab_answer)
#   lab_kvm COMMAND...              run COMMAND (paths relative to LAB_ROOT)
#                                   on KVM: here on /dev/kvm, else in the
#                                   nested-KVM sandbox (scripts/on-kvm)
#   lab_section FILE NAME           the lines of FILE's section "=== NAME"
#                                   (up to the next "=== " line): how a
#                                   checker's one KVM boot marks the output
#                                   of each thing it ran
#   lab_vdb_answer N                what the Nth command of a vdb batch
#                                   transcript (on stdin) printed
#   lab_end                         print the score, exit 0 at full score
#
# Environment: LAB_ROOT (default: the tree this file is in); LAB_BUILD,
# LAB_BINDIR, LAB_OPT, LAB_SAN: the build to use and make, as the
# Makefile's BUILD, BINDIR, OPT and SAN (default build/release and bin/;
# the test suite passes those of its own build, so `make asan` grades the
# sanitizer build).  Set for the checker: BVM, VDB, MHV, GUESTS (the guest
# images folder), BINDIR, BUILD -- all under LAB_ROOT.

set -u

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_SCORE=0
LAB_TOTAL=0
LAB_OKS=0
LAB_FAILS=0

# The build the checker uses and makes: the Makefile's BUILD, BINDIR, OPT
# and SAN (empty OPT or SAN: the Makefile's default).
BUILD=${LAB_BUILD:-build/release}
BINDIR=${LAB_BINDIR:-bin}
BVM=$LAB_ROOT/$BINDIR/bvm
VDB=$LAB_ROOT/$BINDIR/vdb
MHV=$LAB_ROOT/$BINDIR/mhv
GUESTS=$LAB_ROOT/$BUILD/guest
export BVM VDB MHV GUESTS

lab_begin() {
    LAB_NUMBER=$1
    LAB_TITLE=$2
    LAB_DIR=$(cd "$(dirname "$0")" && pwd)
    LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-lab$LAB_NUMBER.XXXXXX")
    trap 'rm -rf "$LAB_TMP"' EXIT
    echo "== lab $LAB_NUMBER: $LAB_TITLE =="
    echo "   grading $LAB_ROOT"
}

lab_pass() {
    LAB_SCORE=$((LAB_SCORE + $2))
    LAB_TOTAL=$((LAB_TOTAL + $2))
    LAB_OKS=$((LAB_OKS + 1))
    printf 'OK    %-58s (%d)\n' "$1" "$2"
}

lab_fail() {
    local name=$1 points=$2
    shift 2
    LAB_TOTAL=$((LAB_TOTAL + points))
    LAB_FAILS=$((LAB_FAILS + 1))
    printf 'FAIL  %s: %s   (0/%d)\n' "$name" "$1" "$points"
    shift
    local line
    for line in "$@"; do printf '        %s\n' "$line"; done
}

lab_fail_file() {
    local name=$1 points=$2 reason=$3 file=${4:--} lines
    mapfile -t lines < <(head -n 6 -- "$file" | sed 's/^/| /')
    lab_fail "$name" "$points" "$reason" "${lines[@]}"
}

lab_number() {
    printf '(^|[^0-9])%s([^0-9]|$)' "$1"
}

# lab_check NAME POINTS REASON -- COMMAND...: the command's output is kept
# and its last lines shown when it fails.
lab_check() {
    local name=$1 points=$2 reason=$3
    shift 3
    [ "${1:-}" = -- ] && shift
    if "$@" >"$LAB_TMP/check.out" 2>&1; then
        lab_pass "$name" "$points"
    else
        lab_fail "$name" "$points" "$reason (status $?)" \
            "$(tail -n 4 "$LAB_TMP/check.out" | sed 's/^/| /')"
    fi
}

# The text of answers.md's section "## QN ..." (up to the next "## "),
# without blank lines and HTML comments.
lab__answer_text() {
    awk -v q="$1" '
        /^## / { on = ($2 == q || $2 == q "." || $2 == q ":"); next }
        on' "$LAB_DIR/answers.md" 2>/dev/null |
        sed -e 's/<!--.*-->//g' -e '/^[[:space:]]*$/d'
}

lab_answer() {
    local q=$1 points=$2 regex=${3:-} hint=${4:-} text
    if [ ! -f "$LAB_DIR/answers.md" ]; then
        lab_fail "answer $q" "$points" "there is no answers.md in $LAB_DIR"
        return
    fi
    # Numbers may be written with thousands separators: 9,995,004 is 9995004.
    text=$(lab__answer_text "$q" | sed -E ':again; s/([0-9]),([0-9]{3})([^0-9]|$)/\1\2\3/; t again')
    if [ -z "$text" ] || printf '%s\n' "$text" | grep -qx '[[:space:]]*TODO.*'; then
        lab_fail "answer $q" "$points" "answers.md has no answer under '## $q' yet"
    elif [ -n "$regex" ] && ! printf '%s\n' "$text" | paste -sd ' ' - | grep -Eqi -- "$regex"; then
        lab_fail "answer $q" "$points" "the answer under '## $q' is not right yet${hint:+: $hint}"
    else
        lab_pass "answer $q" "$points"
    fi
}

lab_need() {
    local targets=() t
    for t in "$@"; do
        case $t in
            bvm|vdb|mhv) targets+=("$BINDIR/$t") ;;
            guests)      targets+=(guests) ;;
            *)           targets+=("$t") ;;
        esac
    done
    local vars=(BUILD="$BUILD" BINDIR="$BINDIR")
    [ -n "${LAB_OPT:-}" ] && vars+=(OPT="$LAB_OPT")
    [ -n "${LAB_SAN:-}" ] && vars+=(SAN="$LAB_SAN")
    # A make that runs this checker must not hand its jobserver down.
    if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$LAB_ROOT" --no-print-directory -s \
            -j"$(nproc 2>/dev/null || echo 2)" "${vars[@]}" "${targets[@]}" >"$LAB_TMP/build.log" 2>&1; then
        lab_fail build 1 "make ${targets[*]} failed in $LAB_ROOT" \
            "$(grep -m 6 -E 'error|Error' "$LAB_TMP/build.log" | sed 's/^/| /')"
        lab_end
    fi
}

# lab_kvm COMMAND...: run COMMAND on KVM from the top of LAB_ROOT, through
# scripts/on-kvm (here on /dev/kvm, else in the sandbox, where the tree's
# programs, guest images and every file named on the command line sit at
# the same relative paths).  Its output and status become ours.
lab_kvm() {
    (cd "$LAB_ROOT" && BINDIR=$BINDIR BUILD=$BUILD scripts/on-kvm "$@" </dev/null)  # no checker reads stdin: an open pipe there must not hold it
}

lab_section() {
    awk -v name="$2" '/^=== / { on = ($2 == name); next } on' "$1"
}

lab_vdb_answer() {
    awk -v n="$1" '/^\(vdb\) / { k++; next } k == n'
}

lab_end() {
    echo "score: $LAB_SCORE/$LAB_TOTAL ($LAB_OKS OK, $LAB_FAILS FAIL)"
    [ "$LAB_FAILS" -eq 0 ] && [ "$LAB_SCORE" -eq "$LAB_TOTAL" ]
    exit $?
}
