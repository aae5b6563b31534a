/*
 * vm.c -- a KVM virtual machine with one vCPU, and its run loop.
 *
 * The shape follows the KVM API (Documentation/virt/kvm/api.rst) and
 * kvmtool: /dev/kvm -> KVM_CREATE_VM -> KVM_SET_USER_MEMORY_REGION ->
 * KVM_CREATE_VCPU -> mmap the vCPU's struct kvm_run -> KVM_RUN in a loop,
 * with one switch on run->exit_reason deciding what each exit means.
 *
 * Devices are port handlers in one table (mhv_ports below): adding a
 * device is adding a row.  A port with no row reads as 0xFF and ignores
 * writes, as an empty ISA bus does.
 *
 * There is no in-kernel interrupt controller and no device that raises
 * interrupts yet, so a `hlt` can never be woken: it ends the run with
 * status 0 (DESIGN.md) whatever the interrupt flag says.
 */
#include "vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* ==== Ports and devices ================================================== */

#define MHV_PORT_DEBUG_CONSOLE 0xE9 /* Bochs/QEMU debug console: byte out */
#define MHV_PORT_EXIT 0xF4          /* byte V out: the guest ends, mhv exits V */
#define MHV_PORT_UART_BASE 0x3F8    /* COM1, a 16550 (only what a polling guest needs) */
#define MHV_UART_DATA 0             /* THR on write (DLAB=0) */
#define MHV_UART_LINE_STATUS 5      /* LSR */
#define MHV_UART_LSR_IDLE 0x60      /* THR empty | transmitter empty */

/* What a port access asks of the run loop. */
enum mhv_port_action { MHV_PORT_CONTINUE, MHV_PORT_END_GUEST };

struct mhv_port_handler {
    uint16_t first, last;
    /* out: value written (size bytes); returns whether the guest goes on. */
    enum mhv_port_action (*out)(struct mhv_vm *vm, uint16_t port, uint32_t value,
                                struct mhv_stop *stop);
    /* in: the value read. */
    uint32_t (*in)(struct mhv_vm *vm, uint16_t port);
};

static enum mhv_port_action console_out(struct mhv_vm *vm, uint16_t port, uint32_t value,
                                        struct mhv_stop *stop)
{
    vm->console.write_byte(vm->console.context, (uint8_t)value);
    return MHV_PORT_CONTINUE;
}

static uint32_t console_in(struct mhv_vm *vm, uint16_t port)
{
    return MHV_PORT_DEBUG_CONSOLE; /* Bochs convention: reading 0xE9 tells the port exists */
}

static enum mhv_port_action uart_out(struct mhv_vm *vm, uint16_t port, uint32_t value,
                                     struct mhv_stop *stop)
{
    if (port - MHV_PORT_UART_BASE == MHV_UART_DATA)
        vm->console.write_byte(vm->console.context, (uint8_t)value);
    return MHV_PORT_CONTINUE; /* other registers: configuration we ignore */
}

static uint32_t uart_in(struct mhv_vm *vm, uint16_t port)
{
    return port - MHV_PORT_UART_BASE == MHV_UART_LINE_STATUS ? MHV_UART_LSR_IDLE : 0;
}

static enum mhv_port_action exit_port_out(struct mhv_vm *vm, uint16_t port, uint32_t value,
                                          struct mhv_stop *stop)
{
    stop->reason = MHV_STOP_EXIT_PORT;
    stop->exit_value = (uint8_t)value;
    return MHV_PORT_END_GUEST;
}

static const struct mhv_port_handler mhv_ports[] = {
    { MHV_PORT_DEBUG_CONSOLE, MHV_PORT_DEBUG_CONSOLE, console_out, console_in },
    { MHV_PORT_EXIT, MHV_PORT_EXIT, exit_port_out, NULL },
    { MHV_PORT_UART_BASE, MHV_PORT_UART_BASE + 7, uart_out, uart_in },
};

static const struct mhv_port_handler *find_port_handler(uint16_t port)
{
    for (size_t i = 0; i < sizeof mhv_ports / sizeof mhv_ports[0]; i++)
        if (port >= mhv_ports[i].first && port <= mhv_ports[i].last)
            return &mhv_ports[i];
    return NULL;
}

/* One KVM_EXIT_IO: `count` accesses of `size` bytes each (count > 1 for
 * rep ins/outs), their data at data_offset in the kvm_run page. */
static enum mhv_port_action handle_io_exit(struct mhv_vm *vm, struct mhv_stop *stop)
{
    uint8_t *data = (uint8_t *)vm->run + vm->run->io.data_offset;
    uint16_t port = vm->run->io.port;
    unsigned size = vm->run->io.size;
    const struct mhv_port_handler *handler = find_port_handler(port);

