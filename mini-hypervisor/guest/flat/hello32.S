/*
 * hello32.S -- the smallest useful protected-mode guest: prints a line
 * through the debug console (port 0xE9), then one fact only protected mode
 * can show -- CR0.PE, the bit that turns it on -- and ends with status 0
 * through port 0xF4.
 *
 * Built as an ELF32 linked at 0x100000; mhv enters it at the ELF entry in
 * 32-bit protected mode (boot.h): flat segments, paging off, so addresses
 * are physical, and ESP at the end of RAM, so `call` works.
 */
#include "print_e9.inc"

    .code32
    .text
    .globl _start
_start:
    mov     $message, %esi
    call    print
    mov     $fact, %esi
    call    print
    mov     %cr0, %eax
    and     $1, %eax        /* PE is bit 0 */
    add     $'0', %al
    outb    %al, %dx        /* dx is still 0xE9 */
    mov     $'\n', %al
    outb    %al, %dx
    mov     $0, %al
    outb    %al, $0xF4      /* exit status 0 */
    hlt                     /* not reached */

/* Print the NUL-terminated string at esi on port 0xE9. */
print:
    PRINT_E9
    ret

message:
    .asciz  "hello from protected mode\n"
fact:
    .asciz  "CR0.PE="

    .section .note.GNU-stack, "", @progbits
