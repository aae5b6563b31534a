#!/usr/bin/env bash
#
# install.sh -- make install and make uninstall, end to end (GNU conventions).
#
#   1. `make install DESTDIR=SCRATCH PREFIX=/opt/vmlab` into a scratch folder;
#      the installed tree holds exactly the files it should (programs,
#      guest images, workloads, labs, docs, man pages, with their modes),
#      and the programs are the release build's, never a sanitizer build's:
#      the make is given the BUILD, BINDIR and SAN of the build under test
#      (`make asan`'s, under make asan), as a make started from its suites
#      would inherit them, and must install bin/ and build/release/ anyway.
#   2. From a folder outside the tree: the installed bvm runs an installed
#      workload and prints its .expected line; the installed vdb --batch
#      debugs it; an unknown guest name gets status 125 and a message that
#      names the installed guests' folder, found from /proc/self/exe (also
#      after the installed tree is moved).
#   3. On KVM -- /dev/kvm here, else the nested-KVM sandbox, one boot -- the
#      installed mhv and vdb run guests by name (tests/install/guests.sh).
#   4. The installed man pages render (man -l, and groff -ww with no
#      warning), man finds them under PREFIX/share/man, and each names every
#      flag its program's --help prints.
#   5. `make uninstall` with the same DESTDIR and PREFIX leaves nothing of
#      vmlab's, and leaves what is not vmlab's.
#
# Prints "ok    WHAT" / "FAIL  WHAT" per check and ends with
# "install: N passed, N failed" (tests/run-tests.sh adds it up); status 0
# when nothing failed.
#
# Environment: LAB_BUILD, LAB_BINDIR, LAB_SAN (the build under test, which
# tests/run-tests.sh passes); SANDBOX (default tests/sandbox/kvm-sandbox.sh);
# INSTALL_KVM=sandbox runs step 3 in the sandbox even where /dev/kvm is.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
ROOT=$(pwd)
. tests/labs/lib.sh

SANDBOX=${SANDBOX:-tests/sandbox/kvm-sandbox.sh}
PREFIX=/opt/vmlab
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-install.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
DEST=$scratch/dest
P=$DEST$PREFIX
elsewhere=$scratch/elsewhere
mkdir -p "$elsewhere"

# This tree's make, with nothing of the make that may have started us
# (its MAKEFLAGS carry a jobserver this shell does not hold).
tree_make() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" --no-print-directory "$@"
}

# The last lines of a log, indented, for a failure.
tail_of() { tail -n "${2:-8}" "$1" | sed 's/^/| /'; }

# ---- 1. install ------------------------------------------------------------------

t0=$SECONDS
if tree_make install DESTDIR="$DEST" PREFIX="$PREFIX" \
        BUILD="${LAB_BUILD:-build/release}" BINDIR="${LAB_BINDIR:-bin}" SAN="${LAB_SAN:-}" \
        >"$scratch/install.log" 2>&1; then
    ok "make install DESTDIR=... PREFIX=$PREFIX ($((SECONDS - t0)) s)"
else
    not_ok "make install DESTDIR=... PREFIX=$PREFIX" "$(tail_of "$scratch/install.log")"
    finish install
fi

