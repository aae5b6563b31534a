/*
 * crash.h -- a guest that KVM could not go on running, explained.
 *
 * KVM_EXIT_INTERNAL_ERROR says only "suberror N".  The commonest, suberror
 * 1 (KVM_INTERNAL_ERROR_EMULATION), means that KVM ran an instruction in its
 * own x86 emulator -- an access to MMIO on every platform; all of ring 0 and
 * real mode on kvm_pvm; real mode on VMX without unrestricted guest -- and
 * the emulator does not implement it.  What a reader needs is which
 * instruction, and why KVM was emulating it here: so the stop gets the
 * instruction's address and bytes, and a likely cause that names the
 * platform (kvm.h: mhv_kvm_platform).
 *
 * Invariants:
 *   - stop->description is one line that fits it, says what happened and
 *     names the suberror; stop->cause is "" or one line.
 *   - Only guest RAM is read (the bytes at RIP, through KVM_TRANSLATE when
 *     paging is on); nothing here prints.
 */
#ifndef MHV_CRASH_H
#define MHV_CRASH_H

#include "kvm.h"
#include "machine.h"

/* KVM_EXIT_INTERNAL_ERROR, vm->run as KVM left it: fills in stop
 * (reason MHV_STOP_CRASHED, description, code bytes, cause) for the
 * platform given (NULL: the one this machine has). */
void mhv_crash_internal_error(struct mhv_vm *vm, const struct mhv_kvm_platform *platform,
                              struct mhv_stop *stop);

#endif
