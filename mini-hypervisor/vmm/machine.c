/*
 * machine.c -- creating and destroying a virtual machine: RAM, vCPU, devices.
 *
 * The shape follows the KVM API (Documentation/virt/kvm/api.rst) and
 * kvmtool: /dev/kvm -> KVM_CREATE_VM -> KVM_SET_USER_MEMORY_REGION ->
 * KVM_CREATE_VCPU -> mmap the vCPU's struct kvm_run.  The run loop is in
 * run.c, the modes in cpu.c, image loading in image.c.  The machine knows
 * nothing of the debugger above it: it keeps the run hooks the debug layer
 * installs (machine.h) and hands their state back when it is destroyed.
 *
 * The machine's devices, one attach each (see memlayout.h for the map):
 *
 *   ports  0x20-0x21  PIC (8259A, master)      dev_pic.c
 *          0x40-0x43  PIT (8254, channel 0)    dev_pit.c   -> IRQ 0
 *          0x60, 0x64 keyboard controller      dev_i8042.c -> IRQ 1; its reset line
 *          0x70-0x71  CMOS clock (host time)  dev_rtc.c
 *          0xA0-0xA1  no slave PIC: reads 0xFF
 *          0x600-60B  ACPI PM registers        dev_acpi_pm.c (the FADT's, vmm/acpi.c)
 *          0xE9       debug console            dev_console.c
 *          0xF4       exit port                dev_exit.c
 *          0x3F8-3FF  UART (16550)             dev_uart.c  -> IRQ 4
 *   MMIO   0xD0000000 virtio-blk disks, 4 KiB each (mhv_vm_add_disk), IRQ 5, 6, 7
 *          0xE0000000 info device, 4 KiB       dev_info.c
 *
 * A port no device claims reads as all ones and ignores writes, as an
 * empty ISA bus does.
 */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu.h"

uint64_t mhv_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static uint64_t device_clock(void *clock)
{
    return mhv_now_ns();
}

/* The CMOS clock's: the host's wall clock (UTC), ns since the epoch. */
static uint64_t wall_clock(void *clock)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Console bytes from the UART and port 0xE9: noted for --stats, passed on. */
static void console_output(void *context, uint8_t byte)
{
    struct mhv_vm *vm = context;
    if (vm->stats.first_output_ns == 0)
        vm->stats.first_output_ns = mhv_now_ns() - vm->created_ns;
    vm->output(vm->output_context, byte);
}

/* The UART's input: whatever stdin has now, without waiting. */
static size_t console_input(void *context, uint8_t *buffer, size_t max)
{
    struct mhv_vm *vm = context;
    if (vm->input_fd < 0)
        return 0;
    struct pollfd ready = { .fd = vm->input_fd, .events = POLLIN };
    if (poll(&ready, 1, 0) <= 0)
        return 0;
    ssize_t got = read(vm->input_fd, buffer, max);
    if (got <= 0) {
        if (got == 0 || (errno != EAGAIN && errno != EINTR))
            vm->input_fd = -1;  /* end of input: nothing more will come */
        return 0;
    }
    if (vm->input_filter)
        return vm->input_filter(vm->input_filter_context, buffer, (size_t)got);
    return (size_t)got;
}

static int attach_devices(struct mhv_vm *vm, char *err, size_t err_size)
{
    struct mhv_irq_line timer_line = { mhv_pic_set_level, &vm->pic, MHV_IRQ_TIMER };
    struct mhv_irq_line uart_line = { mhv_pic_set_level, &vm->pic, MHV_IRQ_UART };
    struct mhv_irq_line keyboard_line = { mhv_pic_set_level, &vm->pic, MHV_IRQ_KEYBOARD };
    static const struct mhv_bus_device_ops absent = { NULL, NULL };

    mhv_bus_init(&vm->ports, MHV_BUS_PORT);
    mhv_bus_init(&vm->mmio, MHV_BUS_MMIO);
    mhv_pic_init(&vm->pic);
    mhv_pit_init(&vm->pit, timer_line, device_clock, NULL);
    mhv_uart_init(&vm->uart, uart_line, console_output, console_input, vm);
    mhv_rtc_init(&vm->rtc, wall_clock, NULL);
    mhv_i8042_init(&vm->i8042, keyboard_line);
    mhv_acpi_pm_init(&vm->acpi_pm, device_clock, NULL);
    vm->console = (struct mhv_console_port){ .output = console_output, .context = vm };
    vm->exit_port = (struct mhv_exit_port){ 0 };
    vm->info = (struct mhv_info_device){
        .now_ns = device_clock, .start_ns = vm->created_ns, .exit_count = &vm->stats.exits,
    };

    if (mhv_bus_attach(&vm->ports, MHV_PORT_PIC_MASTER, 2, "pic", &mhv_pic_ops, &vm->pic, err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_PIC_SLAVE, 2, "pic-slave (absent)", &absent, NULL, err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_PIT, 4, "pit", &mhv_pit_ops, &vm->pit, err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_DEBUG_CONSOLE, 1, "debug-console", &mhv_console_port_ops,
                       &vm->console, err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_EXIT, 1, "exit", &mhv_exit_port_ops, &vm->exit_port, err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_UART, 8, "uart", &mhv_uart_ops, &vm->uart, err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_RTC, 2, "rtc", &mhv_rtc_ops, &vm->rtc, err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_ACPI_PM, MHV_ACPI_PM_SIZE, "acpi-pm", &mhv_acpi_pm_ops, &vm->acpi_pm,
                       err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_I8042_DATA, 1, "i8042", &mhv_i8042_data_ops, &vm->i8042,
                       err, err_size) < 0 ||
        mhv_bus_attach(&vm->ports, MHV_PORT_I8042_COMMAND, 1, "i8042-command", &mhv_i8042_command_ops, &vm->i8042,
                       err, err_size) < 0 ||
        mhv_bus_attach(&vm->mmio, MHV_MMIO_INFO_BASE, MHV_MMIO_INFO_SIZE, "info", &mhv_info_ops, &vm->info,
                       err, err_size) < 0)
        return -1;
    return 0;
}

