#!/usr/bin/env bash
#
# linux-kernel.sh -- Debian's Linux kernel, fetched once into a cache folder:
# the one place that downloads it, for the nested-KVM sandbox
# (tests/sandbox/kvm-sandbox.sh) and for mhv's Linux guest
# (scripts/linux-guest/).
#
#   scripts/linux-kernel.sh [DIR]     fetch into DIR (default build/sandbox/kernel)
#                                     unless it is there and complete; print DIR
#
# or, from another bash script:
#
#   source scripts/linux-kernel.sh    (the caller defines die MESSAGE... and note MESSAGE)
#   kernel_fetch DIR                  as above; KERNEL_FETCHED names the package if it
#                                     had to download it; the caller's EXIT trap calls
#                                     kernel_cleanup, which removes a fetch cut short
#
# The kernel is the linux-image-* package that linux-image-amd64 depends on
# at first use.  `apt-get download` fetches it and `dpkg -x` unpacks it into
# a temporary folder beside DIR; nothing is installed on this machine.  Kept
# in DIR (tests/sandbox/README.md, "The cache", says more):
#
#   version          package, version, kernel release, the image QEMU boots,
#                    the guest modules asked for
#   vmlinuz          the kernel (bzImage)
#   vmlinux          the same kernel uncompressed, when it can be made
#   System.map       the package's System.map (Debian ships a one-line
#                    placeholder there: the real one is in the -dbg package)
#   config           the configuration the kernel was built with
#   modules.dep      the dependencies of all its modules (the package ships
#                    none: `depmod` makes it, as the package's postinst would)
#   *.ko             the sandbox's KVM modules (KERNEL_KVM_MODULES)
#   guest/*.ko       the Linux guest's modules: KERNEL_GUEST_MODULES and all
#                    they depend on, resolved by `modprobe --show-depends`
#                    from modules.dep and modules.softdep
#   guest/modules    their file names in the order they must be loaded
#
# A folder that lacks any of these (made by an older version of this script,
# or for another list of guest modules) is fetched again, from the package
# it records if the mirror still has it.  Modules must come from the same
# package as the kernel: the kernel refuses a module whose vermagic (kernel
# release and build options) differs from its own.
#
# Exit status (run as a command): 0 the kernel is in DIR; 1 it is not (the
# message says why and what to do).

# The meta-package whose dependency names the current kernel package.
KERNEL_META=linux-image-amd64

# The KVM modules of the sandbox, in the order they must be loaded (each
# needs the ones before it), as paths under lib/modules/VERSION/kernel/ in
# the package.  kvm-amd needs ccp for its SEV support even though the
# sandbox has no SEV.  Kept at the top of the cache folder.
KERNEL_KVM_MODULES=(
    virt/lib/irqbypass.ko
    arch/x86/kvm/kvm.ko
    drivers/crypto/ccp/ccp.ko
    arch/x86/kvm/kvm-amd.ko
)

# The Linux guest's modules, by module name: virtio over MMIO (the transport
# mhv offers), its block, console and entropy devices, and ext4 for the
# disk.  What they need is added to guest/ by resolving their dependencies,
# softdeps included (ext4 and jbd2 ask for crc32c: metadata checksums).
KERNEL_GUEST_MODULES=(virtio virtio_ring virtio_mmio virtio_blk virtio_console virtio-rng ext4)

KERNEL_FETCHED=""       # the package kernel_fetch downloaded, if it had to
KERNEL_PARTIAL=""       # the folder a fetch is building, removed if it stops half way

# depmod and modprobe live in /sbin, which a user's PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

# The kernel package linux-image-amd64 depends on now, e.g. linux-image-6.1.0-57-amd64.
kernel_package() {
    apt-cache depends "$KERNEL_META" 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[^ <>]*\)$/\1/p' | head -n 1
}

# apt's package lists are missing or stale: refresh them if we may.
# $1 is the log file for apt's output.
kernel_apt_update() {
    if [ "$(id -u)" != 0 ]; then
        die "cannot find or download the kernel package: the apt package lists are missing or out of date," \
            "and only root can refresh them.  Run 'apt-get update' as root, then try again."
    fi
    note "refreshing the apt package lists (apt-get update)"
    apt-get update -q >>"$1" 2>&1 ||
        die "'apt-get update' failed (its output is in $1); check the network and /etc/apt/sources.list"
}

# kernel_download DIR PACKAGE LOG: apt-get download PACKAGE into DIR.
kernel_download() {
    (cd "$1" && apt-get download "$2") >>"$3" 2>&1
}

