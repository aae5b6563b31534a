#!/usr/bin/env bash
#
# commands.sh -- run every command the docs quote, so that they cannot go
# stale: each fenced block tagged ```sh in README.md, docs/*.md and the lab
# handouts (labs/*/README.md) is run, in the order it appears.
#
#   tests/docs/commands.sh [FILE.md...]     (default: all of those files)
#
# The convention, for writers of the docs:
#
#   - A ```sh block is one bash script, run from the top of a scratch copy
#     of the tree (with this build's programs in bin/ and build/release/),
#     stdin /dev/null, under a time limit.  It stops at the first command
#     that fails (set -e).  Blocks run one after another in the one copy,
#     so a later block may use a file an earlier one wrote.
#   - A command line whose trailing comment is `# status N` (more text may
#     follow: `# status 70: fuel exhausted`) must exit with status N.
#     Where a command spans lines (ending in \), the comment goes on its
#     last line.
#   - A block whose first line is `# not run by tests/docs: REASON` is not
#     run and is reported as SKIP with the reason (for the few commands that
#     cannot run inside the test suite: `make check` itself, `make bench`).
#   - Blocks tagged ```text, ```c or anything else are never run: synopses,
#     output, listings.  ```bash and ```shell are refused (ambiguous: tag a
#     block sh to have it run, text otherwise).
#
# Also checked: docs/isa.md is exactly what `bvm isa` prints, and every
# relative markdown link, and every docs/NAME.md a page mentions, names a
# file that exists.
#
# Prints one line per check -- `OK   FILE:LINE`, `FAIL FILE:LINE: REASON`
# followed by the end of the block's output, `SKIP FILE:LINE: REASON` --
# and ends with `docs: N passed, N failed`.  Exit status 0 when nothing
# failed.
#
# Environment (tests/run-tests.sh passes the build under test): BINDIR (or
# LAB_BINDIR, or the folder of $BVM; default bin) and BUILD (or LAB_BUILD,
# or the parent of $MHV_GUESTS; default build/release); LAB_OPT and LAB_SAN
# (that build's make flags); DOCS_BLOCK_TIMEOUT (seconds per block, default
# 300).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
ROOT=$(pwd)

