/*
 * debug.c -- single steps, breakpoints, registers and guest memory for a
 * debugger (see debug.h for the contract and its invariants).
 *
 * The moving parts, in the order a debugger meets them:
 *
 *   probe        once per process (probe.c): does int3 trap here?  It
 *                picks the route.
 *   state        made at the first call that needs it: the route, the
 *                patch byte, the breakpoint table.  It is the state of the
 *                run hooks this file installs in the VM (machine.h), and
 *                mhv_vm_destroy hands it back to be freed.
 *   step         lift a breakpoint under the PC (its original byte back),
 *                KVM_GUESTDBG_SINGLESTEP, mhv_vm_run_step (the run loop
 *                holds interrupts for it), plant it again.
 *   continue     step first if the PC is on a breakpoint, then mhv_vm_run.
 *   run hooks    planted_hlt (KVM_EXIT_HLT) and explain_debug_exit
 *                (KVM_EXIT_DEBUG) say what a stop was: the run loop calls
 *                them and knows nothing else of this file.
 *   memory       physical accesses checked against RAM; virtual ones
 *                translated page by page with KVM_TRANSLATE; patches
 *                hidden from reads and kept under writes.
 */
#include "debug.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu.h"
#include "mhv_assert.h"

#define OPCODE_STI 0xFB
#define VECTOR_DB 1          /* #DB: what a single step raises */
#define EFER_LMA (1ull << 10)
#define GUEST_PAGE_SIZE 4096u

/* ==== Per-VM state =========================================================== */

static uint8_t patch_for(enum mhv_breakpoint_route route)
{
    return route == MHV_BREAKPOINT_INT3 ? MHV_OPCODE_INT3 : MHV_OPCODE_HLT;
}

/* The run loop's hooks (machine.h), defined at the end of this file. */
static int planted_hlt(struct mhv_vm *vm, void *state, struct mhv_stop *stop);
static void explain_debug_exit(struct mhv_vm *vm, void *state, struct mhv_stop *stop);

static const struct mhv_run_hooks debug_hooks = {
    .hlt = planted_hlt, .debug_exit = explain_debug_exit, .release = free,
};

/* The VM's debugger state, or NULL before the first debug call. */
static struct mhv_debug *debug_of(const struct mhv_vm *vm)
{
    return vm->hooks == &debug_hooks ? vm->hook_state : NULL;
}

/* The VM's debugger state, made (and the route probed) at the first call. */
static struct mhv_debug *debug_state(struct mhv_vm *vm, char *err, size_t err_size)
{
    struct mhv_debug *existing = debug_of(vm);
    if (existing)
        return existing;
    enum mhv_breakpoint_route route;
    if (mhv_debug_probe(&route, NULL, 0, err, err_size) < 0)
        return NULL;
    struct mhv_debug *debug = calloc(1, sizeof *debug);
    if (!debug) {
        snprintf(err, err_size, "out of memory for the debugger's state");
        return NULL;
    }
    debug->route = route;
    debug->patch = patch_for(route);
    debug->lifted = -1;
    mhv_vm_set_run_hooks(vm, &debug_hooks, debug);
    return debug;
}

int mhv_debug_route(struct mhv_vm *vm, enum mhv_breakpoint_route *route, char *err, size_t err_size)
{
    struct mhv_debug *debug = debug_state(vm, err, err_size);
    if (!debug)
        return -1;
    *route = debug->route;
    return 0;
}

