/*
 * debug.h -- the debug API of libmhv: single steps, breakpoints, registers
 * and guest memory, for a debugger (debugger/, vdb) that drives one VM.
 *
 *   mhv_debug_step          one guest instruction, then stop
 *   mhv_debug_continue      run until a breakpoint, or until the guest ends
 *   mhv_debug_add_breakpoint / _remove_breakpoint / _breakpoints
 *   mhv_debug_get_regs / _set_regs / _get_sregs / _set_sregs / _mode / _pc
 *   mhv_debug_read / _write / _translate   guest memory, physical or virtual
 *
 * Single steps.  KVM_SET_GUEST_DEBUG with KVM_GUESTDBG_SINGLESTEP, then the
 * ordinary run loop (mhv_vm_run_step) until KVM_EXIT_DEBUG -- or until the guest
 * stops for another reason, which the step then reports as it is
 * (MHV_STOP_EXIT_PORT for an `out` to 0xF4, MHV_STOP_HALTED, ...).  An
 * instruction that exits to mhv (port I/O, MMIO) is handled as in a normal
 * run; the step ends after it is complete: RIP past it, the I/O done.
 *
 * Interrupts are held while stepping: a step executes exactly the
 * instruction at RIP and never lands in an interrupt handler.  An
 * interrupt that becomes due during a step stays pending in the PIC and is
 * delivered when the guest next runs without stepping (mhv_debug_continue,
 * mhv_vm_run).  mhv can do this itself because it injects every interrupt
 * (no in-kernel irqchip, machine.h), so KVM_GUESTDBG_BLOCKIRQ (Linux 5.16+,
 * for interrupts KVM injects) is not needed and not used.  Stepping a
 * `hlt` with interrupts on waits, as the guest would, until an interrupt
 * is due, and ends after the hlt with that interrupt still pending; with
 * nothing able to wake the guest, the step ends the guest
 * (MHV_STOP_HALTED), as the hlt would.
 *
 * sti shields the instruction after it from interrupts and, on some CPUs,
 * from the single-step trap (measured on the sandbox's emulated AMD CPU:
 * a plain step over sti ran sti and the next instruction).  A step over
 * sti therefore also plants a temporary breakpoint on the next
 * instruction, so it too stops after exactly one.  mov ss and pop ss hold
 * the trap on every x86 and are not corrected: a step over one of them
 * runs the next instruction too, as under any debugger.
 *
 * Breakpoints go in guest RAM as a one-byte patch at the first byte of an
 * instruction, by one of two routes, chosen per process by a probe at the
 * first use (probe.h: a throwaway VM runs `int3` with KVM_GUESTDBG_USE_SW_BP):
 *
 *   MHV_BREAKPOINT_INT3  the patch is int3 (0xCC); KVM_GUESTDBG_USE_SW_BP
 *                        makes it a KVM_EXIT_DEBUG (#BP) with RIP on it.
 *                        The fast route, on real KVM.
 *   MHV_BREAKPOINT_HLT   the patch is hlt (0xF4).  KVM runs without its
 *                        in-kernel irqchip, so every hlt exits to mhv
 *                        (KVM_EXIT_HLT, RIP after it); the run loop's hlt
 *                        hook, which this module installs (machine.h),
 *                        asks whether RIP-1 holds a planted patch, and if
 *                        so rewinds RIP onto it and stops.  Any
 *                        other hlt keeps its meaning.  Used where int3
 *                        does not trap: the nested-KVM sandbox, whose
 *                        emulated SVM delivers int3 to the guest's own
 *                        interrupt table (docs/no-kvm.md).
 *
 * Either way a hit stops the guest before the instruction executes
 * (MHV_STOP_DEBUG, stop.debug_event MHV_DEBUG_BREAKPOINT, stop.breakpoint
 * its physical address).  Continuing from a breakpoint puts the guest's
 * byte back, steps that one instruction, plants the patch again and runs.
 * Breakpoints stay planted between calls, so mhv_vm_run stops at them too
 * -- but only mhv_debug_continue gets off one: mhv_vm_run with RIP on a
 * breakpoint stops there again at once.
 *
 * Addresses.  A virtual address here is a linear address: what KVM_TRANSLATE
 * takes, and what RIP is in long mode.  In real mode it is segment base +
 * offset (mhv_debug_pc computes it for the PC); with paging off (real and
 * protected mode) it equals the physical address.  Breakpoints are kept by
 * guest physical address, translated once when set; mhv's long-mode page
 * tables map the first 4 GiB 1:1, so for mhv's guests both agree -- a guest
 * that remaps its code afterwards keeps the breakpoint on the physical byte.
 *
 * Invariants:
 *   - While a breakpoint exists, its patch byte is in guest RAM at its
 *     physical address and its `original` holds the guest's byte -- except
 *     during one mhv_debug_step over it, when RAM holds the original.
 *   - mhv_debug_read shows the guest's bytes, never a patch;
 *     mhv_debug_write under a patch changes the saved original and keeps
 *     the patch.  The guest itself, reading its code, does see the patch
 *     (as under gdb).  A guest that overwrites a patched byte replaces
 *     the patch: that breakpoint no longer fires, and removing it leaves
 *     the guest's byte in place (nothing the guest wrote is undone).
 *   - Physical accesses are bounds-checked against guest RAM: nothing
 *     outside [vm->ram, vm->ram + ram_size) is ever read or written.
 *   - The table: at most MHV_DEBUG_MAX_BREAKPOINTS, each inside RAM and
 *     alone on its byte, `lifted` -1 between calls (MHV_ASSERT checks it
 *     at every change, and each patch where mhv has just planted it).
 *   - KVM_SET_GUEST_DEBUG is on (ENABLE | USE_SW_BP) exactly while int3
 *     breakpoints exist, and SINGLESTEP only during mhv_debug_step.
 *   - Like the rest of libmhv: one thread drives one VM; nothing prints or
 *     exits; errors return -1 with one line in err naming the address or
 *     the ioctl.
 *
 * Limits: MHV_DEBUG_MAX_BREAKPOINTS breakpoints per VM; a breakpoint must
 * be on the first byte of an instruction (a patch inside one corrupts it,
 * as with any debugger); with the int3 route, a guest's own int3 stops the
 * guest (MHV_DEBUG_GUEST_TRAP) instead of reaching its handler while
 * breakpoints exist.
 */
