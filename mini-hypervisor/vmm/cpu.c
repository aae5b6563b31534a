/*
 * cpu.c -- setting the vCPU's mode and reading its registers.
 *
 * KVM starts a vCPU in the state of a reset x86 CPU: real mode at
 * F000:FFF0.  A VMM that wants another mode does not run code to get
 * there (no boot loader here); it writes the registers that code would
 * have left: KVM_SET_SREGS for segments and control registers,
 * KVM_SET_REGS for the rest.  The segment registers are loaded with their
 * hidden parts (base, limit, attributes) directly, as the CPU would after
 * a far jump through the GDT, so the GDT in RAM only matters once the
 * guest reloads a segment or takes an interrupt.
 */
#include "cpu.h"

#include <errno.h>
#include <asm/kvm_para.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boot.h"

#define CR0_PE 0x00000001ull
#define CR0_MP 0x00000002ull
#define CR0_ET 0x00000010ull
#define CR0_NE 0x00000020ull
#define CR0_WP 0x00010000ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x00000020ull
#define CR4_OSFXSR 0x00000200ull
#define CR4_OSXMMEXCPT 0x00000400ull
#define EFER_LME 0x00000100ull
#define EFER_LMA 0x00000400ull
#define RFLAGS_RESERVED 0x2ull

#define CPUID_MAX_ENTRIES 256

/* CPUID leaf 1's bits for a local APIC the machine does not have. */
#define CPUID_1_EDX_APIC (1u << 9)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

/* KVM's supported CPUID, less the local APIC: mhv runs KVM without its
 * in-kernel irqchip (machine.h), so there is no LAPIC at 0xFEE00000, and
 * a guest told there is one (Linux) programs it, reads nothing there and
 * crashes.  With the bits clear, Linux uses the 8259 PIC and the PIT. */
static void hide_local_apic(struct kvm_cpuid2 *cpuid)
{
    for (uint32_t i = 0; i < cpuid->nent; i++) {
        struct kvm_cpuid_entry2 *entry = &cpuid->entries[i];
        if (entry->function == 1) {
            entry->edx &= ~CPUID_1_EDX_APIC;
            entry->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
        }
    }
}

/* CPUID leaf 1's "running under a hypervisor" bit, and KVM's own leaves
 * (Documentation/virt/kvm/x86/cpuid.rst, <asm/kvm_para.h>): 0x40000000
 * says "KVMKVMKVM", KVM_CPUID_FEATURES (0x40000001) lists the paravirtual
 * features. */
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
/* The features mhv offers: the paravirtual clock (kvm-clock, both MSR sets,
 * and its "stable" bit) and a port 0x80 delay that is no delay.  KVM runs
 * them itself, in the kernel, with no in-kernel irqchip.  Not offered: the
 * features that deliver through a local APIC (PV EOI, async page faults,
 * PV IPIs and TLB flushes, PV spinlocks' unhalt) -- mhv has none. */