BLOCK_TIMEOUT=${DOCS_BLOCK_TIMEOUT:-300}
BINDIR=${BINDIR:-${LAB_BINDIR:-$(dirname "${BVM:-bin/bvm}")}}
BUILD=${BUILD:-${LAB_BUILD:-$(dirname "${MHV_GUESTS:-build/release/guest}")}}
BINDIR=${BINDIR#"$ROOT"/}
BUILD=${BUILD#"$ROOT"/}
case $BINDIR$BUILD in
    /*) echo "docs: BINDIR and BUILD must be folders inside the tree ($BINDIR, $BUILD)" >&2; exit 2 ;;
esac

passed=0
failed=0
skipped=0
ok()   { passed=$((passed + 1)); echo "OK   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP $*"; }

if [ $# -gt 0 ]; then
    files=("$@")
else
    files=(README.md docs/*.md)
    for f in labs/*/README.md; do [ -f "$f" ] && files+=("$f"); done
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-docs.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT

# ---- docs/isa.md is generated ---------------------------------------------------

if [ ! -x "$BINDIR/bvm" ]; then
    fail "docs/isa.md: $BINDIR/bvm is not built (run make)"
elif "$BINDIR/bvm" isa >"$scratch/isa.md" 2>&1 && cmp -s "$scratch/isa.md" docs/isa.md; then
    ok "docs/isa.md: the same as bvm isa prints"
else
    fail "docs/isa.md: differs from what bvm isa prints (regenerate it: bin/bvm isa > docs/isa.md)"
    diff "$scratch/isa.md" docs/isa.md | head -n 10 | sed 's/^/    | /'
fi

# ---- links ------------------------------------------------------------------------

# Every relative link [text](PATH) outside code blocks, and every mention of
# docs/NAME.md, must name an existing file.  Prints "LINE<TAB>PATH" pairs.
links_of() {
    awk '
        /^ ? ? ?```/ { fence = !fence; next }
        fence { next }
        {
            line = $0
            while (match(line, /\]\([^)]*\)/)) {
                target = substr(line, RSTART + 2, RLENGTH - 3)
                line = substr(line, RSTART + RLENGTH)
                sub(/[ \t].*/, "", target)          # a "title" after the path
                sub(/#.*/, "", target)              # an anchor
                if (target != "" && target !~ /^[a-z]+:/)
                    print FNR "\tL\t" target
            }
            line = $0
            while (match(line, /docs\/[A-Za-z0-9_.-]+\.md/)) {
                print FNR "\tM\t" substr(line, RSTART, RLENGTH)
                line = substr(line, RSTART + RLENGTH)
            }
        }' "$1"
}

for f in README.md docs/*.md labs/README.md labs/*/README.md; do
    [ -f "$f" ] || continue
    dir=$(dirname "$f")
    bad=()
    count=0
    while IFS=$'\t' read -r line kind target; do
        count=$((count + 1))
        if [ "$kind" = L ]; then path=$dir/$target; else path=$target; fi
        [ -e "$path" ] || bad+=("$f:$line: $target: no such file")
    done < <(links_of "$f")
    if [ ${#bad[@]} -eq 0 ]; then
        ok "$f: links ($count)"
    else
        fail "$f: ${#bad[@]} broken link(s)"
        printf '    | %s\n' "${bad[@]}"
    fi
done

# ---- the ```sh blocks -------------------------------------------------------------

# The scratch copy the blocks run in: this tree's sources, this build's
# objects and programs (scripts/tree-copy).  When the build is not the
# default one (make asan), bin/ and build/release/ are links to it, so the
# docs' paths name the programs under test, and `make` gets its flags.
copy=$scratch/tree
if ! BUILD=$BUILD BINDIR=$BINDIR scripts/tree-copy "$copy" >"$scratch/copy.log" 2>&1; then
    fail "docs: cannot make a scratch copy of the tree: $(tail -n 1 "$scratch/copy.log")"
    echo "docs: $passed passed, $failed failed"
    exit 1
fi
[ -e "$copy/bin" ] || ln -s "$BINDIR" "$copy/bin"
if [ ! -e "$copy/build/release" ]; then
    case $BUILD in build/*) target=${BUILD#build/} ;; *) target=../$BUILD ;; esac
    mkdir -p "$copy/build" && ln -s "$target" "$copy/build/release"
fi

# What every block's script sources first (its line 1, so that the block's
# line k is the script's line k + 1).
prelude=$scratch/prelude.sh
cat >"$prelude" <<'EOF'
set -e
__docs_line() { echo "line $((DOCS_FENCE + $1 - 1))"; }
trap '__docs_status=$?; echo "docs: $(__docs_line $LINENO): exit status $__docs_status" >&2' ERR
__docs_expect() {   # WANTED GOT LINENO
    [ "$2" = "$1" ] && return 0
    echo "docs: $(__docs_line "$3"): exit status $2, expected $1" >&2
    exit 1
}
EOF
if [ "$BUILD" != build/release ] && { [ -n "${LAB_OPT:-}" ] || [ -n "${LAB_SAN:-}" ]; }; then
    printf 'make() { command make BUILD=%q BINDIR=%q OPT=%q SAN=%q "$@"; }\n' \
        "$BUILD" "$BINDIR" "${LAB_OPT:-}" "${LAB_SAN:-}" >>"$prelude"
fi

# Writes each ```sh block of a markdown file as a script NNN.sh into a
# folder, `# status N` lines rewritten to check their status, and prints
# one line per block: "NNN<TAB>FENCE-LINE<TAB>run|skip|refuse<TAB>TEXT".
extract_blocks() {
    awk -v out="$2" -v prelude="$prelude" '
        function flush(   i, s, n, cmd, want) {
            for (i = 1; i <= nlines; i++) {
                if (!match(body[i], /[ \t]+#[ \t]*status[ \t]+[0-9]+([^0-9].*)?$/))
                    continue
                want = substr(body[i], RSTART)
                sub(/^[ \t]+#[ \t]*status[ \t]+/, "", want)
                sub(/[^0-9].*$/, "", want)
                cmd = substr(body[i], 1, RSTART - 1)
                for (s = i; s > 1 && body[s - 1] ~ /\\$/; s--)
                    ;
                body[s] = "if { " body[s]
                if (s == i)
                    cmd = "if { " cmd
                body[i] = cmd "; }; then __docs_s=0; else __docs_s=$?; fi; __docs_expect " want " \"$__docs_s\" $LINENO"
            }
            file = sprintf("%s/%03d.sh", out, ++blocks)
            print ". \"" prelude "\"" > file
            for (i = 1; i <= nlines; i++)
                print body[i] > file
            close(file)
            first = ""
            for (i = 1; i <= nlines && first == ""; i++)
                if (body[i] !~ /^[ \t]*$/)
                    first = body[i]
            if (first ~ /^# not run by tests\/docs:/) {
                sub(/^# not run by tests\/docs:[ \t]*/, "", first)
                printf "%03d\t%d\tskip\t%s\n", blocks, fence_line, first
            } else {
                printf "%03d\t%d\trun\t\n", blocks, fence_line
            }
        }
        !infence && /^ ? ? ?```/ {
            infence = 1
            indent = $0; sub(/```.*/, "", indent); indent = length(indent)
            tag = $0; sub(/^ *```[ \t]*/, "", tag); sub(/[ \t].*/, "", tag)
            fence_line = FNR
            nlines = 0
            if (tag == "bash" || tag == "shell")
                printf "000\t%d\trefuse\tthe block is tagged %s: tag it sh to have it run by tests/docs, text if not\n", FNR, tag
            next
        }
        infence && /^ *```[ \t]*$/ {
            infence = 0
            if (tag == "sh")
                flush()
            next
        }
        infence {
            line = $0
            for (i = 0; i < indent && substr(line, 1, 1) == " "; i++)
                line = substr(line, 2)
            body[++nlines] = line
        }
        END {
            if (infence)
                printf "000\t%d\trefuse\tthe code block is never closed\n", fence_line
        }' "$1"
}

