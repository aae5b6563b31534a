/*
 * linux_machine.h -- a Linux guest's machine, from the files a user names:
 * what `mhv run --kernel` and `vdb --hv --kernel` both do between reading
 * their flags and the first KVM_RUN, written once so that the two boot the
 * same machine and refuse the same bad input with the same words.
 *
 * In the order a user meets the checks (every one before /dev/kvm is
 * opened, so the messages read the same on every machine):
 *
 *   1. the kernel and the initrd are read (image.h: mhv_read_guest_file);
 *   2. the command line is made (linux_boot.h: mhv_linux_cmdline) and the
 *      boot planned (mhv_linux_plan): what the kernel file is, its boot
 *      protocol, the RAM, the initrd's room;
 *   3. each --disk FILE[,ro] is opened (dev_virtio_blk.h), and no two name
 *      one file (two disks on one image would corrupt its file system);
 *   4. a /dev/kvm of kvm_pvm is refused (Linux does not boot there);
 *   5. the VM is created with the caller's console, the disks attached,
 *      the kernel, the initrd, the ACPI tables and the zero page loaded.
 *
 * Invariants: on success *vm is a VM ready to run (machine.h's lifecycle
 * from mhv_vm_run on) and owns the disks; on failure nothing is left to
 * free or destroy (the VM, if made, is destroyed here) and err holds one
 * line, without a program's name ("--disk x: ...", "K: not a Linux
 * kernel ...").  Nothing here prints or exits.
 */
#ifndef MHV_LINUX_MACHINE_H
#define MHV_LINUX_MACHINE_H

#include <stddef.h>

#include "linux_boot.h"
#include "machine.h"

struct mhv_linux_files {
    const char *kernel_path;                  /* a bzImage or an ELF vmlinux */
    const char *initrd_path;                  /* NULL: none */
    const char *append;                       /* the user's kernel command line; NULL: none */
    const char *disk_specs[MHV_VIRTIO_MAX];   /* FILE or FILE,ro: /dev/vda, vdb, ... in order */
    size_t disk_count;
    size_t ram_size;                          /* bytes */
    /* How to reach a KVM that boots Linux, for the kvm_pvm refusal
     * ("scripts/on-kvm bin/mhv run --kernel ..."). */
    const char *on_kvm_hint;
};

/* Builds the machine (above).  *plan (may be NULL) gets the boot's plan:
 * the kernel's format, where it went.  Returns 0, or -1 with err set. */
int mhv_linux_machine_create(struct mhv_vm *vm, const struct mhv_vm_config *config,
                             const struct mhv_linux_files *files, struct mhv_linux_plan *plan,
                             char *err, size_t err_size);

/* --disk FILE[,ro]: the file's name into path and whether it is read-only;
 * -1 with err set for an option other than ro, or no FILE. */
int mhv_linux_parse_disk_spec(const char *spec, char *path, size_t path_size, int *read_only,
                              char *err, size_t err_size);

#endif
