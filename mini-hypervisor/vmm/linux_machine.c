/*
 * linux_machine.c -- a Linux guest's machine from its files (linux_machine.h):
 * the steps `mhv run --kernel` and `vdb --hv --kernel` share.
 */
#include "linux_machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acpi.h"
#include "dev_virtio_blk.h"
#include "image.h"
#include "kvm.h"
#include "vmlab_error.h"
#include "vmlab_paths.h"

#define CMDLINE_MAX 4096

int mhv_linux_parse_disk_spec(const char *spec, char *path, size_t path_size, int *read_only,
                              char *err, size_t err_size)
{
    const char *comma = strrchr(spec, ',');
    size_t length = strlen(spec);
    *read_only = 0;
    if (comma) {
        if (strcmp(comma + 1, "ro") != 0)
            return vmlab_fail(err, err_size, "--disk %s: expected --disk FILE[,ro], and '%s' is not ro", spec,
                              comma + 1);
        *read_only = 1;
        length = (size_t)(comma - spec);
        if (length >= 3 && strncmp(comma - 3, ",ro", 3) == 0)
            return vmlab_fail(err, err_size, "--disk %s: ro is given twice; expected --disk FILE[,ro]", spec);
    }
    if (length == 0 || length >= path_size)
        return vmlab_fail(err, err_size, "--disk %s: expected --disk FILE[,ro]", spec);
    memcpy(path, spec, length);
    path[length] = '\0';
    return 0;
}

/* Are two open descriptors the same file? */
static int same_file(int a, int b)
{
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Opens every --disk (step 3); -1 with err set and none left open. */
static int open_disks(const struct mhv_linux_files *files, struct mhv_virtio_blk_disk *disks,
                      char *err, size_t err_size)
{
    size_t open_count = 0;
    char why[512];
    for (; open_count < files->disk_count; open_count++) {
        char path[VMLAB_PATH_MAX];
        int read_only = 0;
        const char *spec = files->disk_specs[open_count];
        int bad = mhv_linux_parse_disk_spec(spec, path, sizeof path, &read_only, err, err_size) < 0;
        if (!bad && mhv_virtio_blk_disk_open(&disks[open_count], path, read_only, why, sizeof why) < 0) {
            snprintf(err, err_size, "--disk %s: %s", spec, why);
            bad = 1;
        }
        if (bad)
            goto close;
    }
    for (size_t i = 0; i < open_count; i++)
        for (size_t j = 0; j < i; j++)
            if (same_file(disks[i].fd, disks[j].fd)) {
                snprintf(err, err_size, "--disk %s: the same file as --disk %s: two disks on one image would "
                         "corrupt its file system", files->disk_specs[i], files->disk_specs[j]);
                goto close;
            }
    return 0;
close:
    while (open_count > 0)
        mhv_virtio_blk_disk_close(&disks[--open_count]);
    return -1;
}

int mhv_linux_machine_create(struct mhv_vm *vm, const struct mhv_vm_config *config,
                             const struct mhv_linux_files *files, struct mhv_linux_plan *plan_out,
                             char *err, size_t err_size)
{
    char why[512];
    size_t kernel_size = 0, initrd_size = 0;
    uint8_t *initrd = NULL;
    uint8_t *kernel = mhv_read_guest_file(files->kernel_path, "kernel", files->ram_size, &kernel_size,
                                          err, err_size);
    if (kernel && files->initrd_path)
        initrd = mhv_read_guest_file(files->initrd_path, "initrd", files->ram_size, &initrd_size, err, err_size);
    if (!kernel || (files->initrd_path && !initrd)) {
        free(kernel);
        return -1;
    }

    int status = -1;
    static char cmdline[CMDLINE_MAX];
    struct mhv_linux_plan plan;
    struct mhv_virtio_blk_disk disks[MHV_VIRTIO_MAX];
    if (mhv_linux_cmdline(files->append, NULL, 0, cmdline, sizeof cmdline) < 0) {
        snprintf(err, err_size, "--append: the kernel command line, with what mhv adds, is longer than %d bytes",
                 CMDLINE_MAX - 1);
        goto out;
    }
    if (mhv_linux_plan(kernel, kernel_size, initrd_size, cmdline, files->ram_size, &plan, why, sizeof why) < 0) {
        snprintf(err, err_size, "%s: %s", files->kernel_path, why);
        goto out;
    }
    if (open_disks(files, disks, err, err_size) < 0)
        goto out;

    struct mhv_kvm_platform platform;
    mhv_kvm_platform(NULL, &platform);
    if (platform.backend == MHV_KVM_PVM) {
        snprintf(err, err_size, "this /dev/kvm is kvm_pvm (no VMX/SVM), which runs a guest's kernel mode in its "
                 "instruction emulator: Linux does not get through its boot there.  Boot it on the "
                 "nested-KVM sandbox: %s (docs/no-kvm.md)", files->on_kvm_hint);
        for (size_t i = 0; i < files->disk_count; i++)
            mhv_virtio_blk_disk_close(&disks[i]);
        goto out;
    }

    struct mhv_acpi_device devices[MHV_VIRTIO_MAX];
    int failed = mhv_vm_create(vm, config, err, err_size) < 0;
    for (size_t i = 0; i < files->disk_count; i++) {
        devices[i].size = MHV_VIRTIO_MMIO_SIZE;
        if (failed || mhv_vm_add_disk(vm, disks[i], &devices[i].base, &devices[i].irq, err, err_size) < 0) {
            mhv_virtio_blk_disk_close(&disks[i]);  /* the VM owns only those it took */
            failed = 1;
        }
    }
    if (failed || mhv_linux_load(vm, kernel, kernel_size, initrd, &plan, cmdline, devices, files->disk_count,
                                 err, err_size) < 0) {
        mhv_vm_destroy(vm);  /* safe at any point after create returned */
        goto out;
    }
    if (plan_out)
        *plan_out = plan;
    status = 0;
out:
    free(kernel);
    free(initrd);
    return status;
}
