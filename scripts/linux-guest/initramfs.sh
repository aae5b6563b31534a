#!/usr/bin/env bash
#
# initramfs.sh -- build the initramfs of mhv's Linux guest: busybox, the
# guest's kernel modules, an /init, and whatever files are added.
#
#   scripts/linux-guest/initramfs.sh [-o OUT] [--kernel DIR] [--compress none|gzip]
#                                    [--add PATH[:DEST]]...
#
# What goes in (docs/linux-guest.md has why):
#
#   /init                    scripts/linux-guest/init (a busybox sh script)
#   /bin/busybox             Debian's busybox-static: no shared libraries needed
#   /bin/sh, /sbin/insmod..  one link to it per applet
#   /lib/modules/guest/      the guest modules of the kernel cache (virtio,
#                            virtio_ring, virtio_mmio, virtio_blk,
#                            virtio_console, virtio-rng, ext4 and its
#                            dependencies) and `modules`, their load order
#   /work, /root, /mnt, ...  empty folders; /work is where commands run
#   each --add PATH[:DEST]   at DEST, with the shared libraries of the
#                            programs among them (as ldd finds them here)
#
# The modules come from the kernel cache that scripts/linux-kernel.sh fills
# (default build/sandbox/kernel, fetched there at first use), from the same
# Debian package as the kernel the guest boots: the kernel loads only
# modules whose vermagic matches its own.
#
# Options:
#   -o, --output OUT     the archive (default build/linux/initramfs.cpio,
#                        or initramfs.cpio.gz with --compress gzip)
#   --kernel DIR         the kernel cache folder (default build/sandbox/kernel)
#   --compress none|gzip uncompressed (default) or gzip, which the kernel
#                        unpacks itself (CONFIG_RD_GZIP)
#   --add PATH[:DEST]    copy a file or folder in, at DEST; a relative DEST
#                        is under /work; without DEST, a relative PATH goes to
#                        /work/PATH and an absolute one keeps its path
#                        (repeatable; PATH may not contain ':')
#
# Exit status: 0 built; 1 it could not be built (the message says why);
# 2 usage error.

set -uo pipefail

PROG=linux-guest-initramfs
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
INIT="$HERE/init"

# usage [STATUS]: the usage on stderr and status 2, or for --help on stdout and 0.
usage() {
    local status=${1:-2}
    cat >&$((status == 0 ? 1 : 2)) <<'EOF'
usage: scripts/linux-guest/initramfs.sh [-o OUT] [--kernel DIR] [--compress none|gzip]
                                        [--add PATH[:DEST]]...
  -o, --output OUT      the archive (default build/linux/initramfs.cpio[.gz])
  --kernel DIR          the kernel cache (default build/sandbox/kernel; fetched if missing)
  --compress none|gzip  default none
  --add PATH[:DEST]     a file or folder to put in (relative DEST: under /work)
EOF
    exit "$status"
}

die() {
    local line
    for line in "$@"; do echo "$PROG: $line" >&2; done
    exit 1
}

note() {
    [ -t 2 ] && echo "$PROG: $*" >&2
    return 0
}

source "$REPO/scripts/linux-kernel.sh"
source "$REPO/scripts/initramfs-lib.sh"

# ---- options ------------------------------------------------------------------

out=""
kernel_dir="$REPO/build/sandbox/kernel"
compress=none
add_src=()
add_dest=()

