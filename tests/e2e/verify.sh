#!/usr/bin/env bash
#
# verify.sh -- `bvm verify` and damaged bytecode files through the command
# line: a good file verifies (0); a truncated file, and the same program with
# any one byte inverted, is either still acceptable (0) or rejected with
# status 65 and a message that names the file -- never a crash or a hang.
# Among the rejections, some must come from the reader (a file-level
# error) and some from the verifier (naming a function and pc), so both
# stages are shown to be reached from the command line.
# (tests/tools/fuzz.c does the same in-process, many thousands of times.)
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

cat >"$E2E_TMP/prog.vela" <<'EOF'
struct Pair { int left; string right; }

int twice(int x) { return x * 2; }

float mean(int[] xs) {
    int total = 0;
    for (int i = 0; i < len(xs); i++) total += xs[i];
    return float(total) / len(xs);
}

void main() {
    Pair p = new Pair(twice(21), "answer");
    int[] xs = [1, 2, 3, 4];
    print(p.left, p.right, mean(xs));
    try {
        throw "oops";
    } catch (e) {
        print("caught " + e);
    }
}
EOF
good=$E2E_TMP/good.vbc
bad=$E2E_TMP/bad.vbc

bvm compile -o "$good" "$E2E_TMP/prog.vela"
expect_status "compile the test program" 0
[ "$status" -eq 0 ] || finish

bvm verify "$good"
expect_status "verify a good file: exit status 0" 0

size=$(stat -c %s "$good")

# Truncated: at the magic, in the header, halfway, one byte short.
for keep in 3 4 8 $((size / 2)) $((size - 1)); do
    head -c "$keep" "$good" >"$bad"
    bvm verify "$bad"
    expect_status "verify a file truncated to $keep of $size bytes: exit status 65" 65
    expect_err_has "verify a file truncated to $keep bytes: names the file" "$bad"
done

# Bytes after the magic inverted, one at a time (at most ~150 of them,
# evenly spread).  The damaged files are written by bash's printf from the
# file's bytes read once, so each check costs one process: bvm itself.
esc=()
for byte in $(od -An -tu1 -v "$good"); do
    printf -v e '\\0%03o' "$byte"
    esc+=("$e")
done
step=$(((size - 4 + 149) / 150))
reader_errors=0
verifier_errors=0
accepted=0
for ((off = 4; off < size; off += step)); do
    damaged=("${esc[@]}")
    printf -v 'damaged[off]' '\\0%03o' $(((8#${esc[off]:2}) ^ 0xFF))
    printf '%b' "${damaged[@]}" >"$bad"
    bvm verify "$bad"
    case $status in
    0)
        accepted=$((accepted + 1))
        ok "byte $off inverted: accepted"
        ;;
    65)
        err=""
        read -r -d '' err <"$ERR"
        if [[ $err == *"$bad: function '"* ]]; then
            verifier_errors=$((verifier_errors + 1))
            ok "byte $off inverted: rejected by the verifier"
        elif [[ $err == *"$bad"* ]]; then
            reader_errors=$((reader_errors + 1))
            ok "byte $off inverted: rejected by the reader"
        else
            not_ok "byte $off inverted: rejected, naming the file" "$(last_run)"
        fi
        ;;
    *)
        not_ok "byte $off inverted: exit status 0 or 65" "$(last_run)"
        ;;
    esac
done
echo "$E2E_NAME: inverted bytes: $accepted accepted, $reader_errors rejected by the reader, $verifier_errors by the verifier"
if [ "$reader_errors" -gt 0 ]; then ok "the reader rejects some"; else
    not_ok "some inverted byte is rejected by the reader" "none was"; fi
if [ "$verifier_errors" -gt 0 ]; then ok "the verifier rejects some"; else
    not_ok "some inverted byte is rejected by the verifier (message: FILE: function 'F' pc N: error: ...)" "none was"; fi

# Running a damaged file is refused the same way: 65, before anything runs.
head -c $((size / 2)) "$good" >"$bad"
bvm run "$bad"
expect_status "run a truncated file: exit status 65" 65
if [ -s "$OUT" ]; then not_ok "run a truncated file: prints nothing on stdout" "$(last_run)"; else
    ok "run a truncated file: prints nothing on stdout"; fi

finish
