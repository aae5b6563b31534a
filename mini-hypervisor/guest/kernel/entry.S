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

/* Call-frame information: the stubs and interrupt_common describe this
 * frame to a debugger's unwinder with CFI directives (they add nothing to
 * the code, only to .debug_frame).  The CFA is the address above ss, where
 * the CPU's pushes began; rip and rsp are the interrupted ones the CPU
 * saved, and each general register is where interrupt_common pushed it.
 * Each is marked a signal frame (.cfi_signal_frame): the rip it returns to
 * is the interrupted instruction, not a call's return address, so a
 * debugger shows that instruction's line and unwinds on from the
 * interrupted function with its registers.  kernel.ld keeps .debug_frame
 * (the C files are compiled without .eh_frame, and so is this file).
 */
    .cfi_sections .debug_frame

/* Until interrupt_common saves them, the general registers are still the
 * interrupted code's. */
.macro cfi_interrupted_registers
    .cfi_same_value rax
    .cfi_same_value rbx
    .cfi_same_value rcx
    .cfi_same_value rdx
    .cfi_same_value rsi
    .cfi_same_value rdi
    .cfi_same_value rbp
    .cfi_same_value r8
    .cfi_same_value r9
    .cfi_same_value r10
    .cfi_same_value r11
    .cfi_same_value r12
    .cfi_same_value r13
    .cfi_same_value r14
    .cfi_same_value r15
.endm

/* One stub per vector.  The CPU pushes an error code itself only for
 * vectors 8, 10-14, 17, 21, 29 and 30. */
.macro interrupt_stub vector
interrupt_stub_\vector:
    .cfi_startproc simple
    .cfi_signal_frame
    .cfi_offset rip, -40            /* the CFA less the CPU's rip, cs, rflags, rsp, ss */
    .cfi_offset rsp, -16
    cfi_interrupted_registers
    .if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .cfi_def_cfa rsp, 48            /* the CPU's error code, then rip .. ss */
    .else
    .cfi_def_cfa rsp, 40
    pushq   $0                      /* no error code: keep the frame's shape */
    .cfi_adjust_cfa_offset 8
    .endif
    pushq   $\vector
    .cfi_adjust_cfa_offset 8
    jmp     interrupt_common
    .cfi_endproc
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
    .cfi_startproc simple
    .cfi_signal_frame
    .cfi_def_cfa rsp, 56            /* the vector, the error code, rip .. ss */
    .cfi_offset rip, -40
    .cfi_offset rsp, -16
    cfi_interrupted_registers
    push    %rax
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rax, 0
    push    %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rbx, 0
    push    %rcx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rcx, 0
    push    %rdx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rdx, 0
    push    %rsi
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rsi, 0
    push    %rdi
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rdi, 0
    push    %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rbp, 0
    push    %r8
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset r8, 0
    push    %r9
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset r9, 0
    push    %r10
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset r10, 0
    push    %r11
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset r11, 0
    push    %r12
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset r12, 0
    push    %r13
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset r13, 0
    push    %r14
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset r14, 0
    push    %r15
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset r15, 0
    cld                             /* the C ABI wants DF clear at a call */
    mov     %rsp, %rdi
    call    interrupt_dispatch
    pop     %r15
    .cfi_adjust_cfa_offset -8
    .cfi_restore r15
    pop     %r14
    .cfi_adjust_cfa_offset -8
    .cfi_restore r14
    pop     %r13
    .cfi_adjust_cfa_offset -8
    .cfi_restore r13
    pop     %r12
    .cfi_adjust_cfa_offset -8
    .cfi_restore r12
    pop     %r11
    .cfi_adjust_cfa_offset -8
    .cfi_restore r11
    pop     %r10
    .cfi_adjust_cfa_offset -8
    .cfi_restore r10
    pop     %r9
    .cfi_adjust_cfa_offset -8
    .cfi_restore r9
    pop     %r8
    .cfi_adjust_cfa_offset -8
    .cfi_restore r8
    pop     %rbp
    .cfi_adjust_cfa_offset -8
    .cfi_restore rbp
    pop     %rdi
    .cfi_adjust_cfa_offset -8
    .cfi_restore rdi
    pop     %rsi
    .cfi_adjust_cfa_offset -8
    .cfi_restore rsi
    pop     %rdx
    .cfi_adjust_cfa_offset -8
    .cfi_restore rdx
    pop     %rcx
    .cfi_adjust_cfa_offset -8
    .cfi_restore rcx
    pop     %rbx
    .cfi_adjust_cfa_offset -8
    .cfi_restore rbx
    pop     %rax
    .cfi_adjust_cfa_offset -8
    .cfi_restore rax
    add     $16, %rsp               /* the vector and the error code */
    .cfi_adjust_cfa_offset -16
    iretq
    .cfi_endproc

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