# kernel_extract_vmlinux BZIMAGE OUT: the kernel ELF image inside a bzImage.
# The bzImage's setup header (Documentation/arch/x86/boot.rst) says where the
# compressed kernel lies: setup_sects at 0x1f1, payload_offset at 0x248 and
# payload_length at 0x24c, the offset counted from the end of the setup
# sectors.  The build appends the uncompressed size (4 bytes) to an xz or
# zstd payload; those are left out.  Fails unless the result is an ELF file.
kernel_extract_vmlinux() {
    local image=$1 out=$2 setup_sects offset length start magic
    setup_sects=$(od -An -tu1 -j $((0x1f1)) -N 1 "$image" | tr -d ' ')
    offset=$(od -An -tu4 -j $((0x248)) -N 4 "$image" | tr -d ' ')
    length=$(od -An -tu4 -j $((0x24c)) -N 4 "$image" | tr -d ' ')
    [ -n "$setup_sects" ] && [ -n "$offset" ] && [ -n "$length" ] || return 1
    [ "$setup_sects" -ne 0 ] || setup_sects=4
    start=$(( (setup_sects + 1) * 512 + offset + 1 ))      # tail -c +N counts from 1
    magic=$(tail -c +"$start" "$image" | head -c 4 | od -An -tx1 | tr -d ' \n')
    local unpack
    case "$magic" in
        fd377a58) unpack="xz -dc";   length=$((length - 4)) ;;
        28b52ffd) unpack="zstd -dc"; length=$((length - 4)) ;;
        1f8b*)    unpack="gzip -dc" ;;
        *)        return 1 ;;
    esac
    command -v "${unpack%% *}" >/dev/null 2>&1 || return 1
    tail -c +"$start" "$image" | head -c "$length" | $unpack >"$out" 2>/dev/null
    LC_ALL=C IFS= read -r -N 4 magic <"$out"
    [ "$magic" = $'\x7fELF' ] || { rm -f "$out"; return 1; }
}

# kernel_complete DIR: does DIR hold everything this version keeps?
kernel_complete() {
    local dir=$1 file m boot
    [ -s "$dir/version" ] || return 1
    grep -qxF "guest-modules ${KERNEL_GUEST_MODULES[*]}" "$dir/version" || return 1
    boot=$(sed -n 's/^boot //p' "$dir/version")
    for file in "${boot:-vmlinuz}" vmlinuz System.map config modules.dep guest/modules; do
        [ -s "$dir/$file" ] || return 1
    done
    for m in "${KERNEL_KVM_MODULES[@]}"; do
        [ -s "$dir/${m##*/}" ] || return 1
    done
    while IFS= read -r m; do
        [ -s "$dir/guest/$m" ] || return 1
    done <"$dir/guest/modules"
}

# kernel_fetch DIR: make DIR complete, fetching the package if need be.
# One fetch at a time (flock on .DIR.lock beside it); one that waited finds
# it done.
kernel_fetch() {
    local dir=${1%/} parent lock
    kernel_complete "$dir" && return 0
    parent=$(dirname "$dir")
    mkdir -p "$parent" 2>/dev/null || die "cannot create the folder $parent"
    exec {lock}>"$parent/.${dir##*/}.lock" || die "cannot write into $parent"
    flock "$lock"
    kernel_complete "$dir" || kernel_fetch_now "$dir"
    exec {lock}>&-
}

