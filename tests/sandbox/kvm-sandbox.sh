#!/usr/bin/env bash
#
# kvm-sandbox.sh -- run one command on real Linux KVM, on a machine without
# /dev/kvm, inside a QEMU machine that emulates AMD SVM in software.
#
#   tests/sandbox/kvm-sandbox.sh [--cache DIR] [--mem MIB] [--timeout SEC]
#                                [--add PATH[:DEST]]... [--give-back PATH[:DEST]]...
#                                [--forward HOSTPORT:GUESTPORT]... [--times] [--] COMMAND [ARGS...]
#
# The design, in the order things happen (tests/sandbox/README.md has more):
#
# 1. Kernel.  Debian's own kernel (the linux-image-* package that
#    linux-image-amd64 depends on at first use) is fetched with
#    `apt-get download` and unpacked with `dpkg -x` into the cache folder
#    (default build/sandbox/kernel/) by scripts/linux-kernel.sh, which
#    mhv's Linux guest shares.  The sandbox uses the four KVM modules kept
#    there, and the kernel uncompressed (vmlinux), which QEMU boots twice as
#    fast.  Nothing is installed on this machine; later runs reuse the cache.
#
# 2. Initramfs, in two parts that the kernel unpacks one after the other:
#    a base part built once and cached (busybox, bash and its libraries, the
#    modules), and a small part built for this run (tests/sandbox/init, the
#    command line, the files of each --add, and the shared libraries of any
#    program among them).
#
# 3. One boot.  QEMU (TCG, -cpu EPYC,+svm) boots the kernel; the init script
#    loads KVM, runs the command in /work, reports its exit status and powers
#    off.  Four serial ports keep the streams apart (see tests/sandbox/init):
#    ttyS0 is the command's stdout, ttyS1 its stderr, ttyS2 the kernel
#    console (the boot log), ttyS3 the status channel.  QEMU writes each into
#    a FIFO that a reader here copies to our stdout, our stderr, a log file,
#    or the status file, so output arrives while the command runs.
#
# 4. Forwarded ports (--forward HOSTPORT:GUESTPORT), only when asked.  QEMU
#    listens on 127.0.0.1:HOSTPORT here (a socket chardev) and joins a
#    connection to one more serial port, a PCI 16550 (ttyS4, ttyS5, ...):
#    its driver is built into Debian's kernel, so no network driver, module
#    or address is needed.  Inside, init brings up the loopback device and
#    relays that port, in raw mode, to 127.0.0.1:GUESTPORT (busybox nc,
#    retried until the command listens there).  One connection at a time,
#    as a serial line carries one stream; a byte stream in both directions,
#    every byte value passing unchanged (0x03 included: gdb's Ctrl-C).
#
# 5. Files given back (--give-back PATH[:DEST]), only when asked.  After the
#    command, init sends DEST's files as one gzip'd tar on one more serial
#    port (a PCI 16550 again, ttyS4, ahead of the forwarded ones), which
#    QEMU writes into a file here; once the command has ended normally, each
#    is copied over PATH here (the same file, its inode kept).  About
#    0.5 MB/s: meant for disk images, which compress well.
#
# Exit status, as timeout(1) does it:
#   the command's own status       it ran
#   124                            the whole sandbox ran past --timeout
#   125                            the sandbox could not run it: usage error,
#                                  QEMU or the kernel missing, boot failure,
#                                  no /dev/kvm inside (the message says which
#                                  and what to do)
#   126 / 127                      the command is not executable / not there
#
# Environment: QEMU (default qemu-system-x86_64); KVM_SANDBOX_TIMEOUT_NAME,
# what the timeout message calls the limit (default --timeout: a caller
# such as scripts/on-kvm sets it to the knob of its own user).

set -uo pipefail

PROG=kvm-sandbox
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SELF="$REPO/tests/sandbox/kvm-sandbox.sh"
INIT="$REPO/tests/sandbox/init"
INITRAMFS_LIB="$REPO/scripts/initramfs-lib.sh"

# The kernel's fetch (kernel_fetch; KERNEL_KVM_MODULES, the KVM modules in
# the order they must be loaded) and the initramfs helpers (initramfs_*).
source "$REPO/scripts/linux-kernel.sh"
source "$INITRAMFS_LIB"