int mhv_debug_set_route(struct mhv_vm *vm, enum mhv_breakpoint_route route, char *err, size_t err_size)
{
    struct mhv_debug *debug = debug_state(vm, err, err_size);
    if (!debug)
        return -1;
    if (debug->count > 0) {
        snprintf(err, err_size, "cannot change the breakpoint route while %zu breakpoint%s planted",
                 debug->count, debug->count == 1 ? " is" : "s are");
        return -1;
    }
    if (route == MHV_BREAKPOINT_INT3) {
        enum mhv_breakpoint_route probed;
        char evidence[400];
        if (mhv_debug_probe(&probed, evidence, sizeof evidence, err, err_size) < 0)
            return -1;
        if (probed != MHV_BREAKPOINT_INT3) {
            snprintf(err, err_size, "int3 breakpoints do not work on this KVM: %s", evidence);
            return -1;
        }
    }
    debug->route = route;
    debug->patch = patch_for(route);
    return 0;
}

/* KVM_SET_GUEST_DEBUG, skipped when nothing changes (and no step starts:
 * a step must set it anew, KVM takes the RIP to step from at this call). */
static int set_guest_debug(struct mhv_vm *vm, uint32_t control, char *err, size_t err_size)
{
    struct mhv_debug *debug = debug_of(vm);
    if (control == debug->guest_debug && !(control & KVM_GUESTDBG_SINGLESTEP))
        return 0;
    struct kvm_guest_debug guest_debug = { .control = control };
    if (ioctl(vm->vcpu_fd, KVM_SET_GUEST_DEBUG, &guest_debug) < 0) {
        snprintf(err, err_size, "KVM_SET_GUEST_DEBUG (control 0x%x): %s", control, strerror(errno));
        return -1;
    }
    debug->guest_debug = control;
    return 0;
}

/* What KVM should trap between steps: int3, exactly while int3 breakpoints exist. */
static uint32_t resting_control(const struct mhv_debug *debug)
{
    if (debug->route == MHV_BREAKPOINT_INT3 && debug->count > 0)
        return KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
    return 0;
}

static long find_physical(const struct mhv_debug *debug, uint64_t physical)
{
    for (size_t i = 0; i < debug->count; i++)
        if (debug->breakpoints[i].physical == physical)
            return (long)i;
    return -1;
}

/* Is breakpoint i's patch in RAM now?  Not while lifted for a step, and
 * not once the guest wrote over it (debug.h). */
static int patch_in_place(const struct mhv_vm *vm, long i)
{
    const struct mhv_debug *debug = debug_of(vm);
    return i != debug->lifted && vm->ram[debug->breakpoints[i].physical] == debug->patch;
}

/* debug.h's invariants of the table that nothing the guest does can break:
 * at most MHV_DEBUG_MAX_BREAKPOINTS, each inside RAM and on a byte of its
 * own, the route's patch, `lifted` an entry or -1.  That a breakpoint's
 * address holds its patch is asserted where mhv has just planted it: the
 * guest itself may write over a patch (debug.h). */
static int table_is_sound(const struct mhv_vm *vm, const struct mhv_debug *debug)
{
    if (debug->count > MHV_DEBUG_MAX_BREAKPOINTS || debug->patch != patch_for(debug->route) ||
        debug->lifted < -1 || debug->lifted >= (long)debug->count)
        return 0;
    for (size_t i = 0; i < debug->count; i++) {
        if (debug->breakpoints[i].physical >= vm->ram_size)
            return 0;
        for (size_t j = 0; j < i; j++)
            if (debug->breakpoints[j].physical == debug->breakpoints[i].physical)
                return 0;
    }
    return 1;
}

/* ==== Registers ============================================================== */

int mhv_debug_get_regs(struct mhv_vm *vm, struct kvm_regs *regs, char *err, size_t err_size)
{
    return mhv_cpu_registers(vm, KVM_GET_REGS, regs, err, err_size);
}

int mhv_debug_set_regs(struct mhv_vm *vm, const struct kvm_regs *regs, char *err, size_t err_size)
{
    return mhv_cpu_registers(vm, KVM_SET_REGS, regs, err, err_size);
}

int mhv_debug_get_sregs(struct mhv_vm *vm, struct kvm_sregs *sregs, char *err, size_t err_size)
{
    return mhv_cpu_registers(vm, KVM_GET_SREGS, sregs, err, err_size);
}