# Check one --add PATH[:DEST] and remember it (the rules of kvm-sandbox.sh's --add).
add_spec() {
    local spec=$1 src dest
    src=${spec%%:*}
    if [[ $spec == *:* ]]; then dest=${spec#*:}; else dest=$src; fi
    [ -n "$src" ] && [ -n "$dest" ] || { echo "$PROG: --add '$spec': expected PATH or PATH:DEST" >&2; exit 2; }
    [ -e "$src" ] || die "--add '$spec': $src does not exist"
    [[ $dest == /* ]] || dest="/work/${dest#./}"
    [[ $dest/ == */../* ]] && die "--add '$spec': the place inside, $dest, must not contain '..'; give a :DEST"
    [ "${dest%/}" != /work ] || [ -d "$src" ] || die "--add '$spec': give a file a name inside (PATH:DEST)"
    add_src+=("$src")
    add_dest+=("${dest%/}")
}

need_arg() { [ "$1" -ge 2 ] || { echo "$PROG: $2 needs $3" >&2; exit 2; }; }

while [ $# -gt 0 ]; do
    case "$1" in
        -o|--output) need_arg $# "$1" "a file name"; out=$2; shift 2 ;;
        --output=*)  out=${1#--output=}; shift ;;
        --kernel)    need_arg $# "$1" "a folder"; kernel_dir=$2; shift 2 ;;
        --kernel=*)  kernel_dir=${1#--kernel=}; shift ;;
        --compress)  need_arg $# "$1" "none or gzip"; compress=$2; shift 2 ;;
        --compress=*) compress=${1#--compress=}; shift ;;
        --add)       need_arg $# "$1" "PATH[:DEST]"; add_spec "$2"; shift 2 ;;
        --add=*)     add_spec "${1#--add=}"; shift ;;
        -h|--help)   usage 0 ;;
        *)           echo "$PROG: unknown argument '$1'" >&2; usage ;;
    esac
done
case "$compress" in
    none) : "${out:=$REPO/build/linux/initramfs.cpio}" ;;
    gzip) : "${out:=$REPO/build/linux/initramfs.cpio.gz}" ;;
    *)    echo "$PROG: --compress must be none or gzip (got '$compress')" >&2; exit 2 ;;
esac

for tool in busybox cpio ldd gzip; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "'$tool' not found: install the packages with 'scripts/deps.sh hypervisor' (as root)"
done
BUSYBOX=$(command -v busybox)
# Debian's busybox (the non-static one) needs libc; the guest has none.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is linked dynamically: the guest needs Debian's busybox-static" \
        "(install it with 'scripts/deps.sh hypervisor', as root)"
fi

# ---- build --------------------------------------------------------------------

STAGE=""
cleanup() {
    [ -n "$STAGE" ] && rm -rf "$STAGE" "$STAGE".*
    kernel_cleanup
}
trap cleanup EXIT
trap 'echo "$PROG: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

kernel_fetch "$kernel_dir"
kver=$(sed -n 's/^kernel //p' "$kernel_dir/version")

mkdir -p "$(dirname "$out")" || die "cannot create the folder of $out"
STAGE=$(mktemp -d "$(dirname "$out")/initramfs.stage.XXXXXX") || die "cannot write next to $out"

mkdir -p "$STAGE"/{dev,proc,sys,tmp,run,root,work,mnt,etc,lib/modules/guest}
initramfs_busybox "$STAGE" "$BUSYBOX" || die "could not copy $BUSYBOX into the initramfs"
cp "$INIT" "$STAGE/init" && chmod 755 "$STAGE/init" || die "cannot copy $INIT"
cp "$kernel_dir"/guest/*.ko "$kernel_dir/guest/modules" "$STAGE/lib/modules/guest/" ||
    die "cannot copy the guest modules from $kernel_dir/guest"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$STAGE/etc/passwd"
printf 'root:x:0:\n' >"$STAGE/etc/group"
echo "$kver" >"$STAGE/etc/vmlab-kernel"     # the kernel release the modules are for

# The added files.  An existing entry is replaced, not written through: the
# applet links point at /bin/busybox, which here is this machine's.
added=()
for i in "${!add_src[@]}"; do
    src=${add_src[i]}
    dest=${add_dest[i]}
    mkdir -p "$STAGE$(dirname "$dest")"
    if [ -d "$src" ]; then
        mkdir -p "$STAGE$dest" && cp -a --remove-destination "$src/." "$STAGE$dest/"
    else
        rm -rf "$STAGE$dest" && cp -a -H "$src" "$STAGE$dest"
    fi || die "--add $src: could not copy it into the initramfs"
    added+=("$STAGE$dest")
done
if [ ${#added[@]} -gt 0 ]; then
    : >"$STAGE.libs"
    mapfile -t programs < <(find "${added[@]}" -type f -perm /111)
    [ ${#programs[@]} -eq 0 ] || initramfs_copy_libs "$STAGE" "$STAGE.libs" "${programs[@]}"
fi

case "$compress" in
    none) initramfs_pack "$STAGE" >"$STAGE.cpio" ;;
    gzip) initramfs_pack "$STAGE" | gzip -n -6 >"$STAGE.cpio" ;;
esac || die "could not build the initramfs (cpio failed)"
mv "$STAGE.cpio" "$out" || die "cannot write $out"
echo "$out"
