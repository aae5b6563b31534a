#!/usr/bin/env bash
#
# sandbox.sh -- the nested-KVM sandbox runner (tests/sandbox/kvm-sandbox.sh),
# end to end: inside, /dev/kvm exists and runs a real guest (a five-byte
# program that writes to a port and halts); the command's stdout and stderr
# come out apart, complete, and free of kernel, BIOS or QEMU noise; its exit
# status comes back; added files and programs (with their shared libraries)
# are there and runnable; a port forwarded with --forward carries every
# byte value both ways between a program here and a server inside (with a
# --give-back port ahead of it); a file given back with --give-back comes
# back with what the command wrote, over the same file here, and a missing
# one is named; a missing command, a missing QEMU, a bad command line, a bad --forward, a
# forwarded port already in use and a timeout each end with their status
# and a clear message.
#
# Every boot costs seconds of emulated CPU, so one boot checks as much as it
# can: a script added with --add runs all the checks that need a sandbox,
# and prints what the host then compares.  Three boots in all.
#
# `make check` and `make sandbox-check` run it with SANDBOX naming the
# runner; without SANDBOX it counts one failure that says so.
cd "$(dirname "$0")/../.." || exit 2

if [ -z "${SANDBOX:-}" ]; then
    echo "FAIL sandbox: NOT RUN: SANDBOX names no sandbox runner; run it with 'make check' or 'make sandbox-check'"
    echo "sandbox: 0 passed, 1 failed"
    exit 1
fi

# lib.sh insists that $BVM is a program; the program under test here is the
# runner.  Its helpers (ok, not_ok, expect_*, finish) are what we use.
BVM=$SANDBOX
. tests/e2e/lib.sh

# sandbox ARGS...: run the runner (stdin /dev/null), like lib.sh's bvm:
# sets $status, the files $OUT and $ERR, and $elapsed (seconds).
sandbox() {
    LAST_COMMAND="$SANDBOX $*"
    local t0=$EPOCHREALTIME
    "$SANDBOX" "$@" >"$OUT" 2>"$ERR" </dev/null
    status=$?
    elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    echo "  ($elapsed s: $LAST_COMMAND)"
}

expect_out_empty() {
    if [ -s "$OUT" ]; then
        not_ok "$1" "stdout should be empty" "$(last_run)"
    else
        ok "$1"
    fi
}

suite_start=$EPOCHREALTIME

# ---- boot 1: everything that runs inside --------------------------------------

LINES=2000
mkdir -p "$E2E_TMP/suite"
printf 'data added with --add\n' >"$E2E_TMP/suite/data.txt"
cat >"$E2E_TMP/hello.sh" <<'EOF'
#!/bin/sh
echo "hello from an added program"
EOF
chmod +x "$E2E_TMP/hello.sh"

# The smallest KVM user: a real-mode guest `mov al,'K'; out 0xe9,al; hlt`,
# run until it halts, printing each exit.  Proves /dev/kvm does more than exist.
cat >"$E2E_TMP/kvm-probe.c" <<'EOF'
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

static int fail(const char *what) { perror(what); return 1; }

int main(void)
{
    static const unsigned char code[] = { 0xb0, 'K', 0xe6, 0xe9, 0xf4 };
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) return fail("open /dev/kvm");
    printf("api %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) return fail("KVM_CREATE_VM");
    unsigned char *mem = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return fail("mmap");
    memcpy(mem + 0x1000, code, sizeof code);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = 0x2000, .userspace_addr = (unsigned long)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return fail("KVM_SET_USER_MEMORY_REGION");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) return fail("KVM_CREATE_VCPU");
    struct kvm_run *run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) return fail("mmap kvm_run");
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) return fail("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) return fail("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) return fail("KVM_SET_REGS");
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) return fail("KVM_RUN");
        if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT) {
            printf("out 0x%x %c\n", run->io.port, *((char *)run + run->io.data_offset));
        } else if (run->exit_reason == KVM_EXIT_HLT) {
            printf("hlt\n");
            return 0;
        } else {
            printf("exit %u\n", run->exit_reason);
            return 1;
        }
    }
}
EOF
probe=$E2E_TMP/kvm-probe
if ! ${CC:-gcc} -O2 -o "$probe" "$E2E_TMP/kvm-probe.c" 2>"$E2E_TMP/cc.err"; then
    not_ok "compile the KVM probe" "$(head -n 5 "$E2E_TMP/cc.err")"
    probe=/bin/false
fi

FORWARD_PORT=$(free_port)   # for --forward
GUEST_PORT=4444