for f in "${files[@]}"; do
    if [ ! -f "$f" ]; then
        fail "$f: no such file"
        continue
    fi
    blockdir=$scratch/blocks/$(echo "$f" | tr '/' '_')
    mkdir -p "$blockdir"
    while IFS=$'\t' read -r n fence what text; do
        where="$f:$fence"
        case $what in
            refuse) fail "$where: $text"; continue ;;
            skip)   skip "$where: $text"; continue ;;
        esac
        log=$blockdir/$n.log
        start=$(date +%s)
        (cd "$copy" && DOCS_FILE=$f DOCS_FENCE=$fence \
            timeout -k 10 "$BLOCK_TIMEOUT" bash "$blockdir/$n.sh" </dev/null >"$log" 2>&1)
        status=$?
        took=$(($(date +%s) - start))
        if [ "$status" -eq 0 ]; then
            ok "$where ($took s)"
            continue
        fi
        if [ "$took" -ge "$BLOCK_TIMEOUT" ]; then
            reason="did not finish within $BLOCK_TIMEOUT s"
        else
            reason=$(grep '^docs: ' "$log" | tail -n 1 | sed 's/^docs: //')
            [ -n "$reason" ] || reason="the block ended with status $status"
        fi
        fail "$where: $reason"
        grep -v '^docs: ' "$log" | tail -n 12 | sed 's/^/    | /'
    done < <(extract_blocks "$f" "$blockdir")
done

[ "$skipped" -eq 0 ] || echo "docs: $skipped block(s) not run (SKIP above: they cannot run inside the test suite)"
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
