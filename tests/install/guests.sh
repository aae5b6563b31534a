#!/usr/bin/env bash
#
# guests.sh -- the installed mhv and vdb run guests by name, on KVM.
#
#   guests.sh PREFIX SCRATCH
#
# Run by tests/install/install.sh where /dev/kvm is: on this machine, or
# inside the nested-KVM sandbox (one boot), with PREFIX an installed tree
# (PREFIX/bin/mhv, PREFIX/share/vmlab/guests/) and SCRATCH a writable
# folder.  It works in SCRATCH, outside the install and outside any build
# tree, with VMLAB_GUESTS unset, so a guest's name can only be found the
# way an installed program finds it: from /proc/self/exe.
#
# Prints "ok    WHAT" or "FAIL  WHAT" (with the reason indented) per check,
# then "guests: N checks"; install.sh counts those lines.  Exit status 0
# when every check passed.
set -u
prefix=$1
scratch=$2
checks=0
failures=0
mkdir -p "$scratch/elsewhere" && cd "$scratch/elsewhere" || exit 2
unset VMLAB_GUESTS

# check WHAT WANTED-STATUS WANTED-TEXT-IN-STDOUT COMMAND...
check() {
    local what=$1 want_status=$2 want_text=$3 status
    shift 3
    checks=$((checks + 1))
    "$@" >out 2>err </dev/null
    status=$?
    if [ "$status" -eq "$want_status" ] && { [ -z "$want_text" ] || grep -qF -- "$want_text" out; }; then
        echo "ok    $what"
    else
        failures=$((failures + 1))
        echo "FAIL  $what"
        echo "      command: $*"
        echo "      status $status (wanted $want_status); stdout should hold: $want_text"
        head -c 400 out | sed 's/^/      out| /'
        head -c 400 err | sed 's/^/      err| /'
    fi
}

check "mhv run hello16: found by name, real mode" 0 "hello from real mode" \
    "$prefix/bin/mhv" run hello16
check "mhv run --mode long hello64.bin: the name with its suffix" 0 "hello from long mode" \
    "$prefix/bin/mhv" run --mode long hello64.bin
check "mhv run kernel: the guest kernel, kernel.elf" 0 "fib(20) = 6765" \
    "$prefix/bin/mhv" run --cmdline "fib=20" kernel
check "mhv run exit7: its status comes back" 7 "" \
    "$prefix/bin/mhv" run exit7
printf 'continue\n' >continue.vdb
check "vdb --hv --batch hello16: found by name" 0 "hello from real mode" \
    "$prefix/bin/vdb" --hv --batch -x continue.vdb hello16

# $VMLAB_GUESTS comes first: a folder of one's own guests.
mkdir -p mine && cp "$prefix/share/vmlab/guests/exit7.bin" mine/seven.bin
check "VMLAB_GUESTS=mine mhv run seven" 7 "" \
    env VMLAB_GUESTS="$PWD/mine" "$prefix/bin/mhv" run seven

echo "guests: $checks checks"
[ "$failures" -eq 0 ]
