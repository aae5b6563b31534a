/*
 * mhv_assert.h -- MHV_ASSERT(cond): an invariant of libmhv that a header
 * states, checked in `make asan` and `make debug`, compiled out of the
 * release build (common/vmlab_assert.h).  A failure prints "mhv: FILE:LINE:
 * FUNCTION: assertion 'COND' failed" and aborts: it is a bug in mhv.
 *
 * Here in devices/, the lowest host layer, so that every layer of libmhv
 * (devices, vmm, debug) can use it; never in abi/: the guest has no use
 * for it.
 *
 * What it may check: what mhv's own code guarantees -- a bus's ranges, a
 * device's registers, the run loop's state, the debugger's table, that an
 * access to guest RAM lies inside it after the checks that ensure it.
 * Never what a guest, an image or a caller's input can bring about: those
 * get an error, a crashed guest or the device's documented behaviour.
 */
#ifndef MHV_ASSERT_H
#define MHV_ASSERT_H

#include "vmlab_assert.h"

#define MHV_ASSERT(cond) VMLAB_ASSERT("mhv", cond)

#endif
