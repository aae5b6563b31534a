/*
 * guest.S -- lab 07's guest: it asks the CRC-32 device at ports
 * 0x300-0x307 for the checksum of "123456789" twice -- once with one
 * `outb` per byte, once with a single `rep outsb` -- prints both answers
 * and the device's byte count on the debug console, and ends with status
 * 0 when all three are right, 1 when any is wrong.
 *
 * CRC-32 (the one of zlib, Ethernet and PNG) of "123456789" is 0xCBF43926:
 * the standard check value of the algorithm.
 *
 * Every `in` and `out` here is a VM exit: KVM stops the guest and hands
 * the access to mhv (KVM_EXIT_IO), whose port bus passes it to the device
 * that claims the port -- or, for an unclaimed port, reads all ones.
 *
 * A flat real-mode image: mhv loads it at 0x1000 with CS = DS = ES = 0x100,
 * so a label's value (it is linked at 0) is its offset in the segment.
 */

#define CRC_DATA    0x300   /* out: feed bytes; in: the CRC-32 so far */
#define CRC_CONTROL 0x304   /* out: reset;      in: bytes fed since the reset */
#define CONSOLE     0xE9
#define EXIT        0xF4

#define CHECK_VALUE 0xCBF43926

/* Print the NUL-terminated string at ds:si. */
.macro PUTS
1:  lodsb
    test    %al, %al
    jz      2f
    outb    %al, $CONSOLE
    jmp     1b
2:
.endm

/* Print ebx as eight hex digits. */
.macro PUTHEX
    mov     $8, %cx
1:  rol     $4, %ebx
    mov     %bl, %al
    and     $0x0F, %al
    add     $'0', %al
    cmp     $'9', %al
    jbe     2f
    add     $('A' - '9' - 1), %al
2:  outb    %al, $CONSOLE
    dec     %cx
    jnz     1b
.endm

    .code16
    .text
    .globl _start
_start:
    xor     %bp, %bp            /* bp: how many answers were wrong */
    cld

    /* 1. One exit per byte: reset, nine `outb`s, one `inl`. */
    mov     $CRC_CONTROL, %dx
    outb    %al, %dx            /* any value resets */
    mov     $CRC_DATA, %dx
    mov     $check_string, %si
    mov     $9, %cx
1:  lodsb
    outb    %al, %dx
    loop    1b
    inl     %dx, %eax           /* the CRC-32 of the nine bytes */
    mov     %eax, %ebx
    mov     $outb_message, %si
    call    report

    /* 2. The same nine bytes by one string instruction. */
    mov     $CRC_CONTROL, %dx
    outb    %al, %dx
    mov     $CRC_DATA, %dx
    mov     $check_string, %si
    mov     $9, %cx
    rep outsb                   /* ds:si -> port dx, cx times */
    inl     %dx, %eax
    mov     %eax, %ebx
    mov     $rep_message, %si
    call    report

    /* 3. The device's byte count since the last reset. */
    mov     $CRC_CONTROL, %dx
    inl     %dx, %eax
    mov     %eax, %ebx
    mov     $count_message, %si
    PUTS
    PUTHEX
    mov     $newline, %si
    PUTS
    cmp     $9, %ebx
    je      3f
    inc     %bp
3:
    mov     %bp, %ax            /* 0: every answer right */
    test    %ax, %ax
    jz      4f
    mov     $1, %al
4:  outb    %al, $EXIT
    hlt                         /* not reached */

/* Print the string at si, ebx in hex, and " ok" or " WRONG"; count a
 * wrong one in bp. */
report:
    PUTS
    PUTHEX
    mov     $ok_message, %si
    cmp     $CHECK_VALUE, %ebx
    je      1f
    inc     %bp
    mov     $wrong_message, %si
1:  PUTS
    ret

check_string:   .ascii "123456789"
outb_message:   .asciz "crc32 by outb:      "
rep_message:    .asciz "crc32 by rep outsb: "
count_message:  .asciz "bytes counted:      "
ok_message:     .asciz " ok\n"
wrong_message:  .asciz " WRONG (want CBF43926)\n"
newline:        .asciz "\n"