# quiet: only warnings reach the console (which is the boot log anyway);
# panic=-1 with -no-reboot: a kernel panic ends QEMU at once.  The last two
# save about 0.8 s of each boot under emulation: no self-tests of the crypto
# algorithms, no CPU-bug mitigations (nothing untrusted runs in there).
KERNEL_CMDLINE="console=ttyS2 quiet panic=-1 cryptomgr.notests mitigations=off"

usage() {
    cat >&2 <<EOF
usage: tests/sandbox/kvm-sandbox.sh [options] [--] COMMAND [ARGS...]

Boot Linux with KVM inside QEMU, run COMMAND there (cwd /work, /work/bin on
PATH, stdin /dev/null), power off.  Its stdout, stderr and exit status
become ours.

  --add PATH[:DEST]  copy a file or folder into the sandbox, at DEST (a
                     relative DEST is under /work); default: a relative PATH
                     goes to /work/PATH, an absolute one to the same path.
                     Programs among them bring their shared libraries along.
  --give-back PATH[:DEST]
                     after the command, copy the sandbox's DEST (default
                     as for --add) back over PATH here: what the command
                     wrote to an added file (a disk image) is kept
  --forward HOSTPORT:GUESTPORT
                     a connection to 127.0.0.1:HOSTPORT here reaches
                     127.0.0.1:GUESTPORT inside (repeatable; one connection
                     at a time each; QEMU listens from its start, and bytes
                     sent before the command listens wait for it)
  --cache DIR        kernel and initramfs cache (default build/sandbox)
  --mem MIB          memory of the sandbox machine (default 512)
  --timeout SEC      stop the whole sandbox after SEC seconds: status 124
                     (default 600)
  --times            print how long the boot and the command took, on stderr

Exit status: the command's, 124 timeout, 125 the sandbox could not run it,
126 not executable, 127 not found.
EOF
    exit 125
}

# Progress of a slow first use, for a person watching.  Our stderr is the
# command's stderr, so only when it is a terminal; --times says it too.
note() {
    [ -t 2 ] && echo "$PROG: $*" >&2
    return 0
}

# The sandbox could not do its job: say what failed and what to do.
die() {
    local line
    for line in "$@"; do echo "$PROG: $line" >&2; done
    exit 125
}

# ---- options ------------------------------------------------------------------

cache="$REPO/build/sandbox"
mem=512
timeout=600
# What the timeout message calls the limit: a caller with a knob of its own
# for it (scripts/on-kvm: ON_KVM_TIMEOUT) names that.
TIMEOUT_NAME=${KVM_SANDBOX_TIMEOUT_NAME:---timeout}
show_times=0
add_src=()      # --add: what to copy (a path here) ...
add_dest=()     # ... and where it goes in the sandbox (an absolute path)
back_src=()     # --give-back: where a file goes back to here ...
back_dest=()    # ... and where it is in the sandbox (an absolute path)
forward_host=() # --forward: the port QEMU listens on here ...
forward_guest=() # ... and the one it reaches inside
MAX_FORWARDS=4

