/*
 * probe.c -- the breakpoint-route probe (see probe.h): a throwaway VM, one
 * int3, and what KVM made of it.
 */
#include "probe.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu.h"
#include "machine.h"

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static int probe_done;                       /* guarded by probe_lock */
static enum mhv_breakpoint_route probed_route;
static char probe_evidence[400];

static void discard_output(void *context, uint8_t byte)
{
}

/* The probe guest, real mode, CS = 0x0100:
 *
 *   0x1000  CC     int3         trapped by KVM: KVM_EXIT_DEBUG (#BP) here
 *   0x1001  F4     hlt          else vector 3 of the IVT leads here, and
 *                               with interrupts off the guest halts for good
 *   IVT[3] (physical 0x0C) = 0100:0001
 *
 * The stack (SS:SP = 0100:0000, pushes wrap to 0x10FFE) must be RAM too,
 * hence 128 KiB.
 */
static int run_probe(char *err, size_t err_size)
{
    struct mhv_vm vm;
    struct mhv_vm_config config = { .ram_size = 128 * 1024, .output = discard_output, .input_fd = -1 };
    if (mhv_vm_create(&vm, &config, err, err_size) < 0) {
        mhv_vm_destroy(&vm);
        return -1;
    }
    static const uint8_t ivt_entry_3[4] = { 0x01, 0x00, 0x00, 0x01 };  /* offset 0x0001, segment 0x0100 */
    memcpy(vm.ram + 3 * 4, ivt_entry_3, sizeof ivt_entry_3);
    vm.ram[0x1000] = MHV_OPCODE_INT3;
    vm.ram[0x1001] = MHV_OPCODE_HLT;
    if (mhv_cpu_enter_real(&vm, 0x1000, 0x1000, err, err_size) < 0) {
        mhv_vm_destroy(&vm);
        return -1;
    }

    struct kvm_guest_debug debug = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP };
    struct mhv_stop stop;
    probed_route = MHV_BREAKPOINT_HLT;
    if (ioctl(vm.vcpu_fd, KVM_SET_GUEST_DEBUG, &debug) < 0) {
        snprintf(probe_evidence, sizeof probe_evidence,
                 "KVM_SET_GUEST_DEBUG(USE_SW_BP) failed (%s): breakpoints are planted hlt", strerror(errno));
    } else {
        mhv_vm_set_timeout(&vm, 5);
        if (mhv_vm_run(&vm, &stop, err, err_size) < 0) {
            mhv_vm_destroy(&vm);
            return -1;
        }
        if (stop.reason == MHV_STOP_DEBUG && vm.run->debug.arch.exception == MHV_VECTOR_BP) {
            probed_route = MHV_BREAKPOINT_INT3;
            snprintf(probe_evidence, sizeof probe_evidence,
                     "int3 traps: KVM_EXIT_DEBUG with #BP at linear 0x%llx: breakpoints are int3",
                     (unsigned long long)vm.run->debug.arch.pc);
        } else {
            struct kvm_regs regs = { 0 };
            struct kvm_sregs sregs = { 0 };
            ioctl(vm.vcpu_fd, KVM_GET_REGS, &regs);
            ioctl(vm.vcpu_fd, KVM_GET_SREGS, &sregs);
            if (stop.reason == MHV_STOP_HALTED && sregs.cs.selector == 0x0100 && regs.rip == 0x0002)
                snprintf(probe_evidence, sizeof probe_evidence,
                         "int3 does not trap: with KVM_GUESTDBG_USE_SW_BP the guest still took it through its "
                         "own interrupt table and halted in its vector 3 handler (KVM_EXIT_HLT after "
                         "0100:0001): breakpoints are planted hlt");
            else
                snprintf(probe_evidence, sizeof probe_evidence,
                         "int3 does not trap: with KVM_GUESTDBG_USE_SW_BP the guest went on and stopped at "
                         "KVM_EXIT_%s%s%s, CS:IP %04x:%04llx: breakpoints are planted hlt",
                         mhv_exit_reason_name(stop.exit_reason), stop.description[0] ? ": " : "",
                         stop.description, sregs.cs.selector, (unsigned long long)regs.rip);
        }
    }
    mhv_vm_destroy(&vm);
    return 0;
}

int mhv_debug_probe(enum mhv_breakpoint_route *route, char *evidence, size_t evidence_size,
                    char *err, size_t err_size)
{
    pthread_mutex_lock(&probe_lock);
    int status = 0;
    if (!probe_done) {
        char probe_err[200];
        if (run_probe(probe_err, sizeof probe_err) < 0) {
            snprintf(err, err_size, "probing how breakpoints can trap: %s", probe_err);
            status = -1;
        } else {
            probe_done = 1;
        }
    }
    if (status == 0) {
        *route = probed_route;
        if (evidence)
            snprintf(evidence, evidence_size, "%s", probe_evidence);
    }
    pthread_mutex_unlock(&probe_lock);
    return status;
}

const char *mhv_breakpoint_route_name(enum mhv_breakpoint_route route)
{
    return route == MHV_BREAKPOINT_INT3 ? "int3" : "hlt";
}
