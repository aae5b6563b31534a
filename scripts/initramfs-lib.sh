# shellcheck shell=bash
# initramfs-lib.sh -- helpers for building an initramfs from a staging
# folder, sourced by the two scripts that build one: the nested-KVM sandbox
# (tests/sandbox/kvm-sandbox.sh) and mhv's Linux guest
# (scripts/linux-guest/initramfs.sh).
#
#   initramfs_busybox STAGE BUSYBOX          busybox and one link per applet
#   initramfs_copy_libs STAGE KNOWN FILE...  the shared libraries of programs
#   initramfs_pack STAGE                     the newc archive, on stdout
#
# Warnings start with "$PROG: " (the caller's name for itself).

# initramfs_busybox STAGE BUSYBOX: BUSYBOX as STAGE/bin/busybox, and one
# link per applet (bin/sh, usr/bin/env, sbin/insmod, ...), made here once
# rather than by `busybox --install` at every boot.  A name already in
# STAGE is left alone.
initramfs_busybox() {
    local stage=$1 busybox=$2 applet
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin} || return 1
    cp "$busybox" "$stage/bin/busybox" || return 1
    for applet in $("$busybox" --list-full); do
        [ -e "$stage/$applet" ] || [ -L "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
    done
}

# initramfs_copy_libs STAGE KNOWN FILE...: copy the shared libraries each
# ELF FILE needs (as ldd finds them here) into STAGE at the same paths,
# unless listed in the file KNOWN; list each one copied in KNOWN.
initramfs_copy_libs() {
    local stage=$1 known=$2 file line lib magic
    shift 2
    for file in "$@"; do
        [ -f "$file" ] && [ -x "$file" ] || continue
        magic=""
        LC_ALL=C IFS= read -r -N 4 magic <"$file" 2>/dev/null
        [ "$magic" = $'\x7fELF' ] || continue
        while IFS= read -r line; do
            if [[ $line == *"=> not found"* ]]; then
                echo "${PROG:-initramfs}: warning: ${file#"$stage"} needs ${line%% =>*}, which this machine lacks" >&2
            elif [[ $line =~ (^|[[:space:]])(/[^[:space:]]+)[[:space:]]+\(0x ]]; then
                lib=${BASH_REMATCH[2]}
                grep -qxF -- "$lib" "$known" && continue
                mkdir -p "$stage$(dirname "$lib")"
                cp -L "$lib" "$stage$lib" && echo "$lib" >>"$known"
            fi
        done < <(ldd "$file" 2>/dev/null)
    done
}

# initramfs_pack STAGE: everything under STAGE as a newc cpio archive on
# stdout, owned by root, in a fixed order.  cpio pads the archive to 512
# bytes; the kernel reads a next archive appended to it from there.
initramfs_pack() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
}
