#!/usr/bin/env bash
#
# disk.sh -- raw ext4 disk images for mhv's Linux guest (its /dev/vda), made
# and read on the host with e2fsprogs alone: no root, no loop device, no mount.
#
#   scripts/linux-guest/disk.sh create [-o IMAGE] [--size SIZE] [--type ext4|ext2]
#                                      [--label LABEL] [--from DIR]
#       a new image (default build/linux/disk.img) of SIZE (default 64M; K, M
#       or G, a plain number is MiB) holding a copy of DIR's files, if given
#       (mke2fs -d: owners, modes and times are copied as they are here)
#   scripts/linux-guest/disk.sh cat IMAGE PATH      a file of the image, on stdout
#   scripts/linux-guest/disk.sh ls IMAGE [PATH]     a folder of the image (default /)
#   scripts/linux-guest/disk.sh check IMAGE         e2fsck -fn: is it consistent?
#
# cat and ls read the image with debugfs (debugfs -R 'cat /PATH' IMAGE),
# which does not replay the journal: read an image after the guest has
# unmounted it (its init does at power-off), not while it runs.
#
# Exit status: 0 done; 1 failed (the message says why; for check, e2fsck's
# status); 2 usage error.

set -uo pipefail

PROG=linux-guest-disk
export DEBUGFS_PAGER=__none__      # debugfs pipes ls and stat through a pager on a terminal
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# mke2fs, debugfs and e2fsck are in /sbin, which a user's PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

# usage [STATUS]: the usage on stderr and status 2, or for --help on stdout and 0.
usage() {
    local status=${1:-2}
    cat >&$((status == 0 ? 1 : 2)) <<'EOF'
usage: scripts/linux-guest/disk.sh create [-o IMAGE] [--size SIZE] [--type ext4|ext2] [--label LABEL] [--from DIR]
       scripts/linux-guest/disk.sh cat IMAGE PATH
       scripts/linux-guest/disk.sh ls IMAGE [PATH]
       scripts/linux-guest/disk.sh check IMAGE
EOF
    exit "$status"
}

die() {
    local line
    for line in "$@"; do echo "$PROG: $line" >&2; done
    exit 1
}

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 ||
            die "'$tool' not found: install e2fsprogs with 'scripts/deps.sh hypervisor' (as root)"
    done
}

need_arg() { [ "$1" -ge 2 ] || { echo "$PROG: $2 needs $3" >&2; exit 2; }; }

# ---- create ---------------------------------------------------------------------

disk_create() {
    local out="$REPO/build/linux/disk.img" size=64M type=ext4 label="" from=""
    while [ $# -gt 0 ]; do
        case "$1" in
            -o|--output) need_arg $# "$1" "a file name"; out=$2; shift 2 ;;
            --size)      need_arg $# "$1" "a size (64M)"; size=$2; shift 2 ;;
            --type)      need_arg $# "$1" "ext4 or ext2"; type=$2; shift 2 ;;
            --label)     need_arg $# "$1" "a label"; label=$2; shift 2 ;;
            --from)      need_arg $# "$1" "a folder"; from=$2; shift 2 ;;
            *)           echo "$PROG: create: unknown argument '$1'" >&2; usage ;;
        esac
    done
    [[ $size =~ ^[1-9][0-9]*[KMG]?$ ]] ||
        { echo "$PROG: --size must be a whole number with K, M or G (got '$size')" >&2; exit 2; }
    [[ $size =~ [KMG]$ ]] || size=${size}M
    case "$type" in ext4|ext2) ;; *) echo "$PROG: --type must be ext4 or ext2 (got '$type')" >&2; exit 2 ;; esac
    [ ${#label} -le 16 ] || { echo "$PROG: --label: at most 16 characters" >&2; exit 2; }
    [ -z "$from" ] || [ -d "$from" ] || die "--from $from: no such folder"
    need mke2fs

    local tmp args=(-q -F -t "$type" -m 0)
    [ -z "$label" ] || args+=(-L "$label")
    [ -z "$from" ] || args+=(-d "$from")
    mkdir -p "$(dirname "$out")" || die "cannot create the folder of $out"
    tmp=$(mktemp "$out.new.XXXXXX") && chmod "$(printf %o $((0666 & ~0$(umask))))" "$tmp" ||
        die "cannot write next to $out"
    # mke2fs writes into the file as it is: start from an empty one, SIZE long.
    if ! truncate -s "$size" "$tmp" || ! mke2fs "${args[@]}" "$tmp" "$size" >"$tmp.log" 2>&1; then
        sed 's/^/    /' "$tmp.log" >&2
        rm -f "$tmp" "$tmp.log"
        if [ -n "$from" ]; then
            die "mke2fs failed (above): do the files of $from fit in $size?"
        fi
        die "mke2fs failed (above)"
    fi
    rm -f "$tmp.log"
    mv "$tmp" "$out" || die "cannot write $out"
    echo "$out"
}

# ---- reading it back --------------------------------------------------------------

# debugfs -R REQUEST IMAGE, with its stderr checked: debugfs exits 0 even when
# the request fails, and says so on stderr after its banner line.
debugfs_run() {
    local request=$1 image=$2 err status
    err=$(mktemp) || die "cannot create a temporary file"
    debugfs -R "$request" "$image" 2>"$err"
    status=$?
    if grep -v '^debugfs [0-9]' "$err" | grep -q .; then
        grep -v '^debugfs [0-9]' "$err" | sed "s/^/$PROG: /" >&2
        status=1
    fi
    rm -f "$err"
    return "$status"
}

# A path as debugfs reads it: in double quotes (debugfs has no escapes).
debugfs_path() {
    [[ $1 == *'"'* ]] && die "a path with '\"' cannot be passed to debugfs: $1"
    [[ $1 == /* ]] || die "a path in the image starts with '/': $1"
    printf '"%s"' "$1"
}

check_image() {
    [ -f "$1" ] || die "$1: no such image"
    need debugfs dumpe2fs
    if dumpe2fs -h "$1" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery'; then
        echo "$PROG: warning: $1 was not unmounted: what is still in its journal is not seen" \
             "(is the guest still running?  'e2fsck -fy $1' replays it)" >&2
    fi
}

disk_cat() {
    [ $# -eq 2 ] || usage
    local image=$1 path type
    check_image "$image"
    path=$(debugfs_path "$2") || exit 1
    type=$(debugfs_run "stat $path" "$image" | sed -n 's/.*Type: \([a-z]*\).*/\1/p') || exit 1
    [ "$type" = regular ] || die "$2 in $image is not a file (${type:-unknown})"
    debugfs_run "cat $path" "$image"
}

disk_ls() {
    [ $# -ge 1 ] && [ $# -le 2 ] || usage
    local image=$1 path
    check_image "$image"
    path=$(debugfs_path "${2:-/}") || exit 1
    debugfs_run "ls -l $path" "$image"
}

disk_check() {
    [ $# -eq 1 ] || usage
    [ -f "$1" ] || die "$1: no such image"
    need e2fsck
    e2fsck -fn "$1"
}

[ $# -gt 0 ] || usage
command=$1
shift
case "$command" in
    create)    disk_create "$@" ;;
    cat)       disk_cat "$@" ;;
    ls)        disk_ls "$@" ;;
    check)     disk_check "$@" ;;
    -h|--help) usage 0 ;;
    *)         echo "$PROG: unknown command '$command'" >&2; usage ;;
esac
