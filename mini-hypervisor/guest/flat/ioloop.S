/*
 * ioloop.S -- the cost of a VM exit: 50,000 `out` instructions to port
 * 0x80 (no device there), each a KVM_EXIT_IO round trip through mhv, then
 * status 0.  `mhv run --stats ioloop.bin` prints exits per second.
 */
    .code16
    .text
    .globl _start
_start:
    mov     $50000, %cx
1:  outb    %al, $0x80
    loop    1b
    mov     $0, %al
    outb    %al, $0xF4