# Download and unpack the kernel into DIR.  Built in a temporary folder and
# renamed at the end, so an interrupted fetch leaves nothing half done behind.
kernel_fetch_now() {
    local dir=$1 tool
    for tool in apt-get apt-cache dpkg dpkg-deb; do
        command -v "$tool" >/dev/null 2>&1 ||
            die "'$tool' not found: Debian's kernel package is taken with apt and dpkg, so this needs Debian"
    done
    for tool in depmod modprobe; do
        command -v "$tool" >/dev/null 2>&1 ||
            die "'$tool' not found: it resolves the kernel modules' dependencies;" \
                "install kmod with 'scripts/deps.sh hypervisor' (as root)"
    done
    local tmp pkg recorded deb kver m log
    log="$(dirname "$dir")/apt.log"
    tmp=$(mktemp -d "$dir.new.XXXXXX") || die "cannot write into $(dirname "$dir")"
    KERNEL_PARTIAL=$tmp
    : >"$log"

    # A folder from an older version of this script: the same kernel again.
    recorded=$(sed -n 's/^package //p' "$dir/version" 2>/dev/null)
    pkg=${recorded:-$(kernel_package)}
    if [ -z "$pkg" ]; then
        kernel_apt_update "$log"
        pkg=$(kernel_package)
        [ -n "$pkg" ] || die "apt knows no package '$KERNEL_META' (or it depends on no linux-image-*);" \
                             "Debian's kernel comes from it"
    fi
    if [ -n "$recorded" ]; then
        note "$dir lacks files this version keeps (System.map, modules): fetching $pkg again"
    else
        note "first use: fetching $pkg into $dir (apt-get download; nothing is installed)"
    fi
    KERNEL_FETCHED=$pkg
    if ! kernel_download "$tmp" "$pkg" "$log"; then
        kernel_apt_update "$log"     # the lists may name a version the mirror has dropped
        [ -n "$recorded" ] || pkg=$(kernel_package)
        if ! kernel_download "$tmp" "$pkg" "$log"; then
            [ -n "$recorded" ] || die "'apt-get download $pkg' failed (its output is in $log); check the network"
            # The kernel recorded at first use is gone from the mirror: today's.
            pkg=$(kernel_package)
            note "$recorded is no longer on the mirror: fetching $pkg instead"
            KERNEL_FETCHED=$pkg
            [ -n "$pkg" ] && kernel_download "$tmp" "$pkg" "$log" ||
                die "'apt-get download $pkg' failed (its output is in $log); check the network"
        fi
    fi
    deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] || die "'apt-get download $pkg' left no .deb in $tmp"

    dpkg -x "$deb" "$tmp/root" || die "'dpkg -x $deb' failed: is the download damaged?  Try again."
    kver=$(ls "$tmp/root/lib/modules" 2>/dev/null | head -n 1)
    [ -n "$kver" ] && [ -f "$tmp/root/boot/vmlinuz-$kver" ] ||
        die "$deb holds no boot/vmlinuz-* and lib/modules/*: is $pkg a kernel image package?"
    local moddir="$tmp/root/lib/modules/$kver" out="$tmp/kernel"
    mkdir -p "$out/guest"
    cp "$tmp/root/boot/vmlinuz-$kver" "$out/vmlinuz"
    cp "$tmp/root/boot/config-$kver" "$out/config" && cp "$tmp/root/boot/System.map-$kver" "$out/System.map" ||
        die "the kernel package $pkg has no boot/config-$kver or boot/System.map-$kver"
    for m in "${KERNEL_KVM_MODULES[@]}"; do
        cp "$moddir/kernel/$m" "$out/" || die "the kernel package $pkg has no module $m"
    done

    # The package has no modules.dep (its postinst runs depmod): make it,
    # with an empty configuration so that nothing of this machine's
    # /etc/depmod.d or /etc/modprobe.d counts.  --show-depends lists what to
    # insmod, in order, with softdeps and aliases resolved, and repeats a
    # module each time another needs it: keep its first line.
    mkdir -p "$tmp/no-config.d"
    depmod -b "$tmp/root" -C "$tmp/no-config.d" "$kver" >>"$log" 2>&1 ||
        die "'depmod' failed on the modules of $pkg (its output is in $log)"
    cp "$moddir/modules.dep" "$out/modules.dep"
    local line path name
    modprobe -d "$tmp/root" -S "$kver" -C "$tmp/no-config.d" --show-depends -a "${KERNEL_GUEST_MODULES[@]}" \
        >"$tmp/insmod" 2>>"$log" ||
        die "the kernel package $pkg lacks a module of: ${KERNEL_GUEST_MODULES[*]} (see $log)"
    while read -r line path _; do
        [ "$line" = insmod ] || continue        # "builtin NAME": in the kernel already
        name=${path##*/}
        grep -qxF -- "$name" "$out/guest/modules" 2>/dev/null && continue
        [ -e "$out/guest/$name" ] && die "two guest modules are named $name"
        cp "$path" "$out/guest/$name" || die "cannot copy $path"
        echo "$name" >>"$out/guest/modules"
    done <"$tmp/insmod"
    [ -s "$out/guest/modules" ] || die "modprobe resolved none of the guest modules (see $log)"

    # Booting the uncompressed kernel through its PVH entry point halves the
    # sandbox's boot: decompressing vmlinuz (xz) takes QEMU's emulated CPU about 3 s.
    local boot=vmlinuz
    if grep -qx 'CONFIG_PVH=y' "$out/config" && kernel_extract_vmlinux "$out/vmlinuz" "$out/vmlinux"; then
        boot=vmlinux
    fi
    printf 'package %s\nversion %s\nkernel %s\nboot %s\nguest-modules %s\n' \
        "$pkg" "$(dpkg-deb -f "$deb" Version)" "$kver" "$boot" "${KERNEL_GUEST_MODULES[*]}" >"$out/version"
    rm -rf "$dir"
    mv "$out" "$dir"
    rm -rf "$tmp" "$log"        # the .deb and the rest of the package (400 MB unpacked)
    KERNEL_PARTIAL=""
}

# For the caller's EXIT trap: remove a fetch that stopped half way.
kernel_cleanup() {
    [ -n "$KERNEL_PARTIAL" ] && rm -rf "$KERNEL_PARTIAL"
    KERNEL_PARTIAL=""
}

# ---- run as a command ---------------------------------------------------------

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    PROG=linux-kernel
    die() {
        local line
        for line in "$@"; do echo "$PROG: $line" >&2; done
        exit 1
    }
    note() {
        [ -t 2 ] && echo "$PROG: $*" >&2
        return 0
    }
    case "${1:-}" in
        -h|--help) echo "usage: scripts/linux-kernel.sh [DIR]   (default build/sandbox/kernel)"; exit 0 ;;
        -*)        echo "$PROG: unknown option '$1'" >&2; exit 2 ;;
    esac
    [ $# -le 1 ] || { echo "usage: scripts/linux-kernel.sh [DIR]" >&2; exit 2; }
    dir=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/sandbox/kernel}
    trap kernel_cleanup EXIT
    trap 'echo "$PROG: interrupted" >&2; exit 130' INT
    trap 'exit 143' TERM
    kernel_fetch "$dir"
    echo "$dir"
fi