# What must be there, worked out here from the sources, not from the Makefile.
{
    printf 'bin/%s\n' bvm mhv vdb
    printf 'share/man/man1/%s.1\n' bvm mhv vdb
    # The guest images the release build made (the flat ones are NAME.bin;
    # the build's .o and .flat.elf files beside them are not installed).
    for f in build/release/guest/*.bin; do echo "share/vmlab/guests/$(basename "$f")"; done
    echo share/vmlab/guests/hello32.elf
    echo share/vmlab/guests/kernel.elf
    echo share/vmlab/guests/kernel-debug.elf
    for f in workloads/README.md workloads/*.vela workloads/*.c workloads/*.h workloads/*.lua \
             workloads/*.java workloads/*.expected; do
        echo "share/vmlab/$f"
    done
    # labs/, less what a build or an editor leaves there (nothing of the
    # build goes there: the lab scripts build into build/).
    find labs -type f ! -name '*.o' ! -name '*.d' ! -name '*.vbc' ! -name '*.bin' ! -name '*.elf' ! -name '*.a' \
        ! -name '*~' ! -name '*.swp' ! -name '*.orig' ! -name '*.rej' | sed 's|^|share/vmlab/|'
    echo share/doc/vmlab/README.md
    for f in docs/*.md; do echo "share/doc/vmlab/$f"; done
} | LC_ALL=C sort >"$scratch/wanted"
(cd "$P" 2>/dev/null && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort) >"$scratch/got"
if cmp -s "$scratch/wanted" "$scratch/got"; then
    ok "the installed files: exactly the $(wc -l <"$scratch/wanted") expected, under $PREFIX"
else
    not_ok "the installed files: exactly the expected ones" \
        "$(diff "$scratch/wanted" "$scratch/got" | grep '^[<>]' | head -n 12 | sed 's/^</missing:/; s/^>/extra:  /')"
fi
if [ -z "$(find "$DEST" -mindepth 1 -maxdepth 1 ! -name opt)" ] && [ "$(ls "$DEST/opt")" = vmlab ]; then
    ok "nothing installed outside DESTDIR$PREFIX"
else
    not_ok "nothing installed outside DESTDIR$PREFIX" "$(find "$DEST" -maxdepth 2)"
fi

modes=""
for f in bin/bvm bin/mhv bin/vdb; do
    [ "$(stat -c %a "$P/$f" 2>/dev/null)" = 755 ] || modes="$modes $f:$(stat -c %a "$P/$f" 2>/dev/null)"
done
for f in share/man/man1/bvm.1 share/vmlab/guests/kernel.elf share/vmlab/workloads/fib.vela share/doc/vmlab/README.md \
         share/vmlab/labs/README.md; do
    [ "$(stat -c %a "$P/$f" 2>/dev/null)" = 644 ] || modes="$modes $f:$(stat -c %a "$P/$f" 2>/dev/null)"
done
for f in share/vmlab/labs/grade share/vmlab/labs/01-bytecode/check.sh; do
    [ -x "$P/$f" ] || modes="$modes $f:not-executable"
done
if [ -z "$modes" ]; then ok "modes: programs and lab scripts 755, data 644"; else not_ok "modes" "wrong:$modes"; fi

# The release build, byte for byte, and no sanitizer runtime in it.
same=""
for f in bvm mhv vdb; do cmp -s "$P/bin/$f" "bin/$f" || same="$same bin/$f"; done
for f in "$P"/share/vmlab/guests/*; do
    cmp -s "$f" "build/release/guest/$(basename "$f")" || same="$same $(basename "$f")"
done
if [ -z "$same" ]; then ok "the installed programs and guests are bin/ and build/release/guest/"; else
    not_ok "the installed programs and guests are bin/ and build/release/guest/" "differ:$same"; fi
if grep -l -E '__asan_init|__ubsan_handle' "$P"/bin/* >"$scratch/sanitized" 2>/dev/null; then
    not_ok "no sanitizer build installed" "sanitized: $(tr '\n' ' ' <"$scratch/sanitized")"
else
    ok "no sanitizer build installed (BUILD=${LAB_BUILD:-build/release} SAN='${LAB_SAN:-}' given)"
fi

# ---- 2. the installed programs, from another folder --------------------------------

cd "$elsewhere" || exit 2
unset VMLAB_GUESTS
work=$P/share/vmlab/workloads
if "$P/bin/bvm" run "$work/trees.vela" >out 2>err && cmp -s out "$work/trees.expected"; then
    ok "installed bvm run trees.vela prints trees.expected"
else
    not_ok "installed bvm run trees.vela prints trees.expected" "$(head -n 3 out err)"
fi
if "$P/bin/bvm" run --jit=always "$work/fib.vela" >out 2>err && cmp -s out "$work/fib.expected"; then
    ok "installed bvm run --jit=always fib.vela prints fib.expected"
else
    not_ok "installed bvm run --jit=always fib.vela prints fib.expected" "$(head -n 3 out err)"
fi

printf 'break main\nrun\nbt\ncontinue\n' >trees.vdb
"$P/bin/vdb" --batch -x trees.vdb "$work/trees.vela" >out 2>err </dev/null
status=$?
if [ "$status" -eq 0 ] && grep -q '^Breakpoint 1, main at trees.vela:' out && grep -q 'main at trees.vela' out &&
   grep -qxF "$(cat "$work/trees.expected")" out && grep -qF '[program exited with status 0]' out; then
    ok "installed vdb --batch: a breakpoint, a backtrace, the program's line, its exit"
else
    not_ok "installed vdb --batch on trees.vela" "status $status" "$(head -n 12 out err)"
fi

"$P/bin/mhv" run no-such-guest >out 2>err
status=$?
if [ "$status" -eq 125 ] && grep -qF "no guest image 'no-such-guest'" err && grep -qF "$P/share/vmlab/guests (installed)" err &&
   [ ! -s out ]; then
    ok "installed mhv run no-such-guest: status 125, names $PREFIX/share/vmlab/guests under DESTDIR"
else
    not_ok "installed mhv run no-such-guest: status 125 and where it looked" "status $status" "$(cat err)"
fi
"$P/bin/vdb" --hv --batch no-such-guest >out 2>err </dev/null
status=$?
if [ "$status" -eq 125 ] && grep -qF "$P/share/vmlab/guests (installed)" err; then
    ok "installed vdb --hv no-such-guest: status 125, the same folders"
else
    not_ok "installed vdb --hv no-such-guest: status 125 and where it looked" "status $status" "$(cat err)"
fi

# Moved elsewhere, the tree finds its own guests: nothing absolute is compiled in.
mv "$DEST/opt" "$scratch/moved"
"$scratch/moved/vmlab/bin/mhv" run no-such-guest >out 2>err
status=$?
mv "$scratch/moved" "$DEST/opt"
if [ "$status" -eq 125 ] && grep -qF "$scratch/moved/vmlab/share/vmlab/guests (installed)" err; then
    ok "a moved install looks in its own share/vmlab/guests"
else
    not_ok "a moved install looks in its own share/vmlab/guests" "status $status" "$(cat err)"
fi
cd "$ROOT" || exit 2

# ---- 3. on KVM: guests by name ---------------------------------------------------

if [ "${INSTALL_KVM:-}" != sandbox ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    where="/dev/kvm here"
    bash tests/install/guests.sh "$P" "$scratch/kvm" >"$scratch/guests.out" 2>"$scratch/guests.err"
    kvm_status=$?
else
    # Only the programs and the guests travel, to a prefix of their own; the
    # command runs in /work, which holds no build tree.
    where="the nested-KVM sandbox"
    t0=$SECONDS
    "$SANDBOX" --timeout 300 --add "$P/bin:/usr/lib/vmlab-test/bin" \
        --add "$P/share/vmlab/guests:/usr/lib/vmlab-test/share/vmlab/guests" \
        --add tests/install/guests.sh:guests.sh -- bash /work/guests.sh /usr/lib/vmlab-test /tmp/install-test \
        >"$scratch/guests.out" 2>"$scratch/guests.err" </dev/null
    kvm_status=$?
    echo "      (one sandbox boot: $((SECONDS - t0)) s)"
fi
kvm_checks=$(sed -n 's/^guests: \([0-9]*\) checks$/\1/p' "$scratch/guests.out")
while IFS= read -r line; do
    case $line in
        "ok    "*) ok "on KVM ($where): ${line#ok    }" ;;
        "FAIL  "*) not_ok "on KVM ($where): ${line#FAIL  }" ;;
        "      "*) echo "$line" ;;
    esac
done <"$scratch/guests.out"
if [ -z "$kvm_checks" ]; then
    not_ok "the KVM checks ran ($where)" "status $kvm_status, no 'guests: N checks' line" "$(tail_of "$scratch/guests.err")"
elif [ "$kvm_status" -ne 0 ] && ! grep -q '^FAIL' "$scratch/guests.out"; then
    not_ok "the KVM checks ran ($where)" "status $kvm_status with no check failed" "$(tail_of "$scratch/guests.err")"
fi

# ---- 4. the man pages --------------------------------------------------------------

for prog in bvm mhv vdb; do
    page=$P/share/man/man1/$prog.1
    LC_ALL=C MANWIDTH=100 man -l "$page" >"$scratch/$prog.txt" 2>"$scratch/$prog.err"
    status=$?
    upper=$(tr a-z A-Z <<<"$prog")
    missing_sections=""
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
        grep -qx "$section" "$scratch/$prog.txt" || missing_sections="$missing_sections '$section'"
    done
    if [ "$status" -eq 0 ] && [ ! -s "$scratch/$prog.err" ] && grep -q "^$upper(1)" "$scratch/$prog.txt" &&
       [ -z "$missing_sections" ]; then
        ok "man -l $prog.1 renders, every section there"
    else
        not_ok "man -l $prog.1 renders, every section there" "status $status; missing:$missing_sections" \
            "$(head -n 4 "$scratch/$prog.err")"
    fi
    warnings=$(groff -man -ww -z "$page" 2>&1)
    if [ -z "$warnings" ]; then ok "groff -man -ww: $prog.1 without a warning"; else
        not_ok "groff -man -ww: $prog.1 without a warning" "$warnings"; fi

    # Every flag --help prints, in the page as rendered (unhyphenated, so a
    # flag is never broken across lines).
    LC_ALL=C MANWIDTH=200 man --no-hyphenation -l "$page" >"$scratch/$prog.wide" 2>/dev/null
    flags=$("$P/bin/$prog" --help | grep -oE '(^|[^A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' |
            sed -E 's/^[^-]+//' | LC_ALL=C sort -u)
    absent=""
    for flag in $flags; do
        grep -qE -- "(^|[^A-Za-z0-9_-])$flag([^A-Za-z0-9_-]|\$)" "$scratch/$prog.wide" || absent="$absent $flag"
    done
    if [ -n "$flags" ] && [ -z "$absent" ]; then
        ok "$prog.1 names every flag of $prog --help ($(wc -w <<<"$flags"))"
    else
        not_ok "$prog.1 names every flag of $prog --help" "not in the page:${absent:- (--help printed no flags)}"
    fi
done
if [ "$(MANPATH=$P/share/man man -w mhv 2>/dev/null)" = "$P/share/man/man1/mhv.1" ]; then
    ok "man finds the pages under PREFIX/share/man (MANPATH=... man -w mhv)"
else
    not_ok "man finds the pages under PREFIX/share/man" "man -w mhv: $(MANPATH=$P/share/man man -w mhv 2>&1)"
fi

# ---- 5. uninstall ---------------------------------------------------------------

# Files that are not vmlab's, in folders install uses: they must stay.
mkdir -p "$P/share/doc/other" && : >"$P/bin/other" && : >"$P/share/man/man1/other.1" && : >"$P/share/doc/other/README"
if tree_make uninstall DESTDIR="$DEST" PREFIX="$PREFIX" >"$scratch/uninstall.log" 2>&1; then
    ok "make uninstall DESTDIR=... PREFIX=$PREFIX"
else
    not_ok "make uninstall DESTDIR=... PREFIX=$PREFIX" "$(tail_of "$scratch/uninstall.log")"
fi
(cd "$DEST" && find . ! -type d | LC_ALL=C sort) >"$scratch/left"
if [ "$(tr '\n' ' ' <"$scratch/left")" = "./opt/vmlab/bin/other ./opt/vmlab/share/doc/other/README ./opt/vmlab/share/man/man1/other.1 " ]; then
    ok "uninstall removed every file of vmlab's, and only those"
else
    not_ok "uninstall removed every file of vmlab's, and only those" \
        "left ($(wc -l <"$scratch/left") files; three are not vmlab's and must stay):" "$(head -n 8 "$scratch/left")"
fi
vmlab_dirs=$(find "$DEST" -type d \( -path "$P/share/vmlab" -o -path "$P/share/doc/vmlab" \))
if [ -z "$vmlab_dirs" ]; then ok "uninstall removed the vmlab folders"; else
    not_ok "uninstall removed the vmlab folders" "left: $vmlab_dirs"; fi

finish install