#ifndef MHV_DEBUG_H
#define MHV_DEBUG_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "machine.h"
#include "probe.h"

#define MHV_DEBUG_MAX_BREAKPOINTS 64

enum mhv_address_space {
    MHV_PHYSICAL,  /* guest physical address */
    MHV_VIRTUAL,   /* linear address, translated by the vCPU's page tables */
};

struct mhv_breakpoint {
    uint64_t physical;                /* where the patch is */
    uint64_t address;                 /* as it was given ... */
    enum mhv_address_space space;     /* ... and in which space */
    uint8_t original;                 /* the guest's byte under the patch */
};

/* A VM's debugger state: made at the first debug call, installed as the
 * state of the VM's run hooks (machine.h), freed by mhv_vm_destroy.  Plain
 * data, owned by the VM's thread. */
struct mhv_debug {
    enum mhv_breakpoint_route route;
    uint8_t patch;                    /* 0xCC or 0xF4, by route */
    size_t count;
    struct mhv_breakpoint breakpoints[MHV_DEBUG_MAX_BREAKPOINTS];
    long lifted;                      /* index whose original is in RAM for a step; -1: none */
    uint32_t guest_debug;             /* the KVM_SET_GUEST_DEBUG control now in force */
};

/* ==== Breakpoint route ======================================================= */

/* The probe (mhv_debug_probe) and the route names are in probe.h. */

