/*
 * crash.S -- a real-mode guest that triple-faults: with an interrupt table
 * of limit 0, the invalid-opcode exception of ud2 cannot be delivered (#GP),
 * nor can that (#DF), and the CPU shuts down.  mhv ends with status 123 and
 * a register dump.
 */
    .code16
    .text
    .globl _start
_start:
    lidt    empty_idt
    ud2

empty_idt:
    .word   0               /* limit */
    .long   0               /* base */