#define KVM_OFFERED_FEATURES \
    ((1u << KVM_FEATURE_CLOCKSOURCE) | (1u << KVM_FEATURE_NOP_IO_DELAY) | (1u << KVM_FEATURE_CLOCKSOURCE2) | \
     (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

/* Say "a hypervisor, KVM" and offer its clock: without it Linux finds no
 * way to measure the TSC (it would need the PIT's channel 2 gate, port
 * 0x61, or an HPET), marks it unstable and keeps time with the ACPI PM
 * timer -- a port exit for every clock read, tens of thousands in a boot.
 * With kvm-clock the guest reads the time from memory KVM keeps current. */
static void offer_kvm_clock(struct kvm_cpuid2 *cpuid)
{
    for (uint32_t i = 0; i < cpuid->nent; i++) {
        struct kvm_cpuid_entry2 *entry = &cpuid->entries[i];
        if (entry->function == 1)
            entry->ecx |= CPUID_1_ECX_HYPERVISOR;
        if (entry->function == KVM_CPUID_FEATURES) {
            entry->eax &= KVM_OFFERED_FEATURES;
            entry->edx = 0; /* KVM_HINTS_REALTIME and the like: none */
        }
    }
}

int mhv_cpu_set_cpuid(struct mhv_vm *vm, char *err, size_t err_size)
{
    size_t bytes = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *cpuid = calloc(1, bytes);
    if (!cpuid) {
        snprintf(err, err_size, "out of memory for the CPUID table");
        return -1;
    }
    cpuid->nent = CPUID_MAX_ENTRIES;
    int status = 0;
    if (ioctl(vm->kvm.fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
        snprintf(err, err_size, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
        status = -1;
    } else {
        hide_local_apic(cpuid);
        offer_kvm_clock(cpuid);
        if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0) {
            snprintf(err, err_size, "KVM_SET_CPUID2: %s", strerror(errno));
            status = -1;
        }
    }
    free(cpuid);
    return status;
}

int mhv_cpu_ioctl(struct mhv_vm *vm, unsigned long request, const char *name, void *registers,
                  char *err, size_t err_size)
{
    if (ioctl(vm->vcpu_fd, request, registers) < 0) {
        snprintf(err, err_size, "%s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

static int set_sregs_and_regs(struct mhv_vm *vm, const struct kvm_sregs *sregs,
                              const struct kvm_regs *regs, char *err, size_t err_size)
{
    /* The APIC base MSR disabled: KVM sets CPUID's APIC bit from its
     * enable bit at run time, whatever KVM_SET_CPUID2 said (see
     * hide_local_apic), and there is no local APIC behind it. */
    struct kvm_sregs without_apic = *sregs;
    without_apic.apic_base = 0;
    if (mhv_cpu_registers(vm, KVM_SET_SREGS, &without_apic, err, err_size) < 0)
        return -1;
    return mhv_cpu_registers(vm, KVM_SET_REGS, regs, err, err_size);
}

/* ==== Real mode ============================================================ */

static void set_real_mode_segment(struct kvm_segment *segment, uint16_t selector)
{
    segment->selector = selector;
    segment->base = (uint64_t)selector << 4;
    segment->limit = 0xFFFF;
}

int mhv_cpu_enter_real(struct mhv_vm *vm, uint64_t load_addr, uint64_t entry,
                       char *err, size_t err_size)
{
    if (load_addr >= 0x100000) {
        snprintf(err, err_size, "real mode: the load address 0x%llx is above 1 MiB",
                 (unsigned long long)load_addr);
        return -1;
    }
    uint16_t selector = (uint16_t)(load_addr >> 4);
    uint64_t segment_base = (uint64_t)selector << 4;
    if (entry < segment_base || entry - segment_base > 0xFFFF || entry >= vm->ram_size) {
        snprintf(err, err_size,
                 "real mode: the entry 0x%llx is outside the code segment 0x%llx..0x%llx (or RAM)",
                 (unsigned long long)entry, (unsigned long long)segment_base,
                 (unsigned long long)segment_base + 0xFFFF);
        return -1;
    }

    struct kvm_sregs sregs;
    if (mhv_cpu_registers(vm, KVM_GET_SREGS, &sregs, err, err_size) < 0)
        return -1;
    set_real_mode_segment(&sregs.cs, selector);
    set_real_mode_segment(&sregs.ds, selector);
    set_real_mode_segment(&sregs.es, selector);
    set_real_mode_segment(&sregs.fs, selector);
    set_real_mode_segment(&sregs.gs, selector);
    set_real_mode_segment(&sregs.ss, selector);

    struct kvm_regs regs = {
        .rip = entry - segment_base,
        .rsp = 0,                   /* the first push wraps to the top of the segment */
        .rflags = RFLAGS_RESERVED,  /* interrupts off */
    };
    vm->mode = MHV_MODE_REAL;
    return set_sregs_and_regs(vm, &sregs, &regs, err, err_size);
}

/* ==== Protected and long mode ================================================ */

/* The hidden part of a segment register, as loading the selector from the
 * GDT entry would leave it: flat (base 0, 4 GiB limit, page granularity). */
static struct kvm_segment flat_segment(uint16_t selector, int code, int long_code)
{
    return (struct kvm_segment){
        .base = 0,
        .limit = 0xFFFFFFFF,
        .selector = selector,
        .type = code ? 0xB : 0x3, /* code: execute/read, accessed; data: read/write, accessed */
        .present = 1,
        .dpl = 0,
        .db = long_code ? 0 : 1,  /* L=1 requires D=0 */
        .s = 1,
        .l = long_code,
        .g = 1,
    };
}

int mhv_cpu_enter_flat(struct mhv_vm *vm, enum mhv_mode mode, uint64_t entry, uint64_t gdt_addr,
                       uint16_t gdt_limit, uint64_t cr3, uint64_t stack_top, uint64_t boot_info_addr,
                       char *err, size_t err_size)
{
    struct kvm_sregs sregs;
    if (mhv_cpu_registers(vm, KVM_GET_SREGS, &sregs, err, err_size) < 0)
        return -1;

    int long_mode = mode == MHV_MODE_LONG;
    struct kvm_segment data = flat_segment(MHV_GDT_DATA, 0, 0);
    sregs.cs = long_mode ? flat_segment(MHV_GDT_CODE64, 1, 1) : flat_segment(MHV_GDT_CODE32, 1, 0);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;

    /* A task register is needed for VM entry on Intel even if never used:
     * a busy 32/64-bit TSS, base 0. */
    sregs.tr = (struct kvm_segment){ .limit = 0x67, .type = 0xB, .present = 1 };
    sregs.ldt = (struct kvm_segment){ .unusable = 1, .type = 0x2 };
    sregs.gdt.base = gdt_addr;
    sregs.gdt.limit = gdt_limit;
    sregs.idt.base = 0;
    sregs.idt.limit = 0;  /* none: the guest loads its own before sti */

    sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
    sregs.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;  /* SSE: gcc's x86-64 code needs it */
    sregs.efer = 0;
    if (long_mode) {
        sregs.cr0 |= CR0_PG | CR0_WP;
        sregs.cr3 = cr3;
        sregs.cr4 |= CR4_PAE;
        sregs.efer = EFER_LME | EFER_LMA;
    }

    struct kvm_regs regs = {
        .rip = entry,
        .rsp = stack_top,
        .rdi = boot_info_addr,
        .rflags = RFLAGS_RESERVED,
    };
    vm->mode = mode;
    return set_sregs_and_regs(vm, &sregs, &regs, err, err_size);
}

int mhv_cpu_current_mode(struct mhv_vm *vm, enum mhv_mode *mode, char *err, size_t err_size)
{
    struct kvm_sregs sregs;
    if (mhv_cpu_registers(vm, KVM_GET_SREGS, &sregs, err, err_size) < 0)
        return -1;
    *mode = (sregs.efer & EFER_LMA) ? MHV_MODE_LONG : (sregs.cr0 & CR0_PE) ? MHV_MODE_PROTECTED : MHV_MODE_REAL;
    return 0;
}

const char *mhv_mode_name(enum mhv_mode mode)
{
    switch (mode) {
    case MHV_MODE_REAL: return "real";
    case MHV_MODE_PROTECTED: return "protected";
    case MHV_MODE_LONG: return "long";
    }
    return "?";
}

/* ==== Register dump ======================================================== */

int mhv_cpu_format_registers(struct mhv_vm *vm, char *buf, size_t buf_size)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
        snprintf(buf, buf_size, "(registers unavailable: %s)\n", strerror(errno));
        return -1;
    }
    snprintf(buf, buf_size,
             "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
             "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
             "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
             "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
             "RIP=%016llx RFLAGS=%08llx\n"
             "CS=%04x base %08llx  DS=%04x base %08llx  SS=%04x base %08llx\n"
             "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx EFER=%08llx\n",
             (unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
             (unsigned long long)r.rdx, (unsigned long long)r.rsi, (unsigned long long)r.rdi,
             (unsigned long long)r.rbp, (unsigned long long)r.rsp, (unsigned long long)r.r8,
             (unsigned long long)r.r9, (unsigned long long)r.r10, (unsigned long long)r.r11,
             (unsigned long long)r.r12, (unsigned long long)r.r13, (unsigned long long)r.r14,
             (unsigned long long)r.r15, (unsigned long long)r.rip, (unsigned long long)r.rflags,
             s.cs.selector, (unsigned long long)s.cs.base, s.ds.selector, (unsigned long long)s.ds.base,
             s.ss.selector, (unsigned long long)s.ss.base, (unsigned long long)s.cr0,
             (unsigned long long)s.cr2, (unsigned long long)s.cr3, (unsigned long long)s.cr4,
             (unsigned long long)s.efer);
    /* On AMD SVM, KVM reinitializes the vCPU after a shutdown intercept, so
     * a triple fault leaves the reset state, not the state that faulted. */
    if (s.cs.selector == 0xF000 && s.cs.base == 0xFFFF0000u && r.rip == 0xFFF0) {
        size_t used = strlen(buf);
        snprintf(buf + used, buf_size - used,
                 "(this is the CPU's reset state: KVM reset the vCPU after the shutdown, as it does on AMD)\n");
    }
    return 0;
}