int mhv_debug_set_sregs(struct mhv_vm *vm, const struct kvm_sregs *sregs, char *err, size_t err_size)
{
    return mhv_cpu_registers(vm, KVM_SET_SREGS, sregs, err, err_size);
}

int mhv_debug_mode(struct mhv_vm *vm, enum mhv_mode *mode, char *err, size_t err_size)
{
    return mhv_cpu_current_mode(vm, mode, err, err_size);
}

static int is_64bit_code(const struct kvm_sregs *sregs)
{
    return (sregs->efer & EFER_LMA) && sregs->cs.l;
}

/* The linear address of instruction pointer ip, as the CPU forms it. */
static uint64_t linear_of(const struct kvm_sregs *sregs, uint64_t ip)
{
    if (is_64bit_code(sregs))
        return ip;
    return (uint32_t)(sregs->cs.base + ip);
}

int mhv_debug_pc(struct mhv_vm *vm, uint64_t *linear, char *err, size_t err_size)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    if (mhv_debug_get_regs(vm, &regs, err, err_size) < 0 || mhv_debug_get_sregs(vm, &sregs, err, err_size) < 0)
        return -1;
    *linear = linear_of(&sregs, regs.rip);
    return 0;
}

/* ==== Memory ================================================================= */

int mhv_debug_translate(struct mhv_vm *vm, uint64_t virtual_address, uint64_t *physical,
                        char *err, size_t err_size)
{
    struct kvm_translation translation = { .linear_address = virtual_address };
    if (ioctl(vm->vcpu_fd, KVM_TRANSLATE, &translation) < 0) {
        snprintf(err, err_size, "KVM_TRANSLATE of virtual 0x%llx: %s", (unsigned long long)virtual_address,
                 strerror(errno));
        return -1;
    }
    if (!translation.valid) {
        snprintf(err, err_size, "virtual 0x%llx is not mapped", (unsigned long long)virtual_address);
        return -1;
    }
    *physical = translation.physical_address;
    return 0;
}

/* Is [physical, physical + size) inside RAM?  Else an error naming the
 * first byte outside (and the virtual address it came from, if any). */
static int check_physical(const struct mhv_vm *vm, uint64_t physical, uint64_t size, const uint64_t *virtual_address,
                          char *err, size_t err_size)
{
    uint64_t outside;
    if (physical >= vm->ram_size)
        outside = physical;
    else if (size > vm->ram_size - physical)
        outside = vm->ram_size;
    else
        return 0;
    char from[48] = "";
    if (virtual_address)
        snprintf(from, sizeof from, " (virtual 0x%llx)",
                 (unsigned long long)(*virtual_address + (outside - physical)));
    snprintf(err, err_size, "physical 0x%llx%s is outside guest RAM (0x0..0x%llx)", (unsigned long long)outside,
             from, (unsigned long long)vm->ram_size - 1);
    return -1;
}

/* Guest RAM to buffer, showing the guest's bytes under the patches. */
static void copy_from_ram(const struct mhv_vm *vm, uint64_t physical, uint8_t *buffer, size_t size)
{
    MHV_ASSERT(physical <= vm->ram_size && size <= vm->ram_size - physical);  /* walk_memory checked it */
    memcpy(buffer, vm->ram + physical, size);
    const struct mhv_debug *debug = debug_of(vm);
    for (size_t i = 0; debug && i < debug->count; i++) {
        uint64_t at = debug->breakpoints[i].physical;
        if (at >= physical && at - physical < size && patch_in_place(vm, (long)i))
            buffer[at - physical] = debug->breakpoints[i].original;
    }
}

/* Buffer to guest RAM; a byte written under a patch becomes its original
 * and the patch stays. */
