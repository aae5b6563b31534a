/*
 * kvm.h -- the connection to /dev/kvm: open it, check the API version and
 * the capabilities libmhv relies on.
 *
 * Invariants:
 *   - After mhv_kvm_open() succeeds, kvm->fd is an open /dev/kvm whose API
 *     version is 12 (the only stable one) and which has every capability in
 *     mhv_kvm_required_caps; kvm->vcpu_mmap_size is the size of a vCPU's
 *     struct kvm_run mapping (at least sizeof(struct kvm_run)).
 *   - After it fails, nothing is left open, and err holds one line that says
 *     what went wrong and what to do about it.
 *   - Nothing here prints or exits.
 */
#ifndef MHV_KVM_H
#define MHV_KVM_H

#include <stddef.h>

#define MHV_KVM_DEVICE "/dev/kvm"
#define MHV_KVM_EXPECTED_API_VERSION 12

struct mhv_kvm {
    int fd;                /* /dev/kvm, or -1 when closed */
    size_t vcpu_mmap_size; /* KVM_GET_VCPU_MMAP_SIZE */
};

/* Returns 0 on success, -1 with a message in err on failure. */
int mhv_kvm_open(struct mhv_kvm *kvm, char *err, size_t err_size);

/* Closes the device; safe on a closed or failed mhv_kvm. */
void mhv_kvm_close(struct mhv_kvm *kvm);

#endif