/* The route this VM's breakpoints use (probing at the first call). */
int mhv_debug_route(struct mhv_vm *vm, enum mhv_breakpoint_route *route, char *err, size_t err_size);

/* Chooses the route, while the VM has no breakpoints.  MHV_BREAKPOINT_HLT
 * works on every KVM (mhv never uses an in-kernel irqchip);
 * MHV_BREAKPOINT_INT3 is refused where the probe saw int3 not trap. */
int mhv_debug_set_route(struct mhv_vm *vm, enum mhv_breakpoint_route route, char *err, size_t err_size);

/* ==== Running ================================================================ */

/* Executes exactly one guest instruction (see above).  Returns 0 with
 * *stop filled in: MHV_STOP_DEBUG with debug_event MHV_DEBUG_STEP when the
 * step completed, any other reason when the guest stopped during it; -1
 * when KVM failed. */
int mhv_debug_step(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size);

/* Runs until a breakpoint is reached (MHV_STOP_DEBUG, MHV_DEBUG_BREAKPOINT,
 * stop->breakpoint its physical address, RIP on it) or the guest stops
 * otherwise.  If RIP is on a breakpoint, its instruction runs first. */
int mhv_debug_continue(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size);

/* ==== Breakpoints ============================================================ */

/* Plants a breakpoint at address (virtual: translated now); *physical (may
 * be NULL) gets where it went.  An address outside RAM, an unmapped
 * virtual address, a second breakpoint on one byte, or a full table: -1. */
int mhv_debug_add_breakpoint(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address,
                             uint64_t *physical, char *err, size_t err_size);

/* Removes the breakpoint set at that address (matched as given, else by
 * its physical address) and puts the guest's byte back. */
int mhv_debug_remove_breakpoint(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address,
                                char *err, size_t err_size);

/* The breakpoints, in the order they were set: returns the count and
 * points *list at them (valid until the next add or remove). */
size_t mhv_debug_breakpoints(const struct mhv_vm *vm, const struct mhv_breakpoint **list);

/* ==== Registers ============================================================== */

int mhv_debug_get_regs(struct mhv_vm *vm, struct kvm_regs *regs, char *err, size_t err_size);
int mhv_debug_set_regs(struct mhv_vm *vm, const struct kvm_regs *regs, char *err, size_t err_size);

/* Segments, descriptor tables, CR0/2/3/4/8, EFER. */
int mhv_debug_get_sregs(struct mhv_vm *vm, struct kvm_sregs *sregs, char *err, size_t err_size);
int mhv_debug_set_sregs(struct mhv_vm *vm, const struct kvm_sregs *sregs, char *err, size_t err_size);

/* The mode the vCPU is in now (mhv_cpu_current_mode). */
int mhv_debug_mode(struct mhv_vm *vm, enum mhv_mode *mode, char *err, size_t err_size);

/* The linear address of the next instruction: RIP in 64-bit mode, CS base
 * + RIP (32 bits) otherwise. */
int mhv_debug_pc(struct mhv_vm *vm, uint64_t *linear, char *err, size_t err_size);

/* ==== Memory ================================================================= */

/* The physical address a virtual (linear) one maps to now (KVM_TRANSLATE);
 * an unmapped address is an error naming it. */
int mhv_debug_translate(struct mhv_vm *vm, uint64_t virtual_address, uint64_t *physical,
                        char *err, size_t err_size);

/* Reads or writes size bytes of guest memory at address.  Virtual ranges
 * are translated page by page, so they may cross pages that map anywhere.
 * Everything is checked before anything is copied: a byte outside RAM or
 * unmapped is an error naming its address, and then nothing was written. */
int mhv_debug_read(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address,
                   void *buffer, size_t size, char *err, size_t err_size);
int mhv_debug_write(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address,
                    const void *buffer, size_t size, char *err, size_t err_size);

#endif
