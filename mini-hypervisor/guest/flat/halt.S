/* halt.S -- a real-mode guest that halts with interrupts off: nothing can
 * wake it, so mhv ends with status 0. */
    .code16
    .text
    .globl _start
_start:
    cli
    hlt
