/*
 * crash.c -- KVM_EXIT_INTERNAL_ERROR explained (crash.h).
 *
 * The four suberrors of <linux/kvm.h>, in the words of api.rst:
 *
 *   1 EMULATION          the instruction emulator could not run an
 *                        instruction (the bytes it fetched come along when
 *                        KVM sets KVM_INTERNAL_ERROR_EMULATION_FLAG_...)
 *   2 SIMUL_EX           an exception while delivering another
 *   3 DELIVERY_EV        an event (interrupt, exception) not delivered
 *   4 UNEXPECTED_EXIT_REASON  the CPU left the guest for a reason KVM does
 *                        not handle (data[0]: the hardware's reason)
 *
 * For 1 the instruction matters, so it is read from guest RAM when KVM did
 * not send it, and the likely cause depends on why KVM was emulating at
 * all, which depends on the platform.
 */
#include "crash.h"

#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define CR0_PE 0x1ull
#define CR0_PG 0x80000000ull
#define EFER_LMA (1ull << 10)
#define PAGE_SIZE 4096u

/* How the CPU decodes code at CS now: 16, 32 or 64 bits. */
static int code_bits(const struct kvm_sregs *sregs)
{
    if ((sregs->efer & EFER_LMA) && sregs->cs.l)
        return 64;
    return (sregs->cr0 & CR0_PE) && sregs->cs.db ? 32 : 16;
}

/* Guest physical address of a linear one, or -1 (not mapped). */
static int physical_of(struct mhv_vm *vm, const struct kvm_sregs *sregs, uint64_t linear, uint64_t *physical)
{
    if (!(sregs->cr0 & CR0_PG)) {
        *physical = linear;
        return 0;
    }
    struct kvm_translation translation = { .linear_address = linear };
    if (ioctl(vm->vcpu_fd, KVM_TRANSLATE, &translation) < 0 || !translation.valid)
        return -1;
    *physical = translation.physical_address;
    return 0;
}

/* Up to 15 bytes of guest RAM at the linear address, page by page. */
static size_t read_code(struct mhv_vm *vm, const struct kvm_sregs *sregs, uint64_t linear, uint8_t *code)
{
    size_t got = 0;
    while (got < 15) {
        uint64_t physical;
        if (physical_of(vm, sregs, linear + got, &physical) < 0 || physical >= vm->ram_size)
            break;
        size_t in_page = PAGE_SIZE - (size_t)((linear + got) % PAGE_SIZE);
        size_t in_ram = (size_t)(vm->ram_size - physical);
        size_t n = 15 - got;
        if (n > in_page)
            n = in_page;
        if (n > in_ram)
            n = in_ram;
        memcpy(code + got, vm->ram + physical, n);
        got += n;
    }
    return got;
}

/* The instruction KVM stopped at: its bytes, as KVM fetched them or as RAM
 * holds them, and where it is ("0100:0005" in real mode, else "0x102c59"). */
static void find_instruction(struct mhv_vm *vm, struct mhv_stop *stop, char *where, size_t where_size)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    snprintf(where, where_size, "RIP");
    if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0 || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
        return;
    stop->code_bits = code_bits(&sregs);
    uint64_t ip = stop->code_bits == 16 ? regs.rip & 0xFFFF : regs.rip;
    stop->code_address = stop->code_bits == 64 ? ip : sregs.cs.base + ip;
    if (!(sregs.cr0 & CR0_PE))
        snprintf(where, where_size, "%04x:%04llx", sregs.cs.selector, (unsigned long long)ip);
    else if (sregs.cs.base != 0 && stop->code_bits != 64)
        snprintf(where, where_size, "%04x:0x%llx", sregs.cs.selector, (unsigned long long)ip);
    else
        snprintf(where, where_size, "0x%llx", (unsigned long long)ip);

    const struct kvm_run *run = vm->run;
    /* flags is data[0], insn_size and insn_bytes data[1] and data[2]. */
    if (run->emulation_failure.ndata >= 3 &&
        (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
        run->emulation_failure.insn_size > 0) {
        size_t n = run->emulation_failure.insn_size;
        if (n > sizeof stop->code)
            n = sizeof stop->code;
        memcpy(stop->code, run->emulation_failure.insn_bytes, n);
        stop->code_size = (uint8_t)n;
    } else {
        stop->code_size = (uint8_t)read_code(vm, &sregs, stop->code_address, stop->code);
    }
}

