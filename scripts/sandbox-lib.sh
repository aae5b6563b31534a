# shellcheck shell=bash disable=SC2034  # sourced; the callers read what it sets
# sandbox-lib.sh -- what scripts/on-kvm and scripts/mhv-sandbox share to
# run a command line of this machine inside the nested-KVM sandbox
# (tests/sandbox/kvm-sandbox.sh): the files its arguments name, copied in
# and renamed as the sandbox sees them, and a piped stdin carried in.
# Sourced (bash); defines functions and sets nothing else.
#
# Invariants: an argument is only rewritten when it names something that
# exists here, and the rewritten name, read from BASE (the folder that the
# sandbox's /work stands for), names the same file; so mapping an already
# mapped line from BASE changes nothing.

# sandbox_path BASE PATH: PATH (relative to the current folder, or
# absolute) as the sandbox names it: relative to BASE when it lies under
# BASE, else absolute.  Links are not followed (bin/ may be one).
sandbox_path() {
    local base=$1 path=$2
    [[ $path == /* ]] || path=$PWD/$path
    path=$(realpath -s -m -- "$path") || return 1
    case $path in
        "$base") echo . ;;
        "$base"/*) echo "${path#"$base"/}" ;;
        *) echo "$path" ;;
    esac
}

# sandbox_map_args BASE ARG...: into sandbox_args, the ARGs with each file
# or folder they name rewritten by sandbox_path; into sandbox_files, those
# new names, once each (what to copy in: --add NAME:NAME, from BASE).  An
# argument names a file when it is one (FILE), or is --OPT=FILE, or is
# FILE,OPTIONS or --OPT=FILE,OPTIONS (mhv's --disk FILE,ro) where that FILE
# exists and the whole argument does not.
sandbox_map_args() {
    local base arg opt file rest name known
    base=$(realpath -s -m -- "$1") || return 1
    shift
    sandbox_args=()
    sandbox_files=()
    for arg in "$@"; do
        opt="" file=$arg rest=""
        if [ ! -e "$file" ] && [[ $file == --?*=?* ]]; then
            opt=${file%%=*}=
            file=${file#*=}
        fi
        if [ ! -e "$file" ] && [[ $file == ?*,* ]] && [ -e "${file%%,*}" ]; then
            rest=,${file#*,}
            file=${file%%,*}
        fi
        if [ -n "$file" ] && [ -e "$file" ] && name=$(sandbox_path "$base" "$file"); then
            sandbox_args+=("$opt$name$rest")
            for known in "${sandbox_files[@]}"; do
                [ "$known" = "$name" ] && continue 2
            done
            sandbox_files+=("$name")
        else
            sandbox_args+=("$arg")
        fi
    done
}

# sandbox_disks_back ARG...: into sandbox_back, the sandbox's
# --give-back options for each disk of an (already mapped) mhv or vdb
# command line that the guest may write: --disk FILE or --disk=FILE, not
# FILE,ro.  The sandbox works on a copy; given back, what the guest wrote
# is in FILE here after the run, as where mhv runs here.
sandbox_disks_back() {
    local arg disk next=0
    sandbox_back=()
    for arg in "$@"; do
        if [ "$next" = 1 ]; then disk=$arg; next=0
        elif [ "$arg" = --disk ]; then next=1; continue
        elif [[ $arg == --disk=* ]]; then disk=${arg#--disk=}
        else continue
        fi
        [[ $disk == *,ro ]] || [ ! -f "${disk%%,*}" ] || sandbox_back+=(--give-back "${disk%%,*}:${disk%%,*}")
    done
}

# sandbox_stdin TMPFILE: when stdin is a pipe or a file (not a terminal,
# nor a device such as /dev/null or /dev/zero), read it to its end into
# TMPFILE; if anything came, set sandbox_stdin_add to the sandbox's
# --add options that carry it in and sandbox_stdin_run to the words to put
# before the command there so that it reads it as its stdin (the
# sandbox's own stdin is /dev/null).  Both stay empty otherwise.
sandbox_stdin() {
    sandbox_stdin_add=()
    sandbox_stdin_run=()
    [ -p /dev/stdin ] || [ -f /dev/stdin ] || return 0
    cat >"$1" || return 1
    [ -s "$1" ] || return 0
    sandbox_stdin_add=(--add "$1:/sandbox/stdin")
    # shellcheck disable=SC2016  # $@ is the sandbox shell's
    sandbox_stdin_run=(sh -c 'exec "$@" </sandbox/stdin' sh)
}