int mhv_vm_create(struct mhv_vm *vm, const struct mhv_vm_config *config, char *err, size_t err_size)
{
    *vm = (struct mhv_vm){
        .kvm = { .fd = -1 }, .vm_fd = -1, .vcpu_fd = -1,
        .output = config->output, .output_context = config->output_context,
        .input_fd = config->input_fd, .created_ns = mhv_now_ns(),
        .input_filter = config->input_filter, .input_filter_context = config->input_filter_context,
    };
    size_t ram_size = config->ram_size;
    if (ram_size == 0 || ram_size % 4096 != 0 || ram_size > (size_t)MHV_MAX_RAM_MIB << 20) {
        snprintf(err, err_size, "guest RAM of %zu bytes: give 4 KiB multiples up to %d MiB",
                 ram_size, MHV_MAX_RAM_MIB);
        return -1;
    }

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

    if (mhv_cpu_set_cpuid(vm, err, err_size) < 0)
        return -1;
    return attach_devices(vm, err, err_size);
}

int mhv_vm_add_disk(struct mhv_vm *vm, struct mhv_virtio_blk_disk disk, uint64_t *base, unsigned *irq,
                    char *err, size_t err_size)
{
    if (vm->disk_count == MHV_VIRTIO_MAX) {
        mhv_virtio_blk_disk_close(&disk);
        snprintf(err, err_size, "at most %d disks", MHV_VIRTIO_MAX);
        return -1;
    }
    size_t n = vm->disk_count;
    char serial[24];
    snprintf(serial, sizeof serial, "mhv-disk-%zu", n);
    mhv_virtio_blk_init(&vm->disks[n], disk, serial);
    struct mhv_irq_line line = { mhv_pic_set_level, &vm->pic, MHV_IRQ_VIRTIO_FIRST + (unsigned)n };
    struct mhv_guest_memory memory = { .base = vm->ram, .size = vm->ram_size };
    mhv_virtio_mmio_init(&vm->virtio[n], &mhv_virtio_blk_ops, &vm->disks[n], memory, line);
    static const char *const names[MHV_VIRTIO_MAX] = { "virtio-blk0", "virtio-blk1", "virtio-blk2" };
    if (mhv_bus_attach(&vm->mmio, MHV_VIRTIO_BASE + n * MHV_VIRTIO_STRIDE, MHV_VIRTIO_MMIO_SIZE, names[n],
                       &mhv_virtio_mmio_ops, &vm->virtio[n], err, err_size) < 0) {
        mhv_virtio_blk_disk_close(&vm->disks[n].disk);
        return -1;
    }
    vm->disk_count++;
    *base = MHV_VIRTIO_BASE + n * MHV_VIRTIO_STRIDE;
    *irq = MHV_IRQ_VIRTIO_FIRST + (unsigned)n;
    return 0;
}

void mhv_vm_destroy(struct mhv_vm *vm)
{
    for (size_t i = 0; i < vm->disk_count; i++)
        mhv_virtio_blk_disk_close(&vm->disks[i].disk);
    vm->disk_count = 0;
    if (vm->kick_timer_created)
        timer_delete(vm->kick_timer);
    if (vm->run)
        munmap(vm->run, vm->kvm.vcpu_mmap_size);
    if (vm->vcpu_fd >= 0)
        close(vm->vcpu_fd);
    if (vm->ram)
        munmap(vm->ram, vm->ram_size);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    mhv_kvm_close(&vm->kvm);
    if (vm->hooks && vm->hooks->release)
        vm->hooks->release(vm->hook_state);
    vm->hooks = NULL;
    vm->hook_state = NULL;
    vm->kick_timer_created = 0;
    vm->run = NULL;
    vm->ram = NULL;
    vm->vcpu_fd = vm->vm_fd = -1;
}

void mhv_vm_set_run_hooks(struct mhv_vm *vm, const struct mhv_run_hooks *hooks, void *state)
{
    vm->hooks = hooks;
    vm->hook_state = state;
}

void mhv_vm_set_timeout(struct mhv_vm *vm, double seconds)
{
    vm->deadline_ns = seconds > 0 ? mhv_now_ns() + (uint64_t)(seconds * 1e9) : 0;
}

const char *mhv_exit_reason_name(uint32_t exit_reason)
{
#define EXIT_NAME(name) [KVM_EXIT_##name] = #name
    static const char *const names[] = {
        EXIT_NAME(UNKNOWN), EXIT_NAME(EXCEPTION), EXIT_NAME(IO), EXIT_NAME(HYPERCALL),
        EXIT_NAME(DEBUG), EXIT_NAME(HLT), EXIT_NAME(MMIO), EXIT_NAME(IRQ_WINDOW_OPEN),
        EXIT_NAME(SHUTDOWN), EXIT_NAME(FAIL_ENTRY), EXIT_NAME(INTR), EXIT_NAME(SET_TPR),
        EXIT_NAME(TPR_ACCESS), EXIT_NAME(NMI), EXIT_NAME(INTERNAL_ERROR), EXIT_NAME(SYSTEM_EVENT),
        EXIT_NAME(X86_RDMSR), EXIT_NAME(X86_WRMSR),
    };
#undef EXIT_NAME
    if (exit_reason < sizeof names / sizeof names[0] && names[exit_reason])
        return names[exit_reason];
    return "OTHER";
}
