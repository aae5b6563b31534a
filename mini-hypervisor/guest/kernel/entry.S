/*
 * entry.S -- where the guest kernel starts, and where every interrupt
 * enters it.
 *
 * _start: mhv jumps here in 64-bit long mode (boot.h) with RDI = the boot
 * info, interrupts off, and RSP at the top of the VMM's 32 KiB boot stack.
 * The kernel wants nothing of the VMM's area it does not have to use, so it
 * clears its .bss, moves to its own stack there, and calls kernel_main.
 *
 * Interrupts: one small stub per vector (256 of them, made by a macro) makes
 * every stack frame look the same -- the CPU pushes an error code for some
 * exceptions only, so the others push a 0 in its place -- then pushes its
 * vector number and jumps to interrupt_common, which saves the fifteen
 * general registers, calls interrupt_dispatch(frame) in idt.c, restores
 * them and returns with iretq.  SSE registers are not saved: the C side is
 * compiled with -mgeneral-regs-only and never touches them.
 *
 * The frame, from the top of the stack down (struct trap_frame in idt.h):
 *
 *   ss, rsp, rflags, cs, rip      pushed by the CPU
 *   error code                    pushed by the CPU, or 0 by the stub
 *   vector                        pushed by the stub
 *   rax rbx rcx rdx rsi rdi rbp r8 .. r15   pushed by interrupt_common
 *                                 <- rsp, passed as the frame pointer
 *
 * Stack alignment: the CPU aligns RSP to 16 bytes before its pushes in
 * long mode, and 5 + 1 + 1 + 15 = 22 eight-byte pushes keep it aligned, as
 * the C ABI wants at a call.
 */
#define KERNEL_STACK_SIZE 0x10000

    .code64

/* ---- boot ----------------------------------------------------------------- */

    .section .text.entry, "ax", @progbits
    .globl _start
_start:
    cld
    mov     %rdi, %r12              /* the boot info: rep stos needs rdi */

    mov     $__bss_start, %rdi      /* clear .bss (its stack included) */
    mov     $__bss_end, %rcx
    sub     %rdi, %rcx
    xor     %eax, %eax
    rep stosb

    mov     $kernel_stack_top, %rsp
    xor     %ebp, %ebp              /* the end of the frame chain */
    mov     %r12, %rdi
    call    kernel_main             /* never returns */
halt_forever:
    cli
    hlt
    jmp     halt_forever

/* ---- interrupt stubs -------------------------------------------------------- */

    .text
    .altmacro

/* One stub per vector.  The CPU pushes an error code itself only for
 * vectors 8, 10-14, 17, 21, 29 and 30. */
.macro interrupt_stub vector
interrupt_stub_\vector:
    .if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .else
    pushq   $0                      /* no error code: keep the frame's shape */
    .endif
    pushq   $\vector
    jmp     interrupt_common
.endm

.macro interrupt_stub_address vector
    .quad   interrupt_stub_\vector
.endm

    .set    vector, 0
    .rept   256
    interrupt_stub %vector
    .set    vector, vector + 1
    .endr

interrupt_common:
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    cld                             /* the C ABI wants DF clear at a call */
    mov     %rsp, %rdi
    call    interrupt_dispatch
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    pop     %rax
    add     $16, %rsp               /* the vector and the error code */
    iretq

/* The stubs' addresses, for idt_init. */
    .section .rodata
    .balign 8
    .globl  interrupt_stubs
interrupt_stubs:
    .set    vector, 0
    .rept   256
    interrupt_stub_address %vector
    .set    vector, vector + 1
    .endr

/* ---- the kernel's stack ------------------------------------------------------ */

    .section .bss
    .balign 16
kernel_stack:
    .skip   KERNEL_STACK_SIZE
kernel_stack_top:

    .section .note.GNU-stack, "", @progbits