# Check one --add PATH[:DEST] and remember it.  A relative DEST is under
# /work; without DEST, a relative PATH keeps its place under /work and an
# absolute one keeps its path.
add_spec() {
    local spec=$1 src dest
    src=${spec%%:*}
    if [[ $spec == *:* ]]; then dest=${spec#*:}; else dest=$src; fi
    [ -n "$src" ] && [ -n "$dest" ] || die "--add '$spec': expected PATH or PATH:DEST"
    [ -e "$src" ] || die "--add '$spec': $src does not exist"
    [[ $dest == /* ]] || dest="/work/${dest#./}"
    [[ $dest/ == */../* ]] && die "--add '$spec': the place inside, $dest, must not contain '..'; give a :DEST"
    add_src+=("$src")
    add_dest+=("${dest%/}")
}

# Check one --give-back PATH[:DEST] and remember it: DEST as add_spec
# makes it; PATH need not exist yet, its folder must.
give_back_spec() {
    local spec=$1 src dest
    src=${spec%%:*}
    if [[ $spec == *:* ]]; then dest=${spec#*:}; else dest=$src; fi
    [ -n "$src" ] && [ -n "$dest" ] || die "--give-back '$spec': expected PATH or PATH:DEST"
    [ -d "$(dirname "$src")" ] && [ ! -d "$src" ] || die "--give-back '$spec': $src must be a file in a folder that exists"
    [[ $dest == /* ]] || dest="/work/${dest#./}"
    [[ $dest/ == */../* ]] && die "--give-back '$spec': the place inside, $dest, must not contain '..'; give a :DEST"
    back_src+=("$src")
    back_dest+=("${dest%/}")
}

# Check one --forward HOSTPORT:GUESTPORT and remember it.
forward_spec() {
    local spec=$1 host guest
    [[ $spec =~ ^([0-9]+):([0-9]+)$ ]] ||
        die "--forward '$spec': expected HOSTPORT:GUESTPORT, two port numbers (e.g. --forward 2345:1234)"
    host=$((10#${BASH_REMATCH[1]}))
    guest=$((10#${BASH_REMATCH[2]}))
    [ "$host" -ge 1 ] && [ "$host" -le 65535 ] && [ "$guest" -ge 1 ] && [ "$guest" -le 65535 ] ||
        die "--forward '$spec': a port is a number from 1 to 65535"
    [ ${#forward_host[@]} -lt $MAX_FORWARDS ] || die "--forward '$spec': at most $MAX_FORWARDS ports"
    local p
    for p in "${forward_host[@]}"; do
        [ "$p" != "$host" ] || die "--forward '$spec': port $host here is forwarded twice"
    done
    forward_host+=("$host")
    forward_guest+=("$guest")
}

while [ $# -gt 0 ]; do
    case "$1" in
        --add)       [ $# -ge 2 ] || die "--add needs PATH[:DEST]"; add_spec "$2"; shift 2 ;;
        --add=*)     add_spec "${1#--add=}"; shift ;;
        --give-back) [ $# -ge 2 ] || die "--give-back needs PATH[:DEST]"; give_back_spec "$2"; shift 2 ;;
        --give-back=*) give_back_spec "${1#--give-back=}"; shift ;;
        --forward)   [ $# -ge 2 ] || die "--forward needs HOSTPORT:GUESTPORT"; forward_spec "$2"; shift 2 ;;
        --forward=*) forward_spec "${1#--forward=}"; shift ;;
        --cache)     [ $# -ge 2 ] || die "--cache needs a folder"; cache=$2; shift 2 ;;
        --cache=*)   cache=${1#--cache=}; shift ;;
        --mem)       [ $# -ge 2 ] || die "--mem needs a size in MiB"; mem=$2; shift 2 ;;
        --mem=*)     mem=${1#--mem=}; shift ;;
        --timeout)   [ $# -ge 2 ] || die "--timeout needs a number of seconds"; timeout=$2; shift 2 ;;
        --timeout=*) timeout=${1#--timeout=}; shift ;;
        --times)     show_times=1; shift ;;
        -h|--help)   usage ;;
        --)          shift; break ;;
        -*)          echo "$PROG: unknown option '$1'" >&2; usage ;;
        *)           break ;;
    esac
done
[ $# -gt 0 ] || { echo "$PROG: missing COMMAND" >&2; usage; }
[[ $mem =~ ^[1-9][0-9]*$ ]] && [ "$mem" -ge 128 ] ||
    die "--mem must be a whole number of MiB, at least 128 (got '$mem')"
[[ $timeout =~ ^[1-9][0-9]*$ ]] ||
    die "--timeout must be a whole number of seconds, at least 1 (got '$timeout')"

t_start=$EPOCHREALTIME

# ---- the tools we need --------------------------------------------------------------

QEMU=${QEMU:-qemu-system-x86_64}
need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 ||
            die "'$tool' not found: install the sandbox's packages with 'scripts/deps.sh hypervisor' (as root)"
    done
}
need "$QEMU" busybox bash cpio ldd mkfifo timeout flock
BUSYBOX=$(command -v busybox)
BASH_BIN=$(command -v bash)

mkdir -p "$cache" 2>/dev/null || die "cannot create the cache folder $cache"
cache=$(cd "$cache" && pwd)

# ---- 1. the kernel ------------------------------------------------------------

# Fetched at first use (and again when it lacks what scripts/linux-kernel.sh
# keeps now) by kernel_fetch, under the lock below.
KERNEL_DIR="$cache/kernel"

# ---- 2. the initramfs ---------------------------------------------------------

BASE="$cache/base.cpio"         # busybox, bash, modules: cached
BASE_LIBS="$cache/base.libs"    # the shared libraries already in it

# Build the base part when it is missing or older than what it is made of.
build_base() {
    local input stale=0
    [ -s "$BASE" ] && [ -s "$BASE_LIBS" ] || stale=1
    for input in "$SELF" "$INITRAMFS_LIB" "$KERNEL_DIR/version" "$BUSYBOX" "$BASH_BIN"; do
        [ "$input" -nt "$BASE" ] && stale=1
    done
    [ "$stale" = 1 ] || return 0

    local stage libs m
    stage=$(mktemp -d "$cache/base.new.XXXXXX") || die "cannot write into the cache folder $cache"
    PARTIAL=$stage
    libs="$stage.libs"
    : >"$libs"
    mkdir -p "$stage"/{dev,proc,sys,tmp,root,work,sandbox,lib/modules/sandbox}
    initramfs_busybox "$stage" "$BUSYBOX" || die "could not copy $BUSYBOX into the initramfs"
    # bash, for test scripts that are not plain sh.
    rm -f "$stage/bin/bash"
    cp "$BASH_BIN" "$stage/bin/bash"
    initramfs_copy_libs "$stage" "$libs" "$stage/bin/busybox" "$stage/bin/bash"
    for m in "${KERNEL_KVM_MODULES[@]}"; do
        cp "$KERNEL_DIR/$(basename "$m")" "$stage/lib/modules/sandbox/"
        basename "$m" >>"$stage/sandbox/modules"
    done

    # Not compressed: under emulation, gunzip in the kernel costs more time
    # than reading the larger file.  The run's part is appended to it.
    initramfs_pack "$stage" >"$stage.cpio" || die "could not build the initramfs (cpio failed)"
    mv "$libs" "$BASE_LIBS"
    mv "$stage.cpio" "$BASE"
    rm -rf "$stage"
    PARTIAL=""
}

# A word quoted for sh: 'it'\''s'.
sh_quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

# The part for this run: init, the command line, the --add files and the
# libraries of the programs among them, appended to the base part as $RUN/initrd.
build_run_part() {
    local stage="$RUN/stage" src dest known="$RUN/libs" arg
    mkdir -p "$stage/sandbox" "$stage/work"
    cp "$INIT" "$stage/init" && chmod 755 "$stage/init"
    {
        printf 'set --'
        for arg in "$@"; do printf ' %s' "$(sh_quote "$arg")"; done
        printf '\n'
    } >"$stage/sandbox/command"

    cp "$BASE_LIBS" "$known"
    local added=() i
    # The files to give back: the serial port for them (ttyS4), then
    # their paths, one a line, relative to / (for tar -C /).
    if [ ${#back_dest[@]} -gt 0 ]; then
        echo ttyS4
        printf '%s\n' "${back_dest[@]#/}"
    fi >"$stage/sandbox/giveback"
    # The forwarded ports: the serial port of each (ttyS4 on, after the
    # one of the files given back) and the port inside it reaches, for init.
    for i in "${!forward_guest[@]}"; do
        printf 'ttyS%d %d\n' $((4 + (${#back_dest[@]} > 0) + i)) "${forward_guest[i]}"
    done >"$stage/sandbox/forwards"
    for i in "${!add_src[@]}"; do
        src=${add_src[i]}
        dest=${add_dest[i]}
        mkdir -p "$stage$(dirname "$dest")"
        if [ -d "$src" ]; then
            mkdir -p "$stage$dest" && cp -a "$src/." "$stage$dest/"
        else
            cp -a -H "$src" "$stage$dest"
        fi || die "--add $src: could not copy it into the initramfs"
        added+=("$stage$dest")
    done
    if [ ${#added[@]} -gt 0 ]; then
        local programs=()
        mapfile -t programs < <(find "${added[@]}" -type f -perm /111)
        [ ${#programs[@]} -eq 0 ] || initramfs_copy_libs "$stage" "$known" "${programs[@]}"
    fi

    cp "$BASE" "$RUN/initrd"
    initramfs_pack "$stage" >>"$RUN/initrd" || die "could not build the initramfs (cpio failed)"
}

# ---- 3. the boot ------------------------------------------------------------------

fetched=""       # the kernel package, if this run had to download it
RUN=""           # this run's temporary folder
PARTIAL=""       # a cache entry being built, removed if we stop half way
QEMU_PID=""
READERS=()

cleanup() {
    [ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
    local pid
    for pid in "${READERS[@]}"; do kill "$pid" 2>/dev/null; done
    [ -n "$RUN" ] && rm -rf "$RUN"
    [ -n "$PARTIAL" ] && rm -rf "$PARTIAL" "$PARTIAL".*
    kernel_cleanup
}
trap cleanup EXIT
trap 'echo "$PROG: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

exec 9>"$cache/.lock" && flock 9        # one first-use setup at a time
kernel_fetch "$KERNEL_DIR"
fetched=$KERNEL_FETCHED
build_base
RUN=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sandbox.XXXXXX") || die "cannot create a temporary folder"
build_run_part "$@"
exec 9>&-

# In -chardev options, QEMU takes "," in a file name as the end of the
# value unless it is doubled.
qpath() { printf '%s' "${1//,/,,}"; }

# vmlinux when it could be extracted, else the compressed vmlinuz.
KERNEL_IMAGE="$KERNEL_DIR/$(sed -n 's/^boot //p' "$KERNEL_DIR/version")"
[ -f "$KERNEL_IMAGE" ] || KERNEL_IMAGE="$KERNEL_DIR/vmlinuz"

for stream in stdout stderr console status; do mkfifo "$RUN/$stream.fifo"; done
# The readers must be there before QEMU opens the FIFOs (it waits for them).
cat "$RUN/stdout.fifo" &
READERS+=($!)
cat "$RUN/stderr.fifo" >&2 &
READERS+=($!)
cat "$RUN/console.fifo" >"$RUN/boot.log" &
READERS+=($!)
# Each status line, stamped with the time it arrived here.
while IFS= read -r line; do
    printf '%s %s\n' "$EPOCHREALTIME" "$line"
done <"$RUN/status.fifo" >"$RUN/status" &
READERS+=($!)

# Each forwarded port: QEMU listens on it here and joins a connection to a
# PCI serial port (wait=off: the machine starts at once; nodelay: a packet
# of a few bytes goes at once).  The kernel makes four serial ports unless
# told more (8250.nr_uarts), and the four of the streams come first.
# The files given back come first, on one more PCI serial port (ttyS4)
# that QEMU writes into a file here.
forward_args=()
cmdline=$KERNEL_CMDLINE
uarts=4
if [ ${#back_dest[@]} -gt 0 ]; then
    forward_args+=(-chardev "file,id=giveback,path=$(qpath "$RUN/giveback.tgz")" -device "pci-serial,chardev=giveback")
    uarts=$((uarts + 1))
fi
if [ ${#forward_host[@]} -gt 0 ]; then
    for i in "${!forward_host[@]}"; do
        forward_args+=(-chardev "socket,id=forward$i,host=127.0.0.1,port=${forward_host[i]},server=on,wait=off,nodelay=on"
                       -device "pci-serial,chardev=forward$i")
    done
    uarts=$((uarts + ${#forward_host[@]}))
fi
[ "$uarts" -gt 4 ] && cmdline+=" 8250.nr_uarts=$uarts"

t_qemu=$EPOCHREALTIME
timeout --kill-after=5 "$timeout" "$QEMU" \
    -accel tcg -cpu EPYC,+svm -smp 1 -m "$mem" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$KERNEL_IMAGE" -initrd "$RUN/initrd" \
    -append "$cmdline" \
    -chardev file,id=stdout,path="$(qpath "$RUN/stdout.fifo")" -serial chardev:stdout \
    -chardev file,id=stderr,path="$(qpath "$RUN/stderr.fifo")" -serial chardev:stderr \
    -chardev file,id=console,path="$(qpath "$RUN/console.fifo")" -serial chardev:console \
    -chardev file,id=status,path="$(qpath "$RUN/status.fifo")" -serial chardev:status \
    "${forward_args[@]}" \
    </dev/null >"$RUN/qemu.log" 2>&1 &
QEMU_PID=$!
wait "$QEMU_PID"
qemu_status=$?
QEMU_PID=""

# If QEMU stopped before opening a FIFO, its reader still waits for a
# writer: open each FIFO once ourselves (read-write never blocks) to let it
# see the end.  Then wait until every reader has copied everything.
for stream in stdout stderr console status; do : <>"$RUN/$stream.fifo"; done
wait "${READERS[@]}"
READERS=()
t_end=$EPOCHREALTIME
cp "$RUN/boot.log" "$cache/last-boot.log" 2>/dev/null

# ---- how it ended -------------------------------------------------------------------

# The last lines of the boot log, indented, for a failure message.
# A kernel panic's reason comes before its stack trace: show that line too.
boot_log_tail() {
    if [ ! -s "$RUN/boot.log" ]; then
        echo "its boot log is empty"
        return
    fi
    echo "the end of its boot log ($cache/last-boot.log):"
    tr -d '\r' <"$RUN/boot.log" | grep -m 1 'Kernel panic' | sed 's/^/    /'
    tr -d '\r' <"$RUN/boot.log" | grep -v '^[[:space:]]*$' | tail -n 8 | sed 's/^/    /'
}

# QEMU's own messages, without its warnings that TCG lacks some EPYC CPUID
# features (harmless, and printed at every start).
qemu_messages() {
    grep -v "TCG doesn't support requested feature" "$RUN/qemu.log" | head -n 8 | sed 's/^/    /'
}

ready_line=$(grep -m 1 ' ready$' "$RUN/status")
end_line=$(grep -m 1 -E ' (exit|error) ' "$RUN/status")

if [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
    if [ -n "$ready_line" ]; then
        echo "$PROG: timed out: the command was still running after ${timeout} s (the limit of $TIMEOUT_NAME); the sandbox was stopped" >&2
    else
        echo "$PROG: timed out: the sandbox had not finished booting after ${timeout} s ($TIMEOUT_NAME); $(boot_log_tail)" >&2
    fi
    exit 124
fi

case "$end_line" in
    *" exit "[0-9]*)
        status=${end_line##* }
        ;;
    *" error "*)
        die "the sandbox failed: ${end_line#* error }" \
            "the kernel is $(sed -n 's/^package //p' "$KERNEL_DIR/version"); $(boot_log_tail)"
        ;;
    *)
        if [ ! -s "$RUN/boot.log" ]; then
            die "QEMU could not start the machine (status $qemu_status):" "$(qemu_messages)"
        elif [ -n "$ready_line" ]; then
            die "the sandbox machine stopped while the command was running (out of memory? try --mem);" \
                "$(boot_log_tail)"
        else
            die "the sandbox machine stopped before the command could start (QEMU status $qemu_status);" \
                "$(boot_log_tail)" "if the kernel in $KERNEL_DIR is damaged, remove that folder to fetch it again"
        fi
        ;;
esac

# The files given back, over their PATHs here (cp keeps the file's inode
# and modes).  A file that did not come back is named; the status stays
# the command's.
if [ ${#back_dest[@]} -gt 0 ]; then
    mkdir -p "$RUN/giveback"
    if ! tar -xzf "$RUN/giveback.tgz" -C "$RUN/giveback" 2>"$RUN/giveback.err"; then
        echo "$PROG: --give-back: the files did not come back whole ($(head -n 1 "$RUN/giveback.err")); nothing was copied back" >&2
    else
        for i in "${!back_dest[@]}"; do
            if [ ! -f "$RUN/giveback${back_dest[i]}" ]; then
                echo "$PROG: --give-back ${back_src[i]}: ${back_dest[i]} was not a file in the sandbox at the end; not copied back" >&2
            elif ! cp "$RUN/giveback${back_dest[i]}" "${back_src[i]}"; then
                echo "$PROG: --give-back ${back_src[i]}: could not copy it back" >&2
            fi
        done
    fi
fi

if [ "$show_times" = 1 ]; then
    t_ready=${ready_line%% *}
    t_exit=${end_line%% *}
    awk -v s="$t_start" -v q="$t_qemu" -v r="$t_ready" -v x="$t_exit" -v e="$t_end" -v p="$PROG" \
        -v f="${fetched:+ (first use: downloaded $fetched)}" 'BEGIN {
        printf "%s: times: prepare %.2f s%s, boot %.2f s (QEMU start to command), command %.2f s, power-off %.2f s, total %.2f s\n",
               p, q - s, f, r - q, x - r, e - x, e - s
    }' >&2
fi
exit "$status"
