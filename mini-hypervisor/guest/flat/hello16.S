/*
 * hello16.S -- the smallest useful real-mode guest: prints a line through
 * the debug console (port 0xE9), then ends with status 0 through port 0xF4.
 *
 * mhv loads a flat binary at --load (0x1000) with CS = DS = load >> 4, so
 * offsets from the start of this file are the addresses the code uses.
 */
#include "print_e9.inc"

    .code16
    .text
    .globl _start
_start:
    mov     $message, %si
    PRINT_E9                /* ds:si, the 16-bit form */
    mov     $0, %al
    outb    %al, $0xF4      /* exit status 0 */
    hlt                     /* not reached */

message:
    .asciz  "hello from real mode\n"
