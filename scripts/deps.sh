#!/usr/bin/env bash
#
# deps.sh -- install the Debian packages vmlab needs, and only those missing.
#
#   scripts/deps.sh build        compiler, make, Check, ncurses, readline, Capstone
#   scripts/deps.sh bench        the peers `make bench` measures against
#   scripts/deps.sh demo         what `make demo` draws its chart with
#   scripts/deps.sh hypervisor   the nested-KVM test sandbox (tests/sandbox/), mhv's Linux guest
#   scripts/deps.sh all          every group above
#   scripts/deps.sh --list GROUP print the group's packages and exit
#
# Several groups may be named at once.  The check is one dpkg-query call, so
# `make check` can run this every time without slowing down: apt-get runs
# (after one `apt-get update`) only when something is actually missing.
#
# Exit status: 0 everything present (or now installed); 1 something is
# missing and could not be installed (not root, or apt-get failed);
# 2 usage error.

set -euo pipefail

# ---- the groups -------------------------------------------------------------

# Building bvm, mhv and vdb and running `make check` (tmux drives vdb's TUI
# in its tests).  libc6-dev is named because gcc only recommends it and we
# install without recommends.
# python3 reads the demo's CSV and JSON back in its test (tests/labs/demo.sh).
# libdw-dev: elfutils' libdw and libdwfl, with which vdb reads a guest's DWARF
# (debugger/targets/guest_dwarf.c).
# man-db and groff-base: the install test renders the man pages (man -l,
# groff -man -ww) and checks that man finds them.
group_build=(gcc libc6-dev make pkg-config check libncurses-dev libreadline-dev libcapstone-dev libdw-dev tmux python3
             man-db groff-base)

# `make bench`: the interpreters and JITs vmlab is compared against.
group_bench=(lua5.4 luajit openjdk-17-jdk-headless)

# `make demo` draws its bar chart as an SVG with gnuplot (without X).
# `make check` installs it too, so the demo's test sees the chart drawn.
group_demo=(gnuplot-nox)

# The mini-hypervisor's tests run KVM inside a QEMU machine
# (tests/sandbox/kvm-sandbox.sh; tests/sandbox/README.md), and mhv boots a
# Linux guest (scripts/linux-guest/; docs/linux-guest.md):
# QEMU with its firmware, the static busybox that gives the sandbox and the
# Linux guest their init and tools, cpio to pack their initramfs, and xz to
# unpack Debian's compressed kernel (booting it uncompressed halves the
# boot).  kmod: depmod and modprobe resolve which modules the guest's need
# (scripts/linux-kernel.sh), modinfo checks them.  e2fsprogs: mke2fs -d
# builds the guest's disk image and debugfs reads it back, without root.
# The kernel itself is not a dependency: scripts/linux-kernel.sh downloads
# it with apt-get download into a cache, without installing it.  gdb:
# tests/hv/gdb.sh has the real gdb debug a guest through vdb's GDB server.
group_hypervisor=(qemu-system-x86 busybox-static cpio xz-utils kmod e2fsprogs gdb)

usage() {
    echo "usage: $0 [--list] build|bench|hypervisor|demo|all ..." >&2
    exit 2
}

packages_of() {
    case "$1" in
        build)      printf '%s\n' "${group_build[@]}" ;;
        bench)      printf '%s\n' "${group_bench[@]}" ;;
        hypervisor) printf '%s\n' "${group_hypervisor[@]}" ;;
        demo)       printf '%s\n' "${group_demo[@]}" ;;
        all)        packages_of build; packages_of bench; packages_of hypervisor; packages_of demo ;;
        *)          echo "deps.sh: unknown group '$1' (groups: build, bench, hypervisor, demo, all)" >&2
                    exit 2 ;;
    esac
}

# ---- arguments ----------------------------------------------------------------

list_only=0
groups=()
for arg in "$@"; do
    case "$arg" in
        --list)       list_only=1 ;;
        -h|--help)    usage ;;
        -*)           echo "deps.sh: unknown option '$arg'" >&2; usage ;;
        *)            groups+=("$arg") ;;
    esac
done
[ ${#groups[@]} -gt 0 ] || usage

wanted=()
for group in "${groups[@]}"; do
    packages_of "$group" >/dev/null   # exits here on an unknown group
    while IFS= read -r pkg; do wanted+=("$pkg"); done < <(packages_of "$group")
done

if [ "$list_only" = 1 ]; then
    printf '%s\n' "${wanted[@]}"
    exit 0
fi

# ---- what is missing ------------------------------------------------------------

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: dpkg-query not found: this script installs Debian packages and needs Debian (or a derivative)." >&2
    echo "deps.sh: install these packages by other means: ${wanted[*]}" >&2
    exit 1
fi

# dpkg-query prints one status line per known package; a package it has never
# heard of is an error on stderr, which we treat as "not installed".
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" 2>/dev/null || true)
missing=()
for pkg in "${wanted[@]}"; do
    if ! grep -qx "$pkg installed" <<<"$installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

install_cmd="apt-get install -y --no-install-recommends ${missing[*]}"

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
    echo "deps.sh: not running as root, so they cannot be installed here.  Run:" >&2
    echo "    sudo apt-get update && sudo $install_cmd" >&2
    exit 1
fi

echo "deps.sh: installing missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -q; then
    echo "deps.sh: 'apt-get update' failed; check the network and /etc/apt/sources.list" >&2
    exit 1
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; then
    echo "deps.sh: '$install_cmd' failed (see apt-get's message above)" >&2
    exit 1
fi