static void copy_to_ram(struct mhv_vm *vm, uint64_t physical, const uint8_t *buffer, size_t size)
{
    MHV_ASSERT(physical <= vm->ram_size && size <= vm->ram_size - physical);  /* walk_memory checked it */
    struct mhv_debug *debug = debug_of(vm);
    int patched[MHV_DEBUG_MAX_BREAKPOINTS] = { 0 };
    for (size_t i = 0; debug && i < debug->count; i++) {
        uint64_t at = debug->breakpoints[i].physical;
        patched[i] = at >= physical && at - physical < size && patch_in_place(vm, (long)i);
    }
    memcpy(vm->ram + physical, buffer, size);
    for (size_t i = 0; debug && i < debug->count; i++) {
        if (patched[i]) {
            debug->breakpoints[i].original = vm->ram[debug->breakpoints[i].physical];
            vm->ram[debug->breakpoints[i].physical] = debug->patch;
        }
    }
    for (size_t i = 0; debug && i < debug->count; i++)
        MHV_ASSERT(!patched[i] || patch_in_place(vm, (long)i));  /* the write kept every patch */
}

/* Walks [address, address + size) in pieces that are contiguous in
 * physical memory (a page at most, for virtual addresses): checks them all
 * when buffer is NULL, else copies each, in the direction write says. */
static int walk_memory(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address, size_t size,
                       uint8_t *buffer, int write, char *err, size_t err_size)
{
    if (size == 0)
        return 0;
    if (address + (uint64_t)size - 1 < address) {
        snprintf(err, err_size, "%zu bytes at %s 0x%llx run past the end of the address space", size,
                 space == MHV_VIRTUAL ? "virtual" : "physical", (unsigned long long)address);
        return -1;
    }
    if (space == MHV_PHYSICAL) {
        if (!buffer)
            return check_physical(vm, address, size, NULL, err, err_size);
        if (write)
            copy_to_ram(vm, address, buffer, size);
        else
            copy_from_ram(vm, address, buffer, size);
        return 0;
    }
    for (size_t done = 0; done < size;) {
        uint64_t virtual_address = address + done;
        size_t piece = GUEST_PAGE_SIZE - (size_t)(virtual_address % GUEST_PAGE_SIZE);
        if (piece > size - done)
            piece = size - done;
        uint64_t physical;
        if (mhv_debug_translate(vm, virtual_address, &physical, err, err_size) < 0)
            return -1;
        if (!buffer) {
            if (check_physical(vm, physical, piece, &virtual_address, err, err_size) < 0)
                return -1;
        } else if (write) {
            copy_to_ram(vm, physical, buffer + done, piece);
        } else {
            copy_from_ram(vm, physical, buffer + done, piece);
        }
        done += piece;
    }
    return 0;
}

int mhv_debug_read(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address,
                   void *buffer, size_t size, char *err, size_t err_size)
{
    if (walk_memory(vm, space, address, size, NULL, 0, err, err_size) < 0)
        return -1;
    return walk_memory(vm, space, address, size, buffer, 0, err, err_size);
}

int mhv_debug_write(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address,
                    const void *buffer, size_t size, char *err, size_t err_size)
{
    if (walk_memory(vm, space, address, size, NULL, 1, err, err_size) < 0)
        return -1;
    return walk_memory(vm, space, address, size, (uint8_t *)buffer, 1, err, err_size);
}

/* ==== Breakpoints ============================================================ */

static int resolve(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address, uint64_t *physical,
                   char *err, size_t err_size)
{
    if (space == MHV_PHYSICAL) {
        *physical = address;
        return 0;
    }
    return mhv_debug_translate(vm, address, physical, err, err_size);
}

