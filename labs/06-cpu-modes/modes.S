/*
 * modes.S -- lab 06: a guest that climbs from real mode through protected
 * mode into long mode by itself, as a boot loader does, and prints one
 * line in each mode: its CR0 (and in long mode CR4 and EFER), the
 * registers that say which mode the CPU is in.  It ends with status 64
 * through port 0xF4.
 *
 * mhv loads this flat binary at 0x1000 and enters it in real mode at
 * CS:IP = 0100:0000 (mhv's defaults for a flat image).  It is linked at
 * 0x1000 (labs/06-cpu-modes/build.sh), so every label is the linear
 * address it will have in RAM; the first instruction reloads CS with 0
 * so that the same holds for real-mode offsets.  Later modes use flat
 * segments (base 0) and identity paging, so there too address = label.
 *
 * No stack and no interrupts are used anywhere, and there is no valid
 * IDT after real mode: any exception on the way ends in a triple fault,
 * and mhv reports status 123 with a register dump.
 *
 * The six TODOs are the steps into long mode: lab 06's README explains
 * each.  Until they are done, the guest gets as far as protected mode and
 * then triple-faults on the far jump to 64-bit code (status 123).
 */

#define CODE64 0x08     /* the GDT's selectors: the same layout as the */
#define DATA   0x10     /* GDT mhv builds itself (mini-hypervisor/abi/boot.h) */
#define CODE32 0x18

#define EFER   0xC0000080   /* the MSR holding LME (bit 8) and LMA (bit 10) */

/* Print the NUL-terminated string at (e/r)si on the debug console. */
.macro PUTS
1:  lodsb
    test    %al, %al
    jz      2f
    outb    %al, $0xE9
    jmp     1b
2:
.endm

/* Print ebx as eight hex digits on the debug console. */
.macro PUTHEX
    mov     $8, %ecx
1:  rol     $4, %ebx            /* the next digit into the low nibble */
    mov     %bl, %al
    and     $0x0F, %al
    add     $'0', %al
    cmp     $'9', %al
    jbe     2f
    add     $('A' - '9' - 1), %al
2:  outb    %al, $0xE9
    dec     %ecx
    jnz     1b
.endm

    .text
    .globl _start

/* ==== 16-bit real mode ================================================== */
    .code16
_start:
    ljmp    $0, $real_mode      /* CS = 0: offsets are linear addresses now */
real_mode:
    xor     %ax, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     $real_message, %si
    PUTS
    mov     %cr0, %ebx
    PUTHEX
    mov     $newline, %si
    PUTS

    cli                         /* no interrupt may come during the switch */
    lgdt    gdt_pointer         /* the GDT's base and limit, from ds:offset */
    mov     %cr0, %eax
    or      $0x1, %eax          /* CR0.PE: protection on */
    mov     %eax, %cr0
    ljmp    $CODE32, $protected_mode   /* reload CS from the GDT: 32-bit code */

/* ==== 32-bit protected mode ============================================= */
    .code32
protected_mode:
    mov     $DATA, %ax          /* every data segment: flat, base 0 */
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     $protected_message, %esi
    PUTS
    mov     %cr0, %ebx
    PUTHEX
    mov     $newline, %esi
    PUTS

    /* TODO 1: set CR4.PAE (bit 5): long mode's page tables are PAE's
     * format, 8-byte entries. */

    /* TODO 2: load CR3 with the physical address of the PML4. */

    /* TODO 3: set EFER.LME (bit 8), long mode enable: EFER is MSR
     * 0xC0000080, read with rdmsr and written with wrmsr. */

    /* TODO 4: set CR0.PG (bit 31): paging on -- and, with LME set, long
     * mode active (EFER.LMA = 1).  CS still holds the 32-bit descriptor,
     * so this is compatibility mode until the far jump below. */

paging_on:
    ljmp    $CODE64, $long_mode /* reload CS: the 64-bit descriptor */

/* ==== 64-bit long mode ================================================== */
    .code64
long_mode:
    lea     long_message(%rip), %rsi    /* rip-relative: only in 64-bit code */
    PUTS
    mov     %cr0, %rbx
    PUTHEX
    lea     cr4_message(%rip), %rsi
    PUTS
    mov     %cr4, %rbx
    PUTHEX
    lea     efer_message(%rip), %rsi
    PUTS
    mov     $EFER, %ecx
    rdmsr
    mov     %eax, %ebx
    PUTHEX
    lea     newline(%rip), %rsi
    PUTS
    mov     $64, %al            /* status 64: the bits of the mode we ended in */
    outb    %al, $0xF4
1:  hlt                         /* not reached: mhv stops at the exit port */
    jmp     1b

/* ==== Data ================================================================ */
real_message:       .asciz "real mode:      CR0="
protected_message:  .asciz "protected mode: CR0="
long_message:       .asciz "long mode:      CR0="
cr4_message:        .asciz " CR4="
efer_message:       .asciz " EFER="
newline:            .asciz "\n"

/*
 * The GDT: one 8-byte descriptor per selector (selector = 8 * index).
 * The CPU reads base and limit only outside 64-bit mode; in 64-bit mode a
 * code segment's L bit (bit 53) is what counts.
 */
    .balign 8
gdt:
    .quad   0                       /* 0x00: the null descriptor */
    /* TODO 5: the 64-bit code descriptor: present, DPL 0, a code segment
     * (execute/read), L = 1 and D = 0 (base and limit are ignored). */
    .quad   0                       /* 0x08: 64-bit code */
    .quad   0x00CF92000000FFFF      /* 0x10: data: base 0, 4 GiB, read/write */
    .quad   0x00CF9A000000FFFF      /* 0x18: 32-bit code: base 0, 4 GiB, D = 1 */
gdt_end:
gdt_pointer:
    .word   gdt_end - gdt - 1       /* limit: size - 1 */
    .long   gdt                     /* base: a linear address */

/*
 * Page tables: PML4 -> PDPT -> PD, each a 4 KiB page of 512 8-byte
 * entries.  One PD of 2 MiB pages (PS = 1) maps the first 1 GiB to itself.
 * Flags: bit 0 present, bit 1 writable, bit 7 PS (a 2 MiB page).
 */
    .balign 4096
pml4:
    .long   pdpt + 0x3, 0           /* PML4[0] -> the PDPT: present, writable */
    .fill   511, 8, 0
pdpt:
    .long   pd + 0x3, 0             /* PDPT[0] -> the PD: present, writable */
    .fill   511, 8, 0
pd:
    .set    page, 0
    .rept   512                     /* PD[i] -> the 2 MiB page at i * 2 MiB */
    /* TODO 6: the flags of a PD entry that maps a 2 MiB page: present,
     * writable, PS. */
    .long   page + 0, 0
    .set    page, page + 0x200000
    .endr
