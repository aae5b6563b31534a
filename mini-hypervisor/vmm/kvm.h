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

/* Which KVM module serves /dev/kvm.  It decides what a guest can do: with
 * VMX or SVM the CPU runs the guest's instructions; kvm_pvm has neither and
 * runs only the guest's user mode (CPL 3) on the CPU, everything in ring 0
 * and real mode in KVM's instruction emulator, which lacks many
 * instructions (docs/no-kvm.md, "Which KVM").  VMX without unrestricted
 * guest emulates real mode the same way. */
enum mhv_kvm_backend {
    MHV_KVM_BACKEND_UNKNOWN, /* none of the modules below is loaded (or sysfs is not there) */
    MHV_KVM_VMX,             /* kvm_intel: Intel VT-x */
    MHV_KVM_SVM,             /* kvm_amd: AMD-V (the nested-KVM sandbox's) */
    MHV_KVM_PVM,             /* kvm_pvm: no VMX/SVM; ring 0 and real mode are emulated */
};

struct mhv_kvm_platform {
    enum mhv_kvm_backend backend;
    int unrestricted_guest;  /* MHV_KVM_VMX: 1 or 0 (kvm_intel's parameter); else -1 */
};

/* The platform, from the kernel modules in module_dir (NULL: /sys/module,
 * where a module shows as a folder whether built in or loaded): kvm_pvm,
 * kvm_intel or kvm_amd, looked for in that order; for kvm_intel also its
 * parameter unrestricted_guest.  Never fails: without sysfs, or with none
 * of them there, it says MHV_KVM_BACKEND_UNKNOWN. */
void mhv_kvm_platform(const char *module_dir, struct mhv_kvm_platform *platform);

/* "kvm_intel (VMX)", "kvm_amd (SVM)", "kvm_pvm (no VMX/SVM)", "unknown". */
const char *mhv_kvm_backend_name(enum mhv_kvm_backend backend);

/* Returns 0 on success, -1 with a message in err on failure. */
int mhv_kvm_open(struct mhv_kvm *kvm, char *err, size_t err_size);

/* Closes the device; safe on a closed or failed mhv_kvm. */
void mhv_kvm_close(struct mhv_kvm *kvm);

#endif
