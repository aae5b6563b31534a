#!/usr/bin/env bash
# tui.sh -- vdb's TUI driven through tmux: vdb runs in a detached tmux
# session of a known size, the test types into it (send-keys) and reads
# the screen back (capture-pane; -e keeps the attributes as SGR escapes).
# Every check waits for what it expects (polling, up to a timeout) rather
# than sleeping a fixed time.
#
# Checked: the panes and their titles, the status line and the prompt;
# break + run marks the current line (reverse video) in the source pane,
# next moves it; changed registers are highlighted; layout asm and regs;
# an empty line repeats next; the function keys; an unknown command is an
# error line (in colour) and vdb goes on; Tab completes commands, registers
# and lists candidates; PgUp/PgDn scroll the console; Ctrl-L redraws; the
# program's output goes to the output pane only; a resize redraws at the
# new size (and a tiny size says so); Ctrl-C clears the line at the prompt
# and stops a running program; history is kept across runs in
# $HOME/.vdb_history; -x scripts' answers show once the screen opens;
# without colours (vt100); a terminal curses cannot use; quit and Ctrl-D
# end vdb with status 0.
#
#   VDB  the vdb program (default bin/vdb)
# shellcheck disable=SC2317  # the predicates below run through wait_until
cd "$(dirname "$0")/../.." || exit 2

BVM=${VDB:-bin/vdb} # lib.sh checks $BVM
. tests/e2e/lib.sh
VDB=$BVM

fib=workloads/fib.vela
. tests/vdb/tmux.sh

# A session that stays, so that the tmux server lives on between vdb runs.
"${TMUX_CMD[@]}" new-session -d -s keeper -x 20 -y 5 "sleep 3600"

# ---- the screen at the start ---------------------------------------------------------

start main 120 40 -- "$fib"
expect_screen "start: the source pane and its title" main "source: fib.vela"
expect_screen "start: the source lines" main "int fib(int n) {"
expect_screen "start: the frames pane" main "frames"
expect_screen "start: the memory pane" main "memory: "
expect_screen "start: the output pane" main "output"
expect_screen "start: the console" main "console"
expect_screen "start: the status line" main "bvm | not started"
expect_screen "start: the function keys in the status line" main "F5"
if wait_until 5 last_row_is main "(vdb)"; then ok "start: the prompt on the last row"; else
    not_ok "start: the prompt on the last row" "last row: $(screen main | tail -n 1)"; fi
status_row=$(screen main | sed -n 39p)
if [[ $status_row == *"bvm |"* ]]; then ok "start: the status line just above the prompt"; else
    not_ok "start: the status line just above the prompt" "row 39: $status_row"; fi

# ---- break, run, next: the current line -------------------------------------------------

type_line main "break fib"
expect_screen "break fib: answered in the console" main "Breakpoint 1 at fib: file fib.vela, line 7."
expect_screen "break fib: line 7 marked B" main "B    7      if (n < 2) return n;"
expect_attribute "break fib: the breakpoint line in colour (red)" main "7      if (n < 2)" 31
type_line main "run"
expect_screen "run: stops at the breakpoint" main "Breakpoint 1, fib at fib.vela:7" 10
expect_screen "run: the current-line marker on line 7" main "B>   7      if (n < 2) return n;"
expect_attribute "run: line 7 in reverse video" main "B>   7      if (n < 2)" 7
expect_screen "run: the frames pane shows fib's frame" main ">#0  fib, line 7"
expect_screen "run: the status says where it stopped" main "bvm | breakpoint |"
type_line main "next"
expect_screen "next: the marker moves to line 8" main " >   8      return fib(n - 1) + fib(n - 2);"
expect_attribute "next: line 8 in reverse video" main ">   8      return fib" 7
if has_attribute main "B    7      if (n < 2)" 7; then
    not_ok "next: line 7 no longer reversed" "$(screen_with_attributes main | grep -F 'if (n < 2)' | cat -v)"
else ok "next: line 7 no longer reversed"; fi

# ---- registers: layout regs, changed values highlighted ---------------------------------

type_line main "layout regs"
expect_screen "layout regs: the registers pane" main "registers"
expect_screen "layout regs: the registers" main "insns    0x"
type_line main "stepi"
expect_screen "stepi: answered" main "(vdb) stepi"
expect_attribute "stepi: the changed pc highlighted (bold)" main "pc       0x" 1
expect_attribute "stepi: the changed instruction count highlighted (bold)" main "insns    0x" 1
if has_attribute main "depth    0x" 1; then
    not_ok "stepi: the unchanged depth not highlighted" "$(screen_with_attributes main | grep -F 'depth    0x' | cat -v)"
else ok "stepi: the unchanged depth not highlighted"; fi

# ---- an empty line repeats the last step ----------------------------------------------------

