/*
 * probe.h -- which way a breakpoint can trap on this KVM: the probe that
 * chooses between the two breakpoint routes of debug.h, once per process.
 *
 * A throwaway real-mode VM runs `int3` with KVM_GUESTDBG_USE_SW_BP.  A
 * KVM_EXIT_DEBUG (#BP) means the int3 route works (real KVM); anything
 * else -- the nested-KVM sandbox, whose emulated SVM hands int3 to the
 * guest's own interrupt table -- picks the hlt route, which works on every
 * KVM mhv runs on (it never uses an in-kernel irqchip, so every hlt exits).
 *
 * The probe sits above the run loop: it drives its VM with mhv_vm_run
 * like any other user of the machine, and the run loop knows nothing of it.
 *
 * Invariants:
 *   - The probe runs at most once per process (until it succeeds: a
 *     failure, such as no /dev/kvm, is reported and tried again at the
 *     next call); its answer and its evidence never change afterwards.
 *   - Thread-safe: callers on several threads wait for one probe.
 *   - Nothing here prints or exits; errors return -1 with one line in err.
 */
#ifndef MHV_PROBE_H
#define MHV_PROBE_H

#include <stddef.h>

/* The bytes of the two routes, and the vector int3 raises. */
#define MHV_OPCODE_INT3 0xCC
#define MHV_OPCODE_HLT 0xF4
#define MHV_VECTOR_BP 3

enum mhv_breakpoint_route {
    MHV_BREAKPOINT_INT3,  /* 0xCC + KVM_GUESTDBG_USE_SW_BP -> KVM_EXIT_DEBUG */
    MHV_BREAKPOINT_HLT,   /* 0xF4 -> KVM_EXIT_HLT, recognised by its RIP */
};

/* Does int3 with KVM_GUESTDBG_USE_SW_BP exit to mhv here?  *route is the
 * route new VMs get; evidence (may be NULL) gets one line saying what the
 * probe saw. */
int mhv_debug_probe(enum mhv_breakpoint_route *route, char *evidence, size_t evidence_size,
                    char *err, size_t err_size);

/* "int3" or "hlt". */
const char *mhv_breakpoint_route_name(enum mhv_breakpoint_route route);

#endif