# The script the sandbox runs (an added script as the command).  Its stdout
# is compared line by line below; stderr must be its err lines and nothing else.
# Its forwarded-port server takes 256 bytes and sends them back.
cat >"$E2E_TMP/suite/inside.sh" <<EOF
#!/bin/sh
nc -l -p $GUEST_PORT -e sh -c 'head -c 256 >/tmp/got; cat /tmp/got' &
server=\$!
echo "forward: listening on $GUEST_PORT"
if timeout 60 sh -c "while kill -0 \$server 2>/dev/null; do sleep 0.1; done"; then
    echo "forward: received \$(od -An -tx1 -v /tmp/got | tr -d ' \\n' | md5sum | cut -c1-32)"
else
    echo "forward: nothing came through in 60 s"
fi
if test -c /dev/kvm; then echo "kvm: /dev/kvm is a character device"; else echo "kvm: no /dev/kvm"; fi
kvm-probe
echo "cwd: \$(pwd)"
for arg in "\$@"; do printf 'arg: [%s]\n' "\$arg"; done
hello
if deb-tool --version >/dev/null; then echo "deb-tool: ran"; else echo "deb-tool: failed"; fi
cat suite/data.txt
echo "written inside" >>back.bin
if read -r line; then echo "stdin: not empty"; else echo "stdin: empty"; fi
i=0
while [ \$i -lt $LINES ]; do
    echo "out \$i"
    echo "err \$i" >&2
    i=\$((i + 1))
done
exit 3
EOF
chmod +x "$E2E_TMP/suite/inside.sh"

# Every byte value, in an order that puts gdb's Ctrl-C (0x03), XON/XOFF,
# CR and LF among others.
for ((i = 0; i < 256; i++)); do printf "\\x$(printf %02x $(((i * 7 + 3) % 256)))"; done >"$E2E_TMP/bytes"
{
    echo "forward: listening on $GUEST_PORT"
    echo "forward: received $(od -An -tx1 -v "$E2E_TMP/bytes" | tr -d ' \n' | md5sum | cut -c1-32)"
    echo "kvm: /dev/kvm is a character device"
    printf 'api 12\nout 0xe9 K\nhlt\n'
    echo "cwd: /work"
    echo "arg: [two words]"
    echo "arg: [it's]"
    echo "arg: [\$HOME]"
    echo "arg: []"
    echo "hello from an added program"
    echo "deb-tool: ran"
    echo "data added with --add"
    echo "stdin: empty"
    for ((i = 0; i < LINES; i++)); do echo "out $i"; done
} >"$E2E_TMP/expected.out"
for ((i = 0; i < LINES; i++)); do echo "err $i"; done >"$E2E_TMP/expected.err"
echo "kvm-sandbox: --give-back $E2E_TMP/gone.txt: /work/gone.txt was not a file in the sandbox at the end; not copied back" \
    >>"$E2E_TMP/expected.err"
# --give-back: every byte value, and the line the command appends inside.
cp "$E2E_TMP/bytes" "$E2E_TMP/back.bin"
back_inode=$(stat -c %i "$E2E_TMP/back.bin")
{ cat "$E2E_TMP/bytes"; echo "written inside"; } >"$E2E_TMP/back.expected"

# dpkg-deb is there wherever the runner works (it unpacks the kernel with
# dpkg), and needs shared libraries that the sandbox's base lacks.  It goes
# in under another name: in a busybox sh script, busybox's own dpkg-deb
# applet would run ahead of PATH (tests/sandbox/README.md).
# The boot runs in the background while this side uses the forwarded port:
# once the server inside listens (its first line), the 256 bytes go in and
# must come back unchanged.
(
    sandbox --forward "$FORWARD_PORT:$GUEST_PORT" --add "$E2E_TMP/suite:suite" --add "$E2E_TMP/hello.sh:bin/hello" \
        --add "$(command -v dpkg-deb):bin/deb-tool" --add "$probe:bin/kvm-probe" \
        --add "$E2E_TMP/back.bin:back.bin" --give-back "$E2E_TMP/back.bin:back.bin" \
        --give-back "$E2E_TMP/gone.txt:gone.txt" \
        -- suite/inside.sh "two words" "it's" '$HOME' ""
    exit "$status"
) &
boot_pid=$!
boot_start=$EPOCHREALTIME
listening() { grep -q '^forward: listening' "$OUT" 2>/dev/null; }
for ((i = 0; i < 600; i++)); do
    listening && break
    kill -0 "$boot_pid" 2>/dev/null || break
    sleep 0.1
done
if listening && exec 7<>/dev/tcp/127.0.0.1/"$FORWARD_PORT"; then
    cat "$E2E_TMP/bytes" >&7
    timeout 30 head -c 256 <&7 >"$E2E_TMP/bytes.back"
    exec 7<&-
    if cmp -s "$E2E_TMP/bytes" "$E2E_TMP/bytes.back"; then
        ok "--forward: 256 bytes of every value there and back through 127.0.0.1:$FORWARD_PORT"
    else
        not_ok "--forward: 256 bytes of every value there and back through 127.0.0.1:$FORWARD_PORT" \
            "came back: $(od -An -tx1 "$E2E_TMP/bytes.back" | head -n 4)"
    fi
