# shellcheck shell=bash
# tmux.sh -- driving vdb's TUI through tmux, for the TUI tests
# (tests/vdb/tui.sh, tests/hv/remote.sh); sourced after tests/e2e/lib.sh.
# vdb runs in a detached tmux session of a known size, the test types into
# it (send-keys) and reads the screen back (capture-pane; -e keeps the
# attributes as SGR escapes).  Every check waits for what it expects
# (polling, up to a timeout) rather than sleeping a fixed time.
#
#   TUI_PROGRAM   what `start` runs (default $VDB)
# shellcheck disable=SC2317  # the predicates below run through wait_until

TUI_PROGRAM=${TUI_PROGRAM:-$VDB}
unset TMUX # inside a tmux of its own, too
SOCKET=vdbtest-$$
TMUX_CMD=(tmux -L "$SOCKET" -f /dev/null)
trap '"${TMUX_CMD[@]}" kill-server >/dev/null 2>&1; rm -rf "$E2E_TMP"' EXIT

home=$E2E_TMP/home
mkdir -p "$home"

if ! command -v tmux >/dev/null 2>&1; then
    not_ok "tmux is needed to drive the TUI (apt-get install tmux); no TUI test ran"
    finish
fi

# ---- helpers ----------------------------------------------------------------------

# start NAME COLUMNS ROWS [env VAR=VALUE...] -- VDB_ARGS...
# Runs $TUI_PROGRAM (vdb) in tmux session NAME, stderr into
# $E2E_TMP/NAME.err; its exit status goes to $E2E_TMP/NAME.status.
start() {
    local name=$1 columns=$2 rows=$3
    shift 3
    local envs=() runner=$E2E_TMP/$name.run
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        envs+=("$1")
        shift
    done
    shift
    rm -f "$E2E_TMP/$name.status"
    {
        echo "cd $(printf '%q' "$PWD") || exit 1"
        printf 'env HOME=%q LANG=C.UTF-8' "$home"
        [ ${#envs[@]} -gt 0 ] && printf ' %q' "${envs[@]}"
        printf ' %q' "$TUI_PROGRAM" "$@"
        printf ' 2>%q' "$E2E_TMP/$name.err"
        printf '\necho $? >%q\n' "$E2E_TMP/$name.status"
    } >"$runner"
    "${TMUX_CMD[@]}" new-session -d -s "$name" -x "$columns" -y "$rows" "bash $(printf '%q' "$runner")"
}

screen() {
    "${TMUX_CMD[@]}" capture-pane -p -t "$1" 2>/dev/null
}

screen_with_attributes() {
    "${TMUX_CMD[@]}" capture-pane -p -e -t "$1" 2>/dev/null
}

type_line() {
    "${TMUX_CMD[@]}" send-keys -t "$1" -l "$2"
    "${TMUX_CMD[@]}" send-keys -t "$1" Enter
}

type_text() {
    "${TMUX_CMD[@]}" send-keys -t "$1" -l "$2"
}

press() {
    local name=$1
    shift
    "${TMUX_CMD[@]}" send-keys -t "$name" "$@"
}

# wait_until SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds.
wait_until() {
    local tries=$(($1 * 10))
    shift
    while [ "$tries" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    "$@"
}

shows() { screen "$1" | grep -qF -- "$2"; }
shows_count() { [ "$(screen "$1" | grep -cF -- "$2")" -ge "$3" ]; }
last_row_is() { [ "$(screen "$1" | tail -n 1 | sed 's/ *$//')" = "$2" ]; }
# A line holding TEXT drawn with SGR attribute number ATTR (7 reverse, 1 bold, 31 red).
has_attribute() {
    screen_with_attributes "$1" | grep -F -- "$2" | grep -qE $'\e\\[([0-9]+;)*'"$3"'(;[0-9]+)*m'
}
ended() { [ -s "$E2E_TMP/$1.status" ] && ! "${TMUX_CMD[@]}" has-session -t "$1" 2>/dev/null; }

# What the screen shows, for a failure message.
dump() {
    screen "$1" | sed -e 's/ *$//' -e '/^$/d' -e 's/^/    | /' | head -n 45
}

# expect_screen WHAT NAME TEXT [SECONDS]: the screen comes to show TEXT.
expect_screen() {
    if wait_until "${4:-5}" shows "$2" "$3"; then ok "$1"; else
        not_ok "$1" "the screen never showed: $3" "$(dump "$2")"; fi
}

expect_attribute() {
    if wait_until "${5:-5}" has_attribute "$2" "$3" "$4"; then ok "$1"; else
        not_ok "$1" "no line holding '$3' drawn with SGR $4" "$(screen_with_attributes "$2" | grep -F -- "$3" | cat -v)" \
            "$(dump "$2")"; fi
}

expect_end() {
    local what=$1 name=$2 want=$3
    if wait_until 5 ended "$name"; then
        local got
        got=$(cat "$E2E_TMP/$name.status")
        if [ "$got" = "$want" ]; then ok "$what"; else not_ok "$what" "exit status $got, expected $want"; fi
    else
        not_ok "$what" "vdb is still running (or its tmux pane is)" "$(dump "$name")"
        "${TMUX_CMD[@]}" kill-session -t "$name" >/dev/null 2>&1
    fi
}

# framed_rows NAME COLUMNS ROWS: every one of the first ROWS rows (those
# above the status line) starts and ends on a box's edge, at column 1 and
# column COLUMNS -- nothing left over from a larger screen; prints the
# rows that do not.
framed_rows() {
    local LC_ALL=C.UTF-8 line n=0
    while IFS= read -r line; do
        n=$((n + 1))
        if [ "${#line}" -ne "$2" ] || [[ ${line:0:1} != [┌│└] ]] || [[ ${line: -1} != [┐│┘] ]]; then
            echo "row $n: $line"
        fi
    done < <(screen "$1" | head -n "$3")
}

# expect_resized WHAT NAME STATUS: the window of NAME made 80x24 redraws at
# that size -- the status line (starting with STATUS, e.g. " bvm |") and
# the prompt on the last two rows, every row above them framed at 80
# columns.  The window stays 80x24.
expect_resized() {
    local what=$1 name=$2 status=$3
    "${TMUX_CMD[@]}" resize-window -t "$name" -x 80 -y 24
    resized() {
        local s
        s=$(screen "$name")
        [ "$(printf '%s\n' "$s" | wc -l)" -eq 24 ] && [[ $(printf '%s\n' "$s" | sed -n 23p) == "$status"* ]] &&
            [[ $(printf '%s\n' "$s" | sed -n 24p) == "(vdb)"* ]]
    }
    if wait_until 5 resized; then ok "$what: status and prompt on the last two rows"; else
        not_ok "$what: status and prompt on the last two rows" "$(dump "$name")"; fi
    local garbled
    garbled=$(framed_rows "$name" 80 22)
    if [ -z "$garbled" ]; then ok "$what: every row framed at the new width"; else
        not_ok "$what: every row framed at the new width" "$garbled" "$(dump "$name")"; fi
}
