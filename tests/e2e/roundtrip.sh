#!/usr/bin/env bash
#
# roundtrip.sh -- the contracts between bvm's file forms, over every golden
# program that compiles:
#
#   - `bvm run prog.vbc` behaves as `bvm run prog.vela` (same stdout, same
#     exit status, same first line of stderr);
#   - compile -> dis -> asm gives back the very same bytes (cmp), and so
#     does asm -> dis -> asm for the golden .vasm programs that assemble.
# (Running the .vbc verifies it again: nothing runs unverified.)
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

vbc=$E2E_TMP/prog.vbc
listing=$E2E_TMP/prog.vasm
again=$E2E_TMP/again.vbc
stdout=$OUT
compiled=0

# Programs that do not compile (tests/golden/compile-errors) are skipped.
while IFS= read -r prog; do
    bvm compile -o "$vbc" "$prog"
    [ "$status" -eq 0 ] || continue
    compiled=$((compiled + 1))
    # shellcheck disable=SC2046  # the golden args are meant to split into words
    set -- $(golden_args "$prog")

    # The source and its bytecode run alike.
    OUT=$E2E_TMP/source.out
    bvm run "$@" "$prog"
    OUT=$stdout
    source_status=$status
    read -r source_first_err <"$ERR" || true
    bvm run "$@" "$vbc"
    read -r first_err <"$ERR" || true
    if [ "$status" -ne "$source_status" ]; then
        not_ok "$prog: run .vbc" "exit status $status, but $source_status running the source" "$(last_run)"
    elif ! cmp -s "$OUT" "$E2E_TMP/source.out"; then
        not_ok "$prog: run .vbc" "stdout differs from running the source:" \
            "$(diff "$E2E_TMP/source.out" "$OUT" | head -n 6)"
    elif [ "$first_err" != "$source_first_err" ]; then
        not_ok "$prog: run .vbc" "first stderr line differs: '$first_err' vs '$source_first_err'"
    else
        ok "$prog: run .vbc"
    fi

    # dis -> asm reproduces the file byte for byte.
    OUT=$listing
    bvm dis "$vbc"
    OUT=$stdout
    if [ "$status" -ne 0 ]; then
        not_ok "$prog: dis" "$(last_run)"
        continue
    fi
    bvm asm -o "$again" "$listing"
    if [ "$status" -ne 0 ]; then
        not_ok "$prog: asm of the dis listing" "$(last_run)"
    elif ! cmp -s "$vbc" "$again"; then
        not_ok "$prog: compile -> dis -> asm gives the same bytes" "$(cmp "$vbc" "$again" 2>&1)"
    else
        ok "$prog: compile -> dis -> asm"
    fi
done < <(find tests/golden -name '*.vela' -type f | LC_ALL=C sort)

if [ "$compiled" -eq 0 ]; then
    not_ok "golden programs to round-trip" "no tests/golden/**/*.vela program compiles: nothing was tested"
fi

# Golden assembly programs: asm -> dis -> asm is a fixed point too.
while IFS= read -r prog; do
    bvm asm -o "$vbc" "$prog"
    [ "$status" -eq 0 ] || continue # some are meant not to assemble
    OUT=$listing
    bvm dis "$vbc"
    OUT=$stdout
    [ "$status" -eq 0 ] || continue # nor to verify (dis verifies)
    bvm asm -o "$again" "$listing"
    if [ "$status" -ne 0 ]; then
        not_ok "$prog: asm of the dis listing" "$(last_run)"
    elif ! cmp -s "$vbc" "$again"; then
        not_ok "$prog: asm -> dis -> asm gives the same bytes" "$(cmp "$vbc" "$again" 2>&1)"
    else
        ok "$prog: asm -> dis -> asm"
    fi
done < <(find tests/golden -name '*.vasm' -type f | LC_ALL=C sort)

finish