    for (uint32_t i = 0; i < vm->run->io.count; i++, data += size) {
        if (vm->run->io.direction == KVM_EXIT_IO_OUT) {
            uint32_t value = 0;
            memcpy(&value, data, size); /* x86 is little-endian, like the guest */
            if (handler && handler->out && handler->out(vm, port, value, stop) == MHV_PORT_END_GUEST)
                return MHV_PORT_END_GUEST;
        } else {
            uint32_t value = handler && handler->in ? handler->in(vm, port) : 0xFFFFFFFFu;
            memcpy(data, &value, size);
        }
    }
    return MHV_PORT_CONTINUE;
}

/* ==== Creation, loading, destruction ====================================== */

int mhv_vm_image_fits(uint64_t load_addr, size_t image_size, size_t ram_size,
                      char *err, size_t err_size)
{
    if (load_addr > ram_size || image_size > ram_size - load_addr) {
        snprintf(err, err_size,
                 "the image (%zu bytes at 0x%llx) does not fit in guest RAM (%zu bytes = %zu MiB): "
                 "give more with --mem or load it lower with --load",
                 image_size, (unsigned long long)load_addr, ram_size, ram_size >> 20);
        return -1;
    }
    return 0;
}

int mhv_vm_create(struct mhv_vm *vm, size_t ram_size, struct mhv_console console,
                  char *err, size_t err_size)
{
    *vm = (struct mhv_vm){ .kvm = { .fd = -1 }, .vm_fd = -1, .vcpu_fd = -1, .console = console };

    if (mhv_kvm_open(&vm->kvm, err, err_size) < 0)
        return -1;

    vm->vm_fd = ioctl(vm->kvm.fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        snprintf(err, err_size, "KVM_CREATE_VM: %s", strerror(errno));
        return -1;
    }

    void *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        snprintf(err, err_size, "cannot map %zu bytes of guest RAM: %s", ram_size, strerror(errno));
        return -1;
    }
    vm->ram = ram;
    vm->ram_size = ram_size;

    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = ram_size,
        .userspace_addr = (uint64_t)(uintptr_t)ram,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        snprintf(err, err_size, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
        return -1;
    }

    vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu_fd < 0) {
        snprintf(err, err_size, "KVM_CREATE_VCPU: %s", strerror(errno));
        return -1;
    }

    void *run = mmap(NULL, vm->kvm.vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
    if (run == MAP_FAILED) {
        snprintf(err, err_size, "cannot map the vCPU's kvm_run: %s", strerror(errno));
        return -1;
    }
    vm->run = run;
    return 0;
}

int mhv_vm_load_flat(struct mhv_vm *vm, const void *image, size_t image_size,
                     uint64_t load_addr, char *err, size_t err_size)
{
    if (mhv_vm_image_fits(load_addr, image_size, vm->ram_size, err, err_size) < 0)
        return -1;
    memcpy(vm->ram + load_addr, image, image_size);
    return 0;
}

void mhv_vm_destroy(struct mhv_vm *vm)
{
    if (vm->run)
        munmap(vm->run, vm->kvm.vcpu_mmap_size);
    if (vm->vcpu_fd >= 0)
        close(vm->vcpu_fd);
    if (vm->ram)
        munmap(vm->ram, vm->ram_size);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    mhv_kvm_close(&vm->kvm);
    vm->run = NULL;
    vm->ram = NULL;
    vm->vcpu_fd = vm->vm_fd = -1;
}

/* ==== Real mode ============================================================ */

static void set_real_mode_segment(struct kvm_segment *segment, uint16_t selector)
{
    segment->selector = selector;
    segment->base = (uint64_t)selector << 4;
    segment->limit = 0xFFFF;
}