int mhv_debug_add_breakpoint(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address,
                             uint64_t *physical, char *err, size_t err_size)
{
    struct mhv_debug *debug = debug_state(vm, err, err_size);
    uint64_t at;
    if (!debug || resolve(vm, space, address, &at, err, err_size) < 0)
        return -1;
    if (check_physical(vm, at, 1, space == MHV_VIRTUAL ? &address : NULL, err, err_size) < 0)
        return -1;
    if (find_physical(debug, at) >= 0) {
        snprintf(err, err_size, "there is already a breakpoint at physical 0x%llx", (unsigned long long)at);
        return -1;
    }
    if (debug->count == MHV_DEBUG_MAX_BREAKPOINTS) {
        snprintf(err, err_size, "no room for a breakpoint at 0x%llx: %d are set, the most a VM can have",
                 (unsigned long long)address, MHV_DEBUG_MAX_BREAKPOINTS);
        return -1;
    }
    debug->breakpoints[debug->count++] = (struct mhv_breakpoint){
        .physical = at, .address = address, .space = space, .original = vm->ram[at],
    };
    vm->ram[at] = debug->patch;
    if (set_guest_debug(vm, resting_control(debug), err, err_size) < 0) {
        vm->ram[at] = debug->breakpoints[--debug->count].original;
        return -1;
    }
    MHV_ASSERT(table_is_sound(vm, debug) && patch_in_place(vm, (long)debug->count - 1));
    if (physical)
        *physical = at;
    return 0;
}

int mhv_debug_remove_breakpoint(struct mhv_vm *vm, enum mhv_address_space space, uint64_t address,
                                char *err, size_t err_size)
{
    struct mhv_debug *debug = debug_state(vm, err, err_size);
    if (!debug)
        return -1;
    long found = -1;
    for (size_t i = 0; i < debug->count && found < 0; i++)
        if (debug->breakpoints[i].space == space && debug->breakpoints[i].address == address)
            found = (long)i;
    uint64_t at;
    if (found < 0 && resolve(vm, space, address, &at, err, err_size) == 0)
        found = find_physical(debug, at);
    if (found < 0) {
        snprintf(err, err_size, "no breakpoint at %s 0x%llx", space == MHV_VIRTUAL ? "virtual" : "physical",
                 (unsigned long long)address);
        return -1;
    }
    struct mhv_breakpoint *breakpoint = &debug->breakpoints[found];
    if (patch_in_place(vm, found))
        vm->ram[breakpoint->physical] = breakpoint->original;
    memmove(breakpoint, breakpoint + 1, (debug->count - (size_t)found - 1) * sizeof *breakpoint);
    debug->count--;
    MHV_ASSERT(table_is_sound(vm, debug));
    return set_guest_debug(vm, resting_control(debug), err, err_size);
}

size_t mhv_debug_breakpoints(const struct mhv_vm *vm, const struct mhv_breakpoint **list)
{
    const struct mhv_debug *debug = debug_of(vm);
    *list = debug ? debug->breakpoints : NULL;
    return debug ? debug->count : 0;
}

/* ==== Steps and continuing =================================================== */

/* The breakpoint whose patch sits under the PC now, or -1. */
static long breakpoint_under_pc(struct mhv_vm *vm)
{
    struct mhv_debug *debug = debug_of(vm);
    uint64_t linear, physical;
    char ignored[160];
    if (debug->count == 0 || mhv_debug_pc(vm, &linear, ignored, sizeof ignored) < 0 ||
        mhv_debug_translate(vm, linear, &physical, ignored, sizeof ignored) < 0)
        return -1;
    long i = find_physical(debug, physical);
    return i >= 0 && patch_in_place(vm, i) ? i : -1;
}

/* sti shields the next instruction from interrupts, and on some CPUs from
 * the single-step trap too (measured: the sandbox's emulated AMD CPU), so a
 * step over sti would run two instructions (mov ss and pop ss do that on
 * every x86; they are left as they are).  A temporary breakpoint on the
 * instruction after sti ends the step there.  *landing gets the physical
 * address of that instruction (UINT64_MAX: the PC is not on sti); returns
 * the temporary breakpoint's index, or -1 when none was planted (not
 * needed, or a breakpoint is there already). */
