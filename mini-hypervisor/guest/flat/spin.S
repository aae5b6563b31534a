/*
 * spin.S -- the smallest guest that never stops (kvmtool's first test
 * guest is the same line): no I/O, no hlt, so it never exits to mhv on its
 * own.  `mhv run --timeout 1 spin.bin` must end it with status 124.
 */
    .code16
    .text
    .globl _start
_start:
1:  jmp     1b