type_line main "next"
wait_until 5 shows_count main "(vdb) next" 2 >/dev/null
before=$(screen main | grep -cF "(vdb) next")
press main Enter
if wait_until 5 shows_count main "(vdb) next" $((before + 1)); then ok "an empty line repeats next"; else
    not_ok "an empty line repeats next" "$(dump main)"; fi

# ---- layout asm -----------------------------------------------------------------------

type_line main "layout asm"
expect_screen "layout asm: the code pane" main "code: fib"
expect_screen "layout asm: the current instruction marked" main "> fib+"
expect_attribute "layout asm: the current instruction in reverse video" main "> fib+" 7
if shows main "source: fib.vela"; then not_ok "layout asm: the source pane gone" "$(dump main)"; else
    ok "layout asm: the source pane gone"; fi
type_line main "layout src"
expect_screen "layout src: the source pane back" main "source: fib.vela"

# ---- function keys ---------------------------------------------------------------------

press main F7
expect_screen "F7: step" main "(vdb) step"
press main F8
expect_screen "F8: stepi" main "(vdb) stepi"
press main F6
expect_screen "F6: next" main "(vdb) next"
press main F10
expect_screen "F10: finish" main "(vdb) finish"
expect_screen "F10: finish ran" main "Run till exit"
press main F9
expect_screen "F9: continue" main "(vdb) continue"
press main F2
expect_screen "F2: the next layout" main "layout: "
press main F5
expect_screen "F5: run (again)" main "(vdb) run"
expect_screen "F5: the program started again" main "Starting the program again."
type_line main "layout src"

# ---- errors ------------------------------------------------------------------------------

type_line main "frobnicate"
expect_screen "an unknown command: an error line" main "error: unknown command 'frobnicate'"
expect_attribute "an unknown command: the error in colour (red)" main "error: unknown command" 31
type_line main "help next"
expect_screen "after the error: vdb goes on" main "next [N]"

# ---- tab completion ---------------------------------------------------------------------

type_text main "brea"
press main Tab
if wait_until 5 last_row_is main "(vdb) break"; then ok "Tab: completes a command prefix"; else
    not_ok "Tab: completes a command prefix" "last row: $(screen main | tail -n 1)"; fi
press main C-u
# shellcheck disable=SC2016  # $ins is vdb's register syntax, not the shell's
type_text main 'print $ins'
press main Tab
# shellcheck disable=SC2016
if wait_until 5 last_row_is main '(vdb) print $insns'; then ok "Tab: completes a register"; else
    not_ok "Tab: completes a register" "last row: $(screen main | tail -n 1)"; fi
press main C-u
type_text main 'b'
press main Tab Tab
expect_screen "Tab Tab: the candidates listed in the console" main "backtrace  break"
press main C-u

# ---- Ctrl-C at the prompt ------------------------------------------------------------------

type_text main "print 12345"
wait_until 5 last_row_is main "(vdb) print 12345" >/dev/null
press main C-c
if wait_until 5 last_row_is main "(vdb)"; then ok "Ctrl-C at the prompt clears the line"; else
    not_ok "Ctrl-C at the prompt clears the line" "last row: $(screen main | tail -n 1)"; fi
type_line main "print 42"
expect_screen "after Ctrl-C: commands still run" main "= 42"

# ---- resize -------------------------------------------------------------------------------

expect_resized "resize to 80x24" main " bvm |"
expect_screen "resize to 80x24: the source still shown" main "int fib(int n) {"
"${TMUX_CMD[@]}" resize-window -t main -x 20 -y 6
expect_screen "resize to 20x6: says the terminal is too small" main "terminal too smal"
"${TMUX_CMD[@]}" resize-window -t main -x 120 -y 40
expect_screen "resize back to 120x40: the panes again" main "source: fib.vela"
if wait_until 5 last_row_is main "(vdb)"; then ok "resize back to 120x40: the prompt on the last row"; else
    not_ok "resize back to 120x40: the prompt on the last row" "$(dump main)"; fi

# ---- the console scrolls back; Ctrl-L redraws --------------------------------------------

type_line main "help"
expect_screen "help: its last line in the console" main "leave vdb (a running program is ended)"
press main PPage
expect_screen "PgUp: the console scrolled back" main "rows back; PgDn"
press main NPage
if wait_until 5 shows main "leave vdb (a running program is ended)" && ! shows main "rows back"; then
    ok "PgDn: the console back at its end"
else not_ok "PgDn: the console back at its end" "$(dump main)"; fi
press main C-l
expect_screen "Ctrl-L: the screen redrawn" main "source: fib.vela"

# ---- quit -------------------------------------------------------------------------------

type_line main "quit"
expect_end "quit: vdb ends with status 0" main 0

# ---- history across runs ---------------------------------------------------------------

