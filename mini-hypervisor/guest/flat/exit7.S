/* exit7.S -- a real-mode guest that ends at once with status 7 (port 0xF4). */
    .code16
    .text
    .globl _start
_start:
    mov     $7, %al
    outb    %al, $0xF4
    hlt
