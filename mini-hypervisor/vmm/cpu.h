/*
 * cpu.h -- the vCPU's registers: putting it in real, protected or long
 * mode at an entry point, its CPUID, and reading its state back (the
 * crash dump, the debugger).
 *
 * Invariants:
 *   - mhv_cpu_enter_* set every register the mode depends on (segments,
 *     CR0, CR3, CR4, EFER, RIP, RSP, RFLAGS); nothing is left from the
 *     reset state except what the mode ignores.
 *   - Protected and long mode use the GDT and (long mode) page tables that
 *     paging.c built in mhv's reserved area (memlayout.h); the caller has
 *     written them into RAM first.
 */
#ifndef MHV_CPU_H
#define MHV_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"

/* One ioctl on a block of the vCPU's registers -- KVM_GET_REGS,
 * KVM_SET_REGS, KVM_GET_SREGS or KVM_SET_SREGS, named by the macro --
 * whose error names it ("KVM_GET_SREGS: Bad address"):
 *
 *     mhv_cpu_registers(vm, KVM_GET_SREGS, &sregs, err, err_size)
 *
 * The one place libmhv moves registers in and out of KVM (the debug API's
 * register calls are this too). */
#define mhv_cpu_registers(vm, request, registers, err, err_size) \
    mhv_cpu_ioctl((vm), (request), #request, (void *)(registers), (err), (err_size))
/* registers: KVM writes it for a GET and reads it for a SET (which may
 * pass a const block: the macro casts). */
int mhv_cpu_ioctl(struct mhv_vm *vm, unsigned long request, const char *name, void *registers,
                  char *err, size_t err_size);

/* Gives the vCPU the CPUID the host's KVM supports (KVM_GET_SUPPORTED_CPUID
 * -> KVM_SET_CPUID2), as every VMM must before the guest runs, less the
 * local APIC the machine does not have (leaf 1: APIC, x2APIC, TSC deadline). */
int mhv_cpu_set_cpuid(struct mhv_vm *vm, char *err, size_t err_size);

/* Real mode at entry: CS = DS = ES = SS = load_addr >> 4, IP = entry - CS
 * base (which must be 0..0xFFFF), SP = 0 (top of the segment). */
int mhv_cpu_enter_real(struct mhv_vm *vm, uint64_t load_addr, uint64_t entry,
                       char *err, size_t err_size);

/* 32-bit protected or 64-bit long mode at entry, per boot.h: flat
 * segments from the GDT at gdt_addr (limit gdt_limit), CR3 = cr3 (long
 * mode), RSP = stack_top, RDI = boot_info_addr, interrupts off. */
int mhv_cpu_enter_flat(struct mhv_vm *vm, enum mhv_mode mode, uint64_t entry, uint64_t gdt_addr,
                       uint16_t gdt_limit, uint64_t cr3, uint64_t stack_top, uint64_t boot_info_addr,
                       char *err, size_t err_size);

/* The mode the vCPU is in now, from CR0.PE and EFER.LMA. */
int mhv_cpu_current_mode(struct mhv_vm *vm, enum mhv_mode *mode, char *err, size_t err_size);

const char *mhv_mode_name(enum mhv_mode mode);

/* Formats the registers (general, RIP, RFLAGS, segments, control
 * registers, EFER) into buf as text lines.  Returns 0, or -1 with a message
 * in buf. */
int mhv_cpu_format_registers(struct mhv_vm *vm, char *buf, size_t buf_size);

#endif