static long plant_after_sti(struct mhv_vm *vm, uint64_t *landing)
{
    struct mhv_debug *debug = debug_of(vm);
    uint64_t pc, physical;
    uint8_t opcode;
    char ignored[160];
    *landing = UINT64_MAX;
    if (mhv_debug_pc(vm, &pc, ignored, sizeof ignored) < 0 ||
        mhv_debug_read(vm, MHV_VIRTUAL, pc, &opcode, 1, ignored, sizeof ignored) < 0 || opcode != OPCODE_STI ||
        mhv_debug_translate(vm, pc + 1, &physical, ignored, sizeof ignored) < 0 ||
        check_physical(vm, physical, 1, NULL, ignored, sizeof ignored) < 0)
        return -1;
    *landing = physical;
    if (find_physical(debug, physical) >= 0 || debug->count == MHV_DEBUG_MAX_BREAKPOINTS)
        return -1;
    debug->breakpoints[debug->count] = (struct mhv_breakpoint){
        .physical = physical, .address = pc + 1, .space = MHV_VIRTUAL, .original = vm->ram[physical],
    };
    vm->ram[physical] = debug->patch;
    return (long)debug->count++;
}

/* Is the instruction under the PC the guest's own hlt?  (Reads hide the
 * patches, and a lifted breakpoint's byte is the guest's again.) */
static int pc_on_hlt(struct mhv_vm *vm)
{
    uint64_t pc;
    uint8_t opcode;
    char ignored[160];
    return mhv_debug_pc(vm, &pc, ignored, sizeof ignored) == 0 &&
           mhv_debug_read(vm, MHV_VIRTUAL, pc, &opcode, 1, ignored, sizeof ignored) == 0 &&
           opcode == MHV_OPCODE_HLT;
}

static int step_once(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size)
{
    struct mhv_debug *debug = debug_of(vm);
    MHV_ASSERT(table_is_sound(vm, debug) && debug->lifted == -1);
    long lifted = breakpoint_under_pc(vm);
    struct mhv_breakpoint *breakpoint = lifted >= 0 ? &debug->breakpoints[lifted] : NULL;
    if (breakpoint) {
        vm->ram[breakpoint->physical] = breakpoint->original;  /* the guest's instruction, for one step */
        debug->lifted = lifted;
    }
    uint64_t landing;
    long temporary = plant_after_sti(vm, &landing);

    /* A step over the guest's hlt runs without the trap flag: hlt always
     * exits to mhv (no in-kernel irqchip), and the run loop ends the step
     * there -- halted for good, or once an interrupt is due.  With the trap
     * flag, the CPU reports the hlt (VMX, SVM), but KVM's instruction
     * emulator (kvm_pvm's ring 0, real mode on VMX without unrestricted
     * guest) reports the step first and drops the halt: the step would land
     * after a hlt that never halted. */
    uint32_t control = pc_on_hlt(vm) ? resting_control(debug)
                                     : KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | resting_control(debug);
    int status = set_guest_debug(vm, control, err, err_size);
    if (status == 0) {
        status = mhv_vm_run_step(vm, stop, err, err_size);
    }

    if (temporary >= 0) {
        /* Always the last entry: nothing else adds during a step. */
        MHV_ASSERT(temporary == (long)debug->count - 1);
        if (patch_in_place(vm, temporary))
            vm->ram[landing] = debug->breakpoints[temporary].original;
        debug->count--;
    }
    if (status == 0 && stop->reason == MHV_STOP_DEBUG && stop->debug_event == MHV_DEBUG_BREAKPOINT &&
        stop->breakpoint == landing) {
        stop->debug_event = MHV_DEBUG_STEP;  /* stopped right after the sti, as a step should */
        stop->breakpoint = 0;
    }
    if (breakpoint) {
        debug->lifted = -1;
        /* Plant it again -- unless the instruction wrote over its own first
         * byte: then the guest's byte stays and the breakpoint is spent. */
        if (vm->ram[breakpoint->physical] == breakpoint->original)
            vm->ram[breakpoint->physical] = debug->patch;
    }
    MHV_ASSERT(table_is_sound(vm, debug) && debug->lifted == -1);
    char reset_err[160];
    if (set_guest_debug(vm, resting_control(debug), reset_err, sizeof reset_err) < 0 && status == 0) {
        snprintf(err, err_size, "%s", reset_err);
        status = -1;
    }
    return status;
}

