#!/usr/bin/env bash
# batch.sh -- golden tests of vdb's batch mode.
#
#   tests/vdb/batch.sh [--update] [DIR]        (default DIR: tests/vdb/batch)
#
# Each DIR/NAME.vdb is a script of vdb commands whose first line names what
# to debug, as vdb's arguments after "# vdb:":
#
#   # vdb: tests/vdb/programs/inventory.vela
#   # vdb: --hv $MHV_GUESTS/hello64.bin --mode long
#
# The runner runs `vdb --batch -x NAME.vdb ARGS` and compares its stdout,
# then a last line "[vdb exit status N]", with DIR/NAME.out.  --update
# writes the .out files instead (review the diff before committing).
#
# Environment: VDB (default bin/vdb), MHV_GUESTS (default
# build/release/guest; $MHV_GUESTS in a "# vdb:" line is replaced by it).
# Ends with "vdb-batch: N passed, N failed" (tests/run-tests.sh adds it up).

set -u

VDB=${VDB:-bin/vdb}
MHV_GUESTS=${MHV_GUESTS:-build/release/guest}
NAME=${BATCH_NAME:-vdb-batch}
update=0
if [ "${1:-}" = "--update" ]; then
    update=1
    shift
fi
dir=${1:-tests/vdb/batch}
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdb-batch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$VDB" ]; then
    echo "$NAME: $VDB is not an executable program (build it first)"
    echo "$NAME: 0 passed, 1 failed"
    exit 1
fi

for script in "$dir"/*.vdb; do
    [ -e "$script" ] || continue
    test_name=$(basename "$script" .vdb)
    header=$(head -n 1 "$script")
    if [[ "$header" != "# vdb: "* ]]; then
        echo "FAIL $NAME: $script: the first line must be '# vdb: ARGS'"
        failed=$((failed + 1))
        continue
    fi
    args=${header#"# vdb: "}
    args=${args//\$MHV_GUESTS/$MHV_GUESTS}
    # shellcheck disable=SC2086  # the header's words are vdb's arguments
    (ulimit -t 60 && exec "$VDB" --batch -x "$script" $args) >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    cat "$tmp/err" >>"$tmp/out"
    echo "[vdb exit status $status]" >>"$tmp/out"
    expected="$dir/$test_name.out"
    if [ "$update" = 1 ]; then
        cp "$tmp/out" "$expected"
        echo "$NAME: wrote $expected"
        passed=$((passed + 1))
    elif [ ! -f "$expected" ]; then
        echo "FAIL $NAME: $test_name: no $expected (run tests/vdb/batch.sh --update $dir)"
        failed=$((failed + 1))
    elif diff -u "$expected" "$tmp/out" >"$tmp/diff"; then
        passed=$((passed + 1))
    else
        echo "FAIL $NAME: $test_name: the transcript differs from $expected:"
        head -n 40 "$tmp/diff" | sed 's/^/  /'
        failed=$((failed + 1))
    fi
done

echo "$NAME: $passed passed, $failed failed"
[ "$failed" = 0 ]
