/*
 * uart.S -- a real-mode guest that prints through the 16550 UART at 0x3F8
 * (polling the line status register first, as a real driver does), then
 * reads a port no device answers (0x80: it reads 0xFF) and ends with that
 * value as its status, so mhv exits with 255.
 */
    .code16
    .text
    .globl _start
_start:
    mov     $message, %si
print_next:
    mov     $0x3FD, %dx     /* line status register */
wait_ready:
    inb     %dx, %al
    test    $0x20, %al      /* transmit holding register empty? */
    jz      wait_ready
    lodsb
    test    %al, %al
    jz      done
    mov     $0x3F8, %dx     /* data register */
    outb    %al, %dx
    jmp     print_next
done:
    inb     $0x80, %al      /* no device: 0xFF */
    outb    %al, $0xF4
    hlt

message:
    .asciz  "hello from the uart\n"