int mhv_debug_step(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size)
{
    if (!debug_state(vm, err, err_size))
        return -1;
    return step_once(vm, stop, err, err_size);
}

int mhv_debug_continue(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size)
{
    if (!debug_state(vm, err, err_size))
        return -1;
    if (breakpoint_under_pc(vm) >= 0) {
        /* Off the breakpoint first: its own instruction, with the guest's byte. */
        if (step_once(vm, stop, err, err_size) < 0)
            return -1;
        if (stop->reason != MHV_STOP_DEBUG || stop->debug_event != MHV_DEBUG_STEP)
            return 0;
    }
    if (set_guest_debug(vm, resting_control(debug_of(vm)), err, err_size) < 0)
        return -1;
    return mhv_vm_run(vm, stop, err, err_size);
}

/* ==== The run loop's hooks =================================================== */

/* KVM_EXIT_HLT: was it a planted hlt (the hlt route)?  If so, RIP is
 * rewound onto it, *stop says which breakpoint, and it returns 1. */
static int planted_hlt(struct mhv_vm *vm, void *state, struct mhv_stop *stop)
{
    struct mhv_debug *debug = state;
    if (debug->route != MHV_BREAKPOINT_HLT || debug->count == 0)
        return 0;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    char ignored[160];
    if (mhv_debug_get_regs(vm, &regs, ignored, sizeof ignored) < 0 ||
        mhv_debug_get_sregs(vm, &sregs, ignored, sizeof ignored) < 0)
        return 0;
    /* KVM reports a hlt with RIP after it; hlt is one byte. */
    uint64_t hlt_ip = regs.rip - 1;
    if (!is_64bit_code(&sregs) && !sregs.cs.db)
        hlt_ip &= 0xFFFF;  /* 16-bit code: IP wraps within the segment */
    uint64_t physical;
    if (mhv_debug_translate(vm, linear_of(&sregs, hlt_ip), &physical, ignored, sizeof ignored) < 0)
        return 0;
    long i = find_physical(debug, physical);
    if (i < 0 || !patch_in_place(vm, i))
        return 0;  /* the guest's own hlt */
    regs.rip = hlt_ip;
    if (mhv_debug_set_regs(vm, &regs, ignored, sizeof ignored) < 0)
        return 0;
    stop->reason = MHV_STOP_DEBUG;
    stop->debug_event = MHV_DEBUG_BREAKPOINT;
    stop->breakpoint = physical;
    return 1;
}

/* KVM_EXIT_DEBUG: fills in stop->debug_event (and stop->breakpoint). */
static void explain_debug_exit(struct mhv_vm *vm, void *state, struct mhv_stop *stop)
{
    struct mhv_debug *debug = state;
    const struct kvm_debug_exit_arch *exit = &vm->run->debug.arch;
    stop->debug_event = MHV_DEBUG_GUEST_TRAP;
    if (exit->exception == VECTOR_DB && vm->stepping) {
        stop->debug_event = MHV_DEBUG_STEP;
    } else if (exit->exception == MHV_VECTOR_BP && debug->route == MHV_BREAKPOINT_INT3) {
        uint64_t physical;
        char ignored[160];
        if (mhv_debug_translate(vm, exit->pc, &physical, ignored, sizeof ignored) == 0) {
            long i = find_physical(debug, physical);
            if (i >= 0 && patch_in_place(vm, i)) {
                stop->debug_event = MHV_DEBUG_BREAKPOINT;
                stop->breakpoint = physical;
            }
        }
    }
}
