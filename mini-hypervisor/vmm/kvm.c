/*
 * kvm.c -- opening /dev/kvm and checking what it offers.
 *
 * The checks happen once, up front, so that a machine without KVM (or with
 * an old one) fails with a message that says why, instead of failing later
 * in some ioctl whose errno means little to a student.  The most common
 * case on the machines vmlab is developed on is "no /dev/kvm at all": the
 * message then points at the nested-KVM sandbox (tests/sandbox/).
 */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The capabilities libmhv uses, with the name the error message shows. */
static const struct {
    int cap;
    const char *name;
} mhv_kvm_required_caps[] = {
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },         /* guest RAM from our mapping */
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },             /* KVM_GET_SUPPORTED_CPUID */
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },   /* the run loop's race-free kick */
};

int mhv_kvm_open(struct mhv_kvm *kvm, char *err, size_t err_size)
{
    kvm->fd = -1;
    kvm->vcpu_mmap_size = 0;

    int fd = open(MHV_KVM_DEVICE, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int open_errno = errno;
        if (open_errno == ENOENT || open_errno == ENXIO || open_errno == ENODEV) {
            snprintf(err, err_size,
                     "no %s: this machine cannot run KVM guests directly; run the same command inside "
                     "the nested-KVM sandbox: scripts/mhv-sandbox run [flags] IMAGE",
                     MHV_KVM_DEVICE);
        } else if (open_errno == EACCES || open_errno == EPERM) {
            snprintf(err, err_size,
                     "%s: permission denied: add yourself to the group that owns it "
                     "(usually 'kvm') or run as root",
                     MHV_KVM_DEVICE);
        } else {
            snprintf(err, err_size, "%s: %s", MHV_KVM_DEVICE, strerror(open_errno));
        }
        return -1;
    }

    int api_version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (api_version != MHV_KVM_EXPECTED_API_VERSION) {
        snprintf(err, err_size, "%s: KVM API version %d, but mhv needs version %d",
                 MHV_KVM_DEVICE, api_version, MHV_KVM_EXPECTED_API_VERSION);
        close(fd);
        return -1;
    }

    for (size_t i = 0; i < sizeof mhv_kvm_required_caps / sizeof mhv_kvm_required_caps[0]; i++) {
        if (ioctl(fd, KVM_CHECK_EXTENSION, mhv_kvm_required_caps[i].cap) <= 0) {
            snprintf(err, err_size, "%s: this KVM lacks %s, which mhv needs",
                     MHV_KVM_DEVICE, mhv_kvm_required_caps[i].name);
            close(fd);
            return -1;
        }
    }

    int mmap_size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size < (int)sizeof(struct kvm_run)) {
        snprintf(err, err_size, "%s: KVM_GET_VCPU_MMAP_SIZE failed: %s", MHV_KVM_DEVICE,
                 mmap_size < 0 ? strerror(errno) : "size too small");
        close(fd);
        return -1;
    }

    kvm->fd = fd;
    kvm->vcpu_mmap_size = (size_t)mmap_size;
    return 0;
}

/* ==== Which KVM ============================================================= */

static int module_present(const char *module_dir, const char *module)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", module_dir, module);
    return access(path, F_OK) == 0;
}

/* A Y/N module parameter: 1, 0, or -1 when it cannot be read. */
static int module_flag(const char *module_dir, const char *module, const char *parameter)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/parameters/%s", module_dir, module, parameter);
    FILE *file = fopen(path, "re");
    if (!file)
        return -1;
    int c = fgetc(file);
    fclose(file);
    return c == 'Y' || c == 'y' || c == '1' ? 1 : c == 'N' || c == 'n' || c == '0' ? 0 : -1;
}

void mhv_kvm_platform(const char *module_dir, struct mhv_kvm_platform *platform)
{
    if (!module_dir)
        module_dir = "/sys/module";
    *platform = (struct mhv_kvm_platform){ .backend = MHV_KVM_BACKEND_UNKNOWN, .unrestricted_guest = -1 };
    if (module_present(module_dir, "kvm_pvm")) {
        platform->backend = MHV_KVM_PVM;
    } else if (module_present(module_dir, "kvm_intel")) {
        platform->backend = MHV_KVM_VMX;
        platform->unrestricted_guest = module_flag(module_dir, "kvm_intel", "unrestricted_guest");
    } else if (module_present(module_dir, "kvm_amd")) {
        platform->backend = MHV_KVM_SVM;
    }
}

const char *mhv_kvm_backend_name(enum mhv_kvm_backend backend)
{
    switch (backend) {
    case MHV_KVM_VMX: return "kvm_intel (VMX)";
    case MHV_KVM_SVM: return "kvm_amd (SVM)";
    case MHV_KVM_PVM: return "kvm_pvm (no VMX/SVM)";
    case MHV_KVM_BACKEND_UNKNOWN: break;
    }
    return "unknown";
}

void mhv_kvm_close(struct mhv_kvm *kvm)
{
    if (kvm->fd >= 0)
        close(kvm->fd);
    kvm->fd = -1;
}
