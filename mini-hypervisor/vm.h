/*
 * vm.h -- one KVM virtual machine: guest RAM, one vCPU, a flat image loaded
 * into RAM, and the run loop that turns KVM exits into device I/O or an end.
 *
 * Invariants:
 *   - Guest RAM is one slot at guest physical address 0, ram_size bytes,
 *     mapped at vm->ram in this process (MAP_SHARED | MAP_ANONYMOUS, zeroed).
 *   - vm->run is the vCPU's struct kvm_run, valid while vcpu_fd is open.
 *   - An image occupies [load_addr, load_addr + size) and lies wholly inside
 *     guest RAM (mhv_vm_image_fits says so before anything is mapped).
 *   - Every fd field is -1 and every pointer NULL when not set up, so
 *     mhv_vm_destroy is safe at any point after mhv_vm_create returned.
 *   - Guest output goes through the console callback; nothing here prints
 *     or exits.  Errors return -1 with one line in err.
 */
#ifndef MHV_VM_H
#define MHV_VM_H

#include <stddef.h>
#include <stdint.h>

#include "kvm.h"

#define MHV_DEFAULT_MEM_MIB 2
#define MHV_DEFAULT_LOAD_ADDR 0x1000u

/* Where guest console bytes (ports 0xE9 and the UART at 0x3F8) go. */
struct mhv_console {
    void (*write_byte)(void *context, uint8_t byte);
    void *context;
};

struct mhv_vm {
    struct mhv_kvm kvm;
    int vm_fd;
    int vcpu_fd;
    uint8_t *ram;          /* guest physical 0 .. ram_size-1 */
    size_t ram_size;
    struct kvm_run *run;   /* mmap of vcpu_fd, kvm.vcpu_mmap_size bytes */
    struct mhv_console console;
};

/* Why mhv_vm_run returned. */
enum mhv_stop_reason {
    MHV_STOP_EXIT_PORT, /* the guest wrote exit_value to port 0xF4 */
    MHV_STOP_HALTED,    /* hlt with nothing left that could wake it */
    MHV_STOP_CRASHED,   /* shutdown (triple fault), failed entry, unhandled exit */
};

struct mhv_stop {
    enum mhv_stop_reason reason;
    uint8_t exit_value;     /* MHV_STOP_EXIT_PORT only */
    uint32_t exit_reason;   /* the KVM_EXIT_* that ended the run */
    char description[160];  /* MHV_STOP_CRASHED: what happened, in words */
};

/* Does an image of image_size bytes at load_addr fit in ram_size bytes?
 * Returns 0 if so, -1 with a message naming the sizes if not. */
int mhv_vm_image_fits(uint64_t load_addr, size_t image_size, size_t ram_size,
                      char *err, size_t err_size);

/* Opens KVM, creates the VM with ram_size bytes of RAM and one vCPU. */
int mhv_vm_create(struct mhv_vm *vm, size_t ram_size, struct mhv_console console,
                  char *err, size_t err_size);

/* Copies a flat image into guest RAM at load_addr (bounds-checked). */
int mhv_vm_load_flat(struct mhv_vm *vm, const void *image, size_t image_size,
                     uint64_t load_addr, char *err, size_t err_size);

/* Puts the vCPU in real mode at entry: CS = DS = ES = SS = load_addr >> 4,
 * IP = entry - CS base (which must be 0..0xFFFF), SP = 0 (top of the segment). */
int mhv_vm_setup_real_mode(struct mhv_vm *vm, uint64_t load_addr, uint64_t entry,
                           char *err, size_t err_size);

/* Runs the vCPU until the guest ends; returns 0 with *stop filled in, or -1
 * when KVM itself failed (err says which ioctl). */
int mhv_vm_run(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size);

/* Formats the vCPU's registers (general, RIP, RFLAGS, segments, CR0) into
 * buf as text lines.  Returns 0, or -1 with a message in buf. */
int mhv_vm_format_registers(struct mhv_vm *vm, char *buf, size_t buf_size);

void mhv_vm_destroy(struct mhv_vm *vm);

#endif