if grep -qxF "break fib" "$home/.vdb_history" && grep -qxF "print 42" "$home/.vdb_history"; then
    ok "history: saved in \$HOME/.vdb_history"
else
    not_ok "history: saved in \$HOME/.vdb_history" "$(head -c 400 "$home/.vdb_history" 2>&1)"
fi
if grep -qxF "" "$home/.vdb_history"; then
    not_ok "history: no blank entries" "$(cat -A "$home/.vdb_history" | head -n 20)"
else ok "history: no blank entries"; fi
start again 120 40 -- "$fib"
expect_screen "history: the second run starts" again "source: fib.vela"
press again Up
if wait_until 5 last_row_is again "(vdb) quit"; then ok "history: Up recalls the last command of the first run"; else
    not_ok "history: Up recalls the last command of the first run" "last row: $(screen again | tail -n 1)"; fi
press again Up
if wait_until 5 last_row_is again "(vdb) help"; then ok "history: Up again, the one before"; else
    not_ok "history: Up again, the one before" "last row: $(screen again | tail -n 1)"; fi
press again C-u C-d
expect_end "Ctrl-D on an empty line: vdb ends with status 0" again 0

# ---- Ctrl-C stops a running program ---------------------------------------------------------

cat >"$E2E_TMP/spin.vela" <<'EOF'
void main() {
    int i = 0;
    while (i >= 0) {
        i = (i + 1) % 1000;
    }
}
EOF
start spin 120 40 -- "$E2E_TMP/spin.vela"
expect_screen "spin: starts" spin "source: spin.vela"
type_line spin "run"
expect_screen "a running program: the status says so" spin "running: run"
press spin C-c
expect_screen "Ctrl-C: the program stops" spin "Program stopped" 10
expect_screen "Ctrl-C: the status says interrupted" spin "interrupted"
# It stops somewhere in the loop: line 3 or line 4.
if screen spin | grep -qE '│ >   [34]  '; then ok "Ctrl-C: the current-line marker in the loop"; else
    not_ok "Ctrl-C: the current-line marker in the loop" "$(dump spin)"; fi
expect_attribute "Ctrl-C: the current line in reverse video" spin " >   " 7
type_line spin "quit"
expect_end "spin: quit while stopped, status 0" spin 0

# ---- the program's output goes to the output pane ----------------------------------------------

printf 'void main() {\n    print("hello from vela");\n}\n' >"$E2E_TMP/hello.vela"
start hello 120 40 -- "$E2E_TMP/hello.vela"
expect_screen "output: starts" hello "source: hello.vela"
type_line hello "run"
expect_screen "output: the program ran to its end" hello "exited with status 0" 10
expect_screen "output: the program's line in the output pane" hello "│hello from vela"
if [ "$(screen hello | grep -cF "│hello from vela")" -eq 1 ]; then ok "output: shown once (not in the console too)"; else
    not_ok "output: shown once (not in the console too)" "$(dump hello)"; fi
type_line hello "quit"
expect_end "output: quit, status 0" hello 0

# ---- -x scripts run before the screen opens ------------------------------------------------

printf 'break fib\nrun\nbogus\n' >"$E2E_TMP/script.vdb"
start script 120 40 -- -x "$E2E_TMP/script.vdb" "$fib"
expect_screen "-x: the script's answers in the console" script "Breakpoint 1 at fib: file fib.vela, line 7."
expect_screen "-x: its stop" script "Breakpoint 1, fib at fib.vela:7" 10
expect_screen "-x: its errors" script "error: unknown command 'bogus'"
expect_screen "-x: the TUI shows where the script stopped" script "B>   7      if (n < 2) return n;"
type_line script "quit"
expect_end "-x: quit, status 0" script 0

# ---- a terminal without colours --------------------------------------------------------------

start mono 100 30 TERM=vt100 -- -x "$E2E_TMP/script.vdb" "$fib"
expect_screen "vt100: the panes" mono "source: fib.vela"
expect_attribute "vt100: the current line in reverse video" mono "B>   7      if (n < 2)" 7
type_line mono "layout regs"
type_line mono "next"
expect_attribute "vt100: a changed register bold" mono "pc       0x" 1
expect_attribute "vt100: and underlined (no colour to tell it from a heading)" mono "pc       0x" 4
type_line mono "quit"
expect_end "vt100: quit, status 0" mono 0

# ---- a terminal curses cannot use ----------------------------------------------------------------

start badterm 100 30 TERM=no-such-terminal -- "$fib"
expect_end "an unknown TERM: vdb ends with status 1" badterm 1
if grep -qF "cannot use the terminal 'no-such-terminal'" "$E2E_TMP/badterm.err"; then
    ok "an unknown TERM: says so on stderr"
else
    not_ok "an unknown TERM: says so on stderr" "stderr: $(head -c 300 "$E2E_TMP/badterm.err")"
fi

finish