int mhv_vm_setup_real_mode(struct mhv_vm *vm, uint64_t load_addr, uint64_t entry,
                           char *err, size_t err_size)
{
    if (load_addr >= 0x100000) {
        snprintf(err, err_size, "real mode: the load address 0x%llx is above 1 MiB",
                 (unsigned long long)load_addr);
        return -1;
    }
    uint16_t selector = (uint16_t)(load_addr >> 4);
    uint64_t segment_base = (uint64_t)selector << 4;
    if (entry < segment_base || entry - segment_base > 0xFFFF || entry >= vm->ram_size) {
        snprintf(err, err_size,
                 "real mode: the entry 0x%llx is outside the code segment 0x%llx..0x%llx (or RAM)",
                 (unsigned long long)entry, (unsigned long long)segment_base,
                 (unsigned long long)segment_base + 0xFFFF);
        return -1;
    }

    struct kvm_sregs sregs;
    if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
        snprintf(err, err_size, "KVM_GET_SREGS: %s", strerror(errno));
        return -1;
    }
    set_real_mode_segment(&sregs.cs, selector);
    set_real_mode_segment(&sregs.ds, selector);
    set_real_mode_segment(&sregs.es, selector);
    set_real_mode_segment(&sregs.fs, selector);
    set_real_mode_segment(&sregs.gs, selector);
    set_real_mode_segment(&sregs.ss, selector);
    if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0) {
        snprintf(err, err_size, "KVM_SET_SREGS: %s", strerror(errno));
        return -1;
    }

    struct kvm_regs regs = {
        .rip = entry - segment_base,
        .rsp = 0,        /* the first push wraps to the top of the segment */
        .rflags = 0x2,   /* bit 1 is always set; interrupts off */
    };
    if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
        snprintf(err, err_size, "KVM_SET_REGS: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ==== The run loop ========================================================= */

static void crashed(struct mhv_stop *stop, uint32_t exit_reason, const char *description)
{
    stop->reason = MHV_STOP_CRASHED;
    stop->exit_reason = exit_reason;
    snprintf(stop->description, sizeof stop->description, "%s", description);
}

int mhv_vm_run(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size)
{
    *stop = (struct mhv_stop){ 0 };
    for (;;) {
        if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            snprintf(err, err_size, "KVM_RUN: %s", strerror(errno));
            return -1;
        }
        struct kvm_run *run = vm->run;
        stop->exit_reason = run->exit_reason;

        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            if (handle_io_exit(vm, stop) == MHV_PORT_END_GUEST)
                return 0;
            break;
        case KVM_EXIT_HLT:
            stop->reason = MHV_STOP_HALTED; /* nothing can raise an interrupt yet */
            return 0;
        case KVM_EXIT_SHUTDOWN:
            crashed(stop, run->exit_reason, "the guest shut down (triple fault)");
            return 0;
        case KVM_EXIT_FAIL_ENTRY: {
            char text[160];
            snprintf(text, sizeof text, "KVM could not enter the guest (hardware reason 0x%llx)",
                     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
            crashed(stop, run->exit_reason, text);
            return 0;
        }
        case KVM_EXIT_INTERNAL_ERROR: {
            char text[160];
            snprintf(text, sizeof text, "KVM internal error (suberror %u)", run->internal.suberror);
            crashed(stop, run->exit_reason, text);
            return 0;
        }
        default: {
            char text[160];
            snprintf(text, sizeof text, "unhandled KVM exit %u", run->exit_reason);
            crashed(stop, run->exit_reason, text);
            return 0;
        }
        }
    }
}

/* ==== Register dump ======================================================== */

int mhv_vm_format_registers(struct mhv_vm *vm, char *buf, size_t buf_size)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
        snprintf(buf, buf_size, "(registers unavailable: %s)\n", strerror(errno));
        return -1;
    }
    snprintf(buf, buf_size,
             "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
             "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
             "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
             "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
             "RIP=%016llx RFLAGS=%08llx CR0=%08llx\n"
             "CS=%04x base %08llx  DS=%04x base %08llx  SS=%04x base %08llx\n",
             (unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
             (unsigned long long)r.rdx, (unsigned long long)r.rsi, (unsigned long long)r.rdi,
             (unsigned long long)r.rbp, (unsigned long long)r.rsp, (unsigned long long)r.r8,
             (unsigned long long)r.r9, (unsigned long long)r.r10, (unsigned long long)r.r11,
             (unsigned long long)r.r12, (unsigned long long)r.r13, (unsigned long long)r.r14,
             (unsigned long long)r.r15, (unsigned long long)r.rip, (unsigned long long)r.rflags,
             (unsigned long long)s.cr0, s.cs.selector, (unsigned long long)s.cs.base,
             s.ds.selector, (unsigned long long)s.ds.base, s.ss.selector, (unsigned long long)s.ss.base);
    /* On AMD SVM, KVM reinitializes the vCPU after a shutdown intercept, so
     * a triple fault leaves the reset state, not the state that faulted. */
    if (s.cs.selector == 0xF000 && s.cs.base == 0xFFFF0000u && r.rip == 0xFFF0) {
        size_t used = strlen(buf);
        snprintf(buf + used, buf_size - used,
                 "(this is the CPU's reset state: KVM reset the vCPU after the shutdown, as it does on AMD)\n");
    }
    return 0;
}