else
    not_ok "--forward: the server inside listens and 127.0.0.1:$FORWARD_PORT connects" "$(head -n 5 "$OUT")" \
        "$(head -n 5 "$ERR")"
fi
wait "$boot_pid"
status=$?
LAST_COMMAND="$SANDBOX --forward $FORWARD_PORT:$GUEST_PORT ... -- suite/inside.sh ..."
boot1=$(awk -v a="$boot_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
expect_status "exit status 3 of the command comes back" 3
expect_out_is "stdout: /dev/kvm runs a guest; cwd, arguments, added files and programs, stdin empty, $LINES lines" \
    "$E2E_TMP/expected.out"
if cmp -s "$ERR" "$E2E_TMP/expected.err"; then
    ok "stderr: exactly the $LINES lines written to it, no kernel or QEMU messages"
else
    not_ok "stderr: exactly the $LINES lines written to it, no kernel or QEMU messages" \
        "first difference:" "$(diff "$E2E_TMP/expected.err" "$ERR" | head -n 6)" "$(last_run)"
fi
if cmp -s "$E2E_TMP/back.bin" "$E2E_TMP/back.expected"; then
    ok "--give-back: the file comes back with what the command appended inside"
else
    not_ok "--give-back: the file comes back with what the command appended inside" \
        "$(od -An -c "$E2E_TMP/back.bin" | tail -n 3)"
fi
if [ "$(stat -c %i "$E2E_TMP/back.bin")" = "$back_inode" ]; then
    ok "--give-back: copied over the same file (its inode kept)"
else
    not_ok "--give-back: copied over the same file (its inode kept)" "inode $back_inode became $(stat -c %i "$E2E_TMP/back.bin")"
fi
if [ ! -e "$E2E_TMP/gone.txt" ]; then ok "--give-back of a file missing inside: nothing made here"; else
    not_ok "--give-back of a file missing inside: nothing made here" "$E2E_TMP/gone.txt exists"; fi

# ---- boot 2: a command that is not there --------------------------------------

sandbox no-such-command-here --flag
expect_status "missing command: status 127" 127
expect_err_has "missing command: named, and said to be missing" \
    "kvm-sandbox: no-such-command-here: command not found in the sandbox"
expect_err_has "missing command: says what to do" "add it with --add"
expect_out_empty "missing command: nothing on stdout"

# ---- boot 3, cut short: the timeout ----------------------------------------------

sandbox --timeout 2 -- sleep 60
expect_status "--timeout 2: status 124" 124
expect_err_has "--timeout 2: says it timed out" "kvm-sandbox: timed out"

# ---- no boot: the sandbox cannot run ------------------------------------------

QEMU=/nonexistent/qemu-system-x86_64 sandbox true
expect_status "QEMU missing: status 125" 125
expect_err_has "QEMU missing: named" "kvm-sandbox: '/nonexistent/qemu-system-x86_64' not found"
expect_err_has "QEMU missing: says what to do" "scripts/deps.sh hypervisor"

sandbox --mem 64
expect_status "no command: status 125" 125
expect_err_has "no command: says so" "kvm-sandbox: missing COMMAND"
expect_err_has "no command: shows the usage" "usage:"

sandbox --mem lots true
expect_status "bad --mem: status 125" 125
expect_err_has "bad --mem: names the option" "--mem"

sandbox --add "$E2E_TMP/not-there" true
expect_status "--add of a missing file: status 125" 125
expect_err_has "--add of a missing file: names it" "$E2E_TMP/not-there does not exist"

sandbox --give-back "$E2E_TMP/no-such-folder/disk.img" true
expect_status "--give-back into a missing folder: status 125" 125
expect_err_has "--give-back into a missing folder: says so" "must be a file in a folder that exists"

sandbox --forward 1234 true
expect_status "--forward without the inside port: status 125" 125
expect_err_has "--forward without the inside port: says what it expects" "expected HOSTPORT:GUESTPORT"

sandbox --forward 70000:1234 true
expect_status "--forward of port 70000: status 125" 125
expect_err_has "--forward of port 70000: says what a port is" "from 1 to 65535"

# A port already taken here: QEMU cannot listen on it, and says so.
taken=$(free_port)
busybox nc -l -p "$taken" </dev/null >/dev/null 2>&1 &
listener=$!
# (Connecting to see it listen would end it: it takes one connection.)
hex_port=$(printf ':%04X' "$taken")
for ((i = 0; i < 50; i++)); do
    awk -v p="$hex_port" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp && break
    sleep 0.1
done
sandbox --forward "$taken:1234" true
kill "$listener" 2>/dev/null
expect_status "--forward to a port in use: status 125" 125
expect_err_has "--forward to a port in use: says the port is taken" "Address already in use"

suite_time=$(awk -v a="$suite_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
echo "sandbox: the main boot took $boot1 s; the whole suite $suite_time s"
finish
