#!/usr/bin/env bash
#
# roundtrip.sh -- the contracts between bvm's file forms, over every golden
# program that compiles:
#
#   - `bvm run prog.vbc` behaves as `bvm run prog.vela` (same stdout, same
#     exit status, same first line of stderr);
#   - compile -> dis -> asm gives back the very same bytes (cmp), and so
#     does asm -> dis -> asm for the golden .vasm programs that assemble;
#   - `bvm verify` accepts what `bvm compile` wrote.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

programs=$(compilable_golden_programs)
if [ -z "$programs" ]; then
    not_ok "golden programs to round-trip" "no tests/golden/**/*.vela program compiles: nothing was tested"
    finish
fi

vbc=$E2E_TMP/prog.vbc
listing=$E2E_TMP/prog.vasm
again=$E2E_TMP/again.vbc

while IFS= read -r prog; do
    # shellcheck disable=SC2046  # the golden args are meant to split into words
    set -- $(golden_args "$prog")

    bvm compile -o "$vbc" "$prog"
    if [ "$status" -ne 0 ]; then
        not_ok "$prog: compile" "$(last_run)"
        continue
    fi

    # The source and its bytecode run alike.
    bvm run "$@" "$prog"
    cp "$OUT" "$E2E_TMP/source.out"
    source_status=$status
    source_first_err=$(head -n 1 "$ERR")
    bvm run "$@" "$vbc"
    if [ "$status" -ne "$source_status" ]; then
        not_ok "$prog: run .vbc" "exit status $status, but $source_status running the source" "$(last_run)"
    elif ! cmp -s "$OUT" "$E2E_TMP/source.out"; then
        not_ok "$prog: run .vbc" "stdout differs from running the source:" \
            "$(diff "$E2E_TMP/source.out" "$OUT" | head -n 6)"
    elif [ "$(head -n 1 "$ERR")" != "$source_first_err" ]; then
        not_ok "$prog: run .vbc" "first stderr line differs: '$(head -n 1 "$ERR")' vs '$source_first_err'"
    else
        ok "$prog: run .vbc"
    fi

    # dis -> asm reproduces the file byte for byte.
    bvm dis "$vbc"
    if [ "$status" -ne 0 ]; then
        not_ok "$prog: dis" "$(last_run)"
        continue
    fi
    cp "$OUT" "$listing"
    bvm asm -o "$again" "$listing"
    if [ "$status" -ne 0 ]; then
        not_ok "$prog: asm of the dis listing" "$(last_run)"
    elif ! cmp -s "$vbc" "$again"; then
        not_ok "$prog: compile -> dis -> asm gives the same bytes" "$(cmp "$vbc" "$again" 2>&1)"
    else
        ok "$prog: compile -> dis -> asm"
    fi

    bvm verify "$vbc"
    expect_status "$prog: verify the compiled file" 0
done <<<"$programs"

# Golden assembly programs: asm -> dis -> asm is a fixed point too.
while IFS= read -r prog; do
    [ -n "$prog" ] || continue
    bvm asm -o "$vbc" "$prog"
    [ "$status" -eq 0 ] || continue # some are meant not to assemble
    bvm dis "$vbc"
    [ "$status" -eq 0 ] || continue # nor to verify (dis verifies)
    cp "$OUT" "$listing"
    bvm asm -o "$again" "$listing"
    if [ "$status" -ne 0 ]; then
        not_ok "$prog: asm of the dis listing" "$(last_run)"
    elif ! cmp -s "$vbc" "$again"; then
        not_ok "$prog: asm -> dis -> asm gives the same bytes" "$(cmp "$vbc" "$again" 2>&1)"
    else
        ok "$prog: asm -> dis -> asm"
    fi
done <<<"$(find tests/golden -name '*.vasm' -type f 2>/dev/null | LC_ALL=C sort)"

finish