/* Why KVM was running the instruction in its emulator, on this platform. */
static void emulation_cause(const struct mhv_kvm_platform *platform, int real_mode, char *cause, size_t size)
{
    if (platform->backend == MHV_KVM_PVM) {
        snprintf(cause, size,
                 "this /dev/kvm is kvm_pvm, which virtualizes without VMX or SVM: the CPU runs only a "
                 "guest's user mode (CPL 3), and KVM's instruction emulator runs all of ring 0 and real "
                 "mode, one instruction at a time; it lacks most SSE and x87 instructions, ud2 in real "
                 "mode, and int and int3 outside real mode. A machine with VMX or SVM (or the nested-KVM "
                 "sandbox) runs this guest (docs/no-kvm.md)");
    } else if (platform->backend == MHV_KVM_VMX && platform->unrestricted_guest == 0 && real_mode) {
        snprintf(cause, size,
                 "kvm_intel runs without unrestricted guest (its parameter unrestricted_guest is N), so "
                 "KVM emulates real-mode code, and its instruction emulator lacks this instruction; with "
                 "unrestricted_guest=Y the CPU runs it (docs/no-kvm.md)");
    } else {
        snprintf(cause, size,
                 "KVM runs an instruction in its own emulator when the CPU cannot finish it alone -- "
                 "above all an access to MMIO (a device, or no memory at all) -- and the emulator lacks "
                 "this one: reach device registers with plain mov");
    }
}

void mhv_crash_internal_error(struct mhv_vm *vm, const struct mhv_kvm_platform *platform,
                              struct mhv_stop *stop)
{
    struct mhv_kvm_platform here;
    if (!platform) {
        mhv_kvm_platform(NULL, &here);
        platform = &here;
    }
    const struct kvm_run *run = vm->run;
    stop->reason = MHV_STOP_CRASHED;
    stop->code_size = 0;
    stop->cause[0] = '\0';

    unsigned long long data0 = run->internal.ndata >= 1 ? (unsigned long long)run->internal.data[0] : 0;
    switch (run->internal.suberror) {
    case KVM_INTERNAL_ERROR_EMULATION: {
        char where[40], bytes[3 * 8 + 8] = "";
        find_instruction(vm, stop, where, sizeof where);
        size_t shown = stop->code_size < 8 ? stop->code_size : 8;
        for (size_t i = 0; i < shown; i++)
            snprintf(bytes + strlen(bytes), sizeof bytes - strlen(bytes), "%s%02x", i ? " " : "", stop->code[i]);
        if (stop->code_size > shown)
            snprintf(bytes + strlen(bytes), sizeof bytes - strlen(bytes), " ...");
        snprintf(stop->description, sizeof stop->description,
                 "KVM's instruction emulator cannot run the instruction at %s (%s) "
                 "(internal error 1, KVM_INTERNAL_ERROR_EMULATION)",
                 where, stop->code_size ? bytes : "its bytes are not in guest RAM");
        struct kvm_sregs sregs;
        int real_mode = ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) == 0 && !(sregs.cr0 & CR0_PE);
        emulation_cause(platform, real_mode, stop->cause, sizeof stop->cause);
        break;
    }
    case KVM_INTERNAL_ERROR_SIMUL_EX:
        snprintf(stop->description, sizeof stop->description,
                 "KVM met an exception while it delivered another (internal error 2, "
                 "KVM_INTERNAL_ERROR_SIMUL_EX)");
        break;
    case KVM_INTERNAL_ERROR_DELIVERY_EV:
        snprintf(stop->description, sizeof stop->description,
                 "KVM could not deliver an interrupt or exception to the guest (internal error 3, "
                 "KVM_INTERNAL_ERROR_DELIVERY_EV, vectoring information 0x%llx)", data0);
        break;
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
        snprintf(stop->description, sizeof stop->description,
                 "the CPU left the guest for a reason KVM does not handle (internal error 4, "
                 "KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON, hardware exit reason 0x%llx)", data0);
        break;
    default:
        snprintf(stop->description, sizeof stop->description, "KVM internal error (suberror %u)",
                 run->internal.suberror);
        break;
    }
}
