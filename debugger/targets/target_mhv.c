/*
 * target_mhv.c -- vdb's hypervisor target: debugger/targets/target.h's operations
 * over libmhv's public API (machine.h, debug.h, image.h, cpu.h), for one guest
 * image in one VM.
 *
 * Opening follows `mhv run` (mini-hypervisor/mhv.c): the image is read and
 * planned before KVM is touched, so a bad image gets the same message here
 * as from mhv on any machine; then the VM is created, the image loaded, and
 * the breakpoint route probed (once per process, debug.h), so a KVM that
 * cannot debug fails at open rather than at the first `break`.
 *
 * A Linux guest (vdb_mhv_config.kernel) is the machine `mhv run --kernel`
 * makes, from the same code (vmm/linux_machine.h), with nokaslr added to
 * the command line unless it names kaslr itself, so that the kernel runs
 * at its System.map's addresses.  Its image addresses (Linux's
 * __START_KERNEL_map) reach the kernel's bytes before the kernel's own
 * page tables are on (kernel_image_physical), and its console is watched
 * for a panic, as mhv watches it.
 *
 * What the front end sees:
 *
 *   resume       CONTINUE -> mhv_debug_continue, STEPI -> mhv_debug_step;
 *                the mhv stop becomes a vdb_stop (describe_stop).  The
 *                target steps by instruction only: STEP, NEXT and FINISH
 *                are refused.
 *   output       the console (port 0xE9 and the UART) goes through the
 *                VM's output callback into a buffer take_output hands over.
 *   addresses    guest virtual (linear) addresses: the PC, breakpoints,
 *                disassembly and the default memory space "virt".
 *   registers    the general registers, the segment selectors and the
 *                control registers, read and written with KVM_GET/SET_REGS
 *                and KVM_GET/SET_SREGS at each call (no cache to go stale).
 *   disassembly  Capstone (x86_target.c), in the CPU's code size of the
 *                moment (16, 32 or 64 bits), over bytes read through
 *                mhv_debug_read, which shows the guest's bytes and never a
 *                breakpoint's patch.
 *
 * Invariants:
 *   - Once the guest ended (exit port, halted for good, crashed), `ended`
 *     is set and `end` holds how; resume returns that end again and never
 *     runs KVM on the finished guest.  Reads still work: the vCPU and RAM
 *     stay until destroy.
 *   - output[0 .. output_length) is what the guest printed since the last
 *     take_output; output_capacity > output_length whenever output is not
 *     NULL, so the text can always be NUL-terminated in place.
 *   - vm is set up (mhv_vm_create succeeded) for every target open
 *     returned; destroy frees the VM, the Capstone handles and the buffer.
 *   - interrupt touches only mhv_vm_request_stop, which is async-signal-safe.
 *   - Nothing here prints or exits; every failure is -1 with one line in err.
 */
#include "exit_status.h"
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "cpu.h"
#include "debug.h"
#include "image.h"
#include "linux_boot.h"
#include "linux_machine.h"
#include "memlayout.h"
#include "machine.h"
#include "x86_target.h"

#define EFER_LMA (1ull << 10)        /* long mode active */

struct mhv_target {
    vdb_target base;                 /* first: a vdb_target * is a struct mhv_target * */
    struct mhv_vm vm;

    bool ended;                      /* the guest ended; end says how */
    vdb_stop end;

    char *output;                    /* the guest's console since the last take_output */
    size_t output_length, output_capacity;

    vdb_x86_disassembler disassembler;  /* Capstone, opened at the first disassembly in each code size */

    /* A Linux guest (vdb --hv --kernel): its kernel's format, and the
     * console watched for a panic (linux_boot.h), as mhv watches it. */
    bool linux_guest;
    enum mhv_linux_format kernel_format;
    struct mhv_linux_console_watch watch;
};

static struct mhv_target *target_of(vdb_target *base)
{
    return (struct mhv_target *)base;
}

/* ==== Opening ================================================================ */

/* The console: every byte the guest writes to port 0xE9 or the UART.  A
 * byte that finds no memory is dropped: the guest must not stop for it. */
static void keep_output(void *context, uint8_t byte)
{
    struct mhv_target *target = context;
    if (target->output_length + 1 >= target->output_capacity) {
        size_t grown = target->output_capacity ? 2 * target->output_capacity : 256;
        char *bigger = realloc(target->output, grown);
        if (!bigger)
            return;
        target->output = bigger;
        target->output_capacity = grown;
    }
    target->output[target->output_length++] = (char)byte;
}

static void keep_linux_output(void *context, uint8_t byte)
{
    struct mhv_target *target = context;
    mhv_linux_watch_byte(&target->watch, byte);
    keep_output(context, byte);
}

/* The image options of a vdb config, with mhv's defaults; -1 for a value
 * mhv run would refuse too. */
static int image_options_of(const vdb_mhv_config *config, struct mhv_image_options *options,
                            size_t *ram_size, char *err, size_t err_size)
{
    *options = (struct mhv_image_options){
        .load_addr = config->load ? config->load : MHV_DEFAULT_LOAD_ADDR,
        .entry_given = config->entry != 0,
        .entry = config->entry,
        .cmdline = config->cmdline ? config->cmdline : "",
    };
    if (config->mode) {
        static const enum mhv_mode modes[] = { MHV_MODE_REAL, MHV_MODE_PROTECTED, MHV_MODE_LONG };
        for (size_t i = 0; i < sizeof modes / sizeof modes[0] && !options->mode_given; i++) {
            if (strcmp(config->mode, mhv_mode_name(modes[i])) == 0) {
                options->mode = modes[i];
                options->mode_given = 1;
            }
        }
        if (!options->mode_given) {
            snprintf(err, err_size, "unknown CPU mode '%s': expected real, protected or long", config->mode);
            return -1;
        }
    }
    unsigned mem_mib = config->mem_mib ? config->mem_mib : MHV_DEFAULT_MEM_MIB;
    if (mem_mib > MHV_MAX_RAM_MIB) {
        snprintf(err, err_size, "guest RAM of %u MiB: at most %d MiB", mem_mib, MHV_MAX_RAM_MIB);
        return -1;
    }
    if (strlen(options->cmdline) > MHV_CMDLINE_MAX) {
        snprintf(err, err_size, "the guest's command line is longer than the %d bytes a guest gets", MHV_CMDLINE_MAX);
        return -1;
    }
    *ram_size = (size_t)mem_mib << 20;
    return 0;
}

static const vdb_target_ops mhv_target_ops;

/* mhv's advice for a machine without /dev/kvm names mhv's own route into
 * the sandbox; vdb has its own (docs/no-kvm.md). */
static void advise_sandbox(char *err, size_t err_size, const char *what)
{
    if (strncmp(err, "no /dev/kvm:", 12) == 0)
        snprintf(err, err_size, "no /dev/kvm: this machine cannot run KVM guests directly; run vdb with the "
                 "guest in the nested-KVM sandbox: scripts/on-kvm bin/vdb --hv [flags] %s", what);
}

/* Whether the kernel command line names KASLR itself (kaslr, nokaslr),
 * before any " -- " that starts init's arguments. */
static bool names_kaslr(const char *append)
{
    const char *p = append;
    while (p && *p) {
        p += strspn(p, " \t");
        size_t length = strcspn(p, " \t");
        if (length == 2 && strncmp(p, "--", 2) == 0)
            return false;
        if ((length == 5 && strncmp(p, "kaslr", 5) == 0) || (length == 7 && strncmp(p, "nokaslr", 7) == 0))
            return true;
        p += length;
    }
    return false;
}

/* vdb --hv --kernel: the machine mhv run --kernel makes (linux_machine.h),
 * its console kept for take_output, with nokaslr added unless the user
 * chose: a bzImage's decompressor would otherwise put the kernel at a
 * random address, and no System.map would match it. */
static vdb_target *open_linux(const vdb_mhv_config *config, char *err, size_t err_size)
{
    unsigned mem_mib = config->mem_mib ? config->mem_mib : MHV_LINUX_DEFAULT_RAM_MIB;
    if (mem_mib > MHV_MAX_RAM_MIB) {
        snprintf(err, err_size, "guest RAM of %u MiB: at most %d MiB", mem_mib, MHV_MAX_RAM_MIB);
        return NULL;
    }
    if (config->disk_count > MHV_VIRTIO_MAX) {
        snprintf(err, err_size, "--disk %s: at most %d disks", config->disks[MHV_VIRTIO_MAX - 1], MHV_VIRTIO_MAX);
        return NULL;
    }
    char append[4096];
    const char *user = config->append ? config->append : "";
    if (names_kaslr(user))
        snprintf(append, sizeof append, "%s", user);
    else if (snprintf(append, sizeof append, "nokaslr%s%s", user[0] ? " " : "", user) >= (int)sizeof append) {
        snprintf(err, err_size, "--append: the kernel command line, with what vdb adds, is longer than %zu bytes",
                 sizeof append - 1);
        return NULL;
    }
    struct mhv_linux_files files = {
        .kernel_path = config->kernel, .initrd_path = config->initrd, .append = append,
        .disk_count = config->disk_count, .ram_size = (size_t)mem_mib << 20,
        .on_kvm_hint = "scripts/on-kvm bin/vdb --hv --kernel ...",
    };
    for (unsigned i = 0; i < config->disk_count; i++)
        files.disk_specs[i] = config->disks[i];

    struct mhv_target *target = calloc(1, sizeof *target);
    if (!target) {
        snprintf(err, err_size, "out of memory for the hypervisor target");
        return NULL;
    }
    target->base.ops = &mhv_target_ops;
    target->linux_guest = true;
    struct mhv_vm_config vm_config = {
        .ram_size = files.ram_size, .output = keep_linux_output, .output_context = target, .input_fd = -1,
    };
    struct mhv_linux_plan plan;
    if (mhv_linux_machine_create(&target->vm, &vm_config, &files, &plan, err, err_size) < 0) {
        advise_sandbox(err, err_size, "--kernel FILE");
        free(target);
        return NULL;
    }
    target->kernel_format = plan.format;
    enum mhv_breakpoint_route route;
    if (mhv_debug_route(&target->vm, &route, err, err_size) < 0) {
        mhv_vm_destroy(&target->vm);
        free(target);
        return NULL;
    }
    return &target->base;
}

vdb_target *vdb_mhv_open(const vdb_mhv_config *config, char *err, size_t err_size)
{
    if (config->kernel)
        return open_linux(config, err, err_size);
    if (!config->image) {
        snprintf(err, err_size, "no guest image given");
        return NULL;
    }
    struct mhv_image_options options;
    size_t ram_size;
    if (image_options_of(config, &options, &ram_size, err, err_size) < 0)
        return NULL;

    /* The image first, without KVM: its errors read as mhv's everywhere. */
    size_t image_size = 0;
    uint8_t *image = NULL;
    struct mhv_image_plan plan;
    if (mhv_image_read_and_plan(config->image, ram_size, &options, &image, &image_size, &plan, err, err_size) < 0)
        return NULL;

    struct mhv_target *target = calloc(1, sizeof *target);
    if (!target) {
        snprintf(err, err_size, "out of memory for the hypervisor target");
        free(image);
        return NULL;
    }
    target->base.ops = &mhv_target_ops;
    struct mhv_vm_config vm_config = {
        .ram_size = ram_size, .output = keep_output, .output_context = target, .input_fd = -1,
    };
    enum mhv_breakpoint_route route;  /* probed now: a KVM that cannot debug fails here, not at `break` */
    if (mhv_vm_create(&target->vm, &vm_config, err, err_size) < 0 ||
        mhv_image_load(&target->vm, image, image_size, &plan, options.cmdline, err, err_size) < 0 ||
        mhv_debug_route(&target->vm, &route, err, err_size) < 0) {
        advise_sandbox(err, err_size, "IMAGE");
        mhv_vm_destroy(&target->vm);  /* safe at any point after create returned */
        free(target);
        free(image);
        return NULL;
    }
    free(image);
    return &target->base;
}

static void target_destroy(vdb_target *base)
{
    struct mhv_target *target = target_of(base);
    if (!target)
        return;
    vdb_x86_close(&target->disassembler);
    mhv_vm_destroy(&target->vm);
    free(target->output);
    free(target);
}

/* ==== Running ================================================================ */

/* The address a breakpoint was set at (virtual, as the user gave it), from
 * the physical address mhv reports a hit by. */
static uint64_t breakpoint_address(struct mhv_target *target, uint64_t physical)
{
    const struct mhv_breakpoint *list;
    size_t count = mhv_debug_breakpoints(&target->vm, &list);
    for (size_t i = 0; i < count; i++)
        if (list[i].physical == physical && list[i].space == MHV_VIRTUAL)
            return list[i].address;
    /* Set by its physical address (a Linux kernel's, before its page
     * tables were on: kernel_image_physical), or not in the table: the PC
     * is on it, and the PC is the virtual address the user gave. */
    uint64_t linear;
    char ignored[VDB_ERR_SIZE];
    return mhv_debug_pc(&target->vm, &linear, ignored, sizeof ignored) == 0 ? linear : physical;
}

static void describe_stop(struct mhv_target *target, const struct mhv_stop *stop, vdb_stop *out)
{
    *out = (vdb_stop){ .kind = VDB_STOP_INTERRUPT };
    switch (stop->reason) {
    case MHV_STOP_EXIT_PORT:
        out->kind = VDB_STOP_EXITED;
        out->exit_status = stop->exit_value;
        break;
    case MHV_STOP_HALTED:
        out->kind = VDB_STOP_EXITED;  /* hlt with nothing to wake it: mhv's status 0 */
        out->exit_status = 0;
        break;
    case MHV_STOP_RESET:
        if (target->watch.panicked) {
            /* panic=-1 reboots at once: this reset is the panic's (mhv's status 123). */
            out->kind = VDB_STOP_ERROR;
            out->exit_status = VMLAB_EXIT_GUEST_CRASHED;
            snprintf(out->detail, sizeof out->detail, "guest crashed: Linux panicked: %.200s", target->watch.panic);
            break;
        }
        out->kind = VDB_STOP_EXITED;  /* a reboot: mhv ends the run there, status 122 */
        out->exit_status = VMLAB_EXIT_GUEST_RESET;
        break;
    case MHV_STOP_CRASHED:
        out->kind = VDB_STOP_ERROR;
        out->exit_status = VMLAB_EXIT_GUEST_CRASHED;
        snprintf(out->detail, sizeof out->detail, "guest crashed: %s (info registers shows its state)",
                 stop->description);
        break;
    case MHV_STOP_TIMEOUT:
    case MHV_STOP_REQUESTED:
        out->kind = VDB_STOP_INTERRUPT;
        break;
    case MHV_STOP_DEBUG:
        if (stop->debug_event == MHV_DEBUG_STEP) {
            out->kind = VDB_STOP_STEP;
        } else if (stop->debug_event == MHV_DEBUG_BREAKPOINT) {
            out->kind = VDB_STOP_BREAKPOINT;
            out->address = breakpoint_address(target, stop->breakpoint);
        } else {
            out->kind = VDB_STOP_INTERRUPT;
            /* With int3 breakpoints KVM traps every int3, the guest's own too. */
            snprintf(out->detail, sizeof out->detail,
                     "the guest's own int3 stopped it: while int3 breakpoints are set, it cannot reach the "
                     "guest's handler (delete them, or use breakpoint-route hlt)");
        }
        break;
    }
}

static int target_resume(vdb_target *base, vdb_resume_kind kind, vdb_stop *stop, char *err, size_t err_size)
{
    struct mhv_target *target = target_of(base);
    if (kind != VDB_RESUME_CONTINUE && kind != VDB_RESUME_STEPI) {
        static const char *const names[] = {
            [VDB_RESUME_STEP] = "step", [VDB_RESUME_NEXT] = "next", [VDB_RESUME_FINISH] = "finish",
        };
        const char *name = (unsigned)kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "this";
        snprintf(err, err_size,
                 "the hypervisor target has no source lines or frames, so no %s: use stepi or continue", name);
        return -1;
    }
    if (target->ended) {
        *stop = target->end;  /* no KVM_RUN on a guest that is over */
        return 0;
    }
    struct mhv_stop mhv_stop;
    int status = kind == VDB_RESUME_STEPI ? mhv_debug_step(&target->vm, &mhv_stop, err, err_size)
                                          : mhv_debug_continue(&target->vm, &mhv_stop, err, err_size);
    if (status < 0)
        return -1;
    describe_stop(target, &mhv_stop, stop);
    if (stop->kind == VDB_STOP_EXITED || stop->kind == VDB_STOP_ERROR) {
        target->ended = true;
        target->end = *stop;
    }
    return 0;
}

static void target_interrupt(vdb_target *base)
{
    mhv_vm_request_stop(&target_of(base)->vm);
}

static size_t target_take_output(vdb_target *base, char **text)
{
    struct mhv_target *target = target_of(base);
    size_t length = target->output_length;
    if (length == 0) {
        *text = NULL;
        return 0;
    }
    target->output[length] = '\0';  /* capacity > length (the invariant) */
    *text = target->output;         /* handed over whole: the next byte starts a new buffer */
    target->output = NULL;
    target->output_length = target->output_capacity = 0;
    return length;
}

/* ==== Where it is ============================================================ */

static uint64_t target_pc(vdb_target *base)
{
    uint64_t linear = 0;
    char ignored[VDB_ERR_SIZE];
    if (mhv_debug_pc(&target_of(base)->vm, &linear, ignored, sizeof ignored) < 0)
        return 0;  /* KVM_GET_REGS failed: nothing better to show */
    return linear;
}

static void target_format_address(vdb_target *base, uint64_t address, char *out, size_t size)
{
    snprintf(out, size, "0x%" PRIx64, address);
}

static void target_status(vdb_target *base, char *out, size_t size)
{
    struct mhv_target *target = target_of(base);
    enum mhv_mode mode;
    char ignored[VDB_ERR_SIZE];
    const char *mode_name = mhv_debug_mode(&target->vm, &mode, ignored, sizeof ignored) == 0
                                ? mhv_mode_name(mode) : "?";
    char end[32] = "";
    if (target->ended && target->end.kind == VDB_STOP_EXITED)
        snprintf(end, sizeof end, " | exited %d", target->end.exit_status);
    else if (target->ended)
        snprintf(end, sizeof end, " | crashed");
    snprintf(out, size, "%s mode | %" PRIu64 " exits%s", mode_name, target->vm.stats.exits, end);
}

/* ==== Breakpoints ============================================================ */

/* Linux maps its image at __START_KERNEL_map (its first GiB of virtual
 * addresses, KERNEL_IMAGE_SIZE) onto the physical memory it was loaded at:
 * virtual = physical + __START_KERNEL_map, for a vmlinux (its ELF's p_vaddr
 * and p_paddr say so) and for a bzImage that nokaslr keeps at
 * LOAD_PHYSICAL_ADDR.  Before the kernel's own page tables are on (at the
 * first instruction, mhv's identity map covers only the low 4 GiB), an
 * address there reaches the kernel's bytes by this rule; once they are on,
 * the page tables decide (KVM_TRANSLATE). */
#define LINUX_START_KERNEL_MAP 0xffffffff80000000ull
#define LINUX_KERNEL_IMAGE_SIZE (1ull << 30)

static bool kernel_image_physical(struct mhv_target *target, uint64_t address, size_t size, uint64_t *physical)
{
    uint64_t mapped;
    char ignored[VDB_ERR_SIZE];
    if (!target->linux_guest || address < LINUX_START_KERNEL_MAP ||
        address - LINUX_START_KERNEL_MAP >= LINUX_KERNEL_IMAGE_SIZE ||
        size > LINUX_KERNEL_IMAGE_SIZE - (address - LINUX_START_KERNEL_MAP) ||
        mhv_debug_translate(&target->vm, address, &mapped, ignored, sizeof ignored) == 0)
        return false;
    *physical = address - LINUX_START_KERNEL_MAP;
    return true;
}

/* "*ADDR" or "ADDR", hex with 0x or decimal: the hypervisor has no symbols. */
static int target_resolve(vdb_target *base, const char *spec, uint64_t *address, char *err, size_t err_size)
{
    return vdb_x86_resolve("hypervisor", spec, address, err, err_size);
}

static int target_insert_breakpoint(vdb_target *base, uint64_t address, char *err, size_t err_size)
{
    struct mhv_target *target = target_of(base);
    uint64_t physical;
    if (!kernel_image_physical(target, address, 1, &physical))
        return mhv_debug_add_breakpoint(&target->vm, MHV_VIRTUAL, address, NULL, err, err_size);
    if (target->kernel_format == MHV_LINUX_BZIMAGE) {
        /* Its bytes are not there yet: the decompressor writes the kernel
         * over any patch planted now. */
        snprintf(err, err_size, "0x%" PRIx64 " is in the kernel, which a bzImage's decompressor has not "
                 "written yet (it would write over the breakpoint): boot the vmlinux (scripts/linux-kernel.sh "
                 "unpacks it), or set it once the kernel runs (interrupt it, or stop at a breakpoint first)",
                 address);
        return -1;
    }
    return mhv_debug_add_breakpoint(&target->vm, MHV_PHYSICAL, physical, NULL, err, err_size);
}

static int target_remove_breakpoint(vdb_target *base, uint64_t address, char *err, size_t err_size)
{
    struct mhv_target *target = target_of(base);
    uint64_t physical;
    if (kernel_image_physical(target, address, 1, &physical))
        return mhv_debug_remove_breakpoint(&target->vm, MHV_PHYSICAL, physical, err, err_size);
    return mhv_debug_remove_breakpoint(&target->vm, MHV_VIRTUAL, address, err, err_size);
}

/* ==== Registers ============================================================== */

enum register_source {
    FROM_REGS,       /* a 64-bit field of struct kvm_regs */
    FROM_SEGMENT,    /* the selector of a struct kvm_segment in struct kvm_sregs */
    FROM_SREGS,      /* a 64-bit field of struct kvm_sregs (control registers, EFER) */
    FROM_IDT,        /* the IDT register: its base (64 bits) or its limit (16) */
};

struct register_entry {
    vdb_register info;
    enum register_source source;
    size_t offset;   /* of the field in struct kvm_regs or kvm_sregs */
};

#define GENERAL(name) { { #name, 64, "general" }, FROM_REGS, offsetof(struct kvm_regs, name) }
#define SEGMENT(name) { { #name, 16, "segment" }, FROM_SEGMENT, offsetof(struct kvm_sregs, name) }
#define CONTROL(name) { { #name, 64, "control" }, FROM_SREGS, offsetof(struct kvm_sregs, name) }
#define IDTR(name, bits, field) { { name, bits, "control" }, FROM_IDT, offsetof(struct kvm_dtable, field) }

static const struct register_entry registers[] = {
    GENERAL(rax), GENERAL(rbx), GENERAL(rcx), GENERAL(rdx), GENERAL(rsi), GENERAL(rdi), GENERAL(rbp), GENERAL(rsp),
    GENERAL(r8), GENERAL(r9), GENERAL(r10), GENERAL(r11), GENERAL(r12), GENERAL(r13), GENERAL(r14), GENERAL(r15),
    GENERAL(rip), GENERAL(rflags),
    SEGMENT(cs), SEGMENT(ds), SEGMENT(es), SEGMENT(fs), SEGMENT(gs), SEGMENT(ss),
    CONTROL(cr0), CONTROL(cr2), CONTROL(cr3), CONTROL(cr4), CONTROL(cr8), CONTROL(efer),
    /* Where the guest's interrupt gates are: the DWARF layer's catch
     * exception reads the handlers there. */
    IDTR("idtr", 64, base), IDTR("idtr_limit", 16, limit),
};

#define REGISTER_COUNT (sizeof registers / sizeof registers[0])

static size_t target_register_count(vdb_target *base)
{
    return REGISTER_COUNT;
}

static const vdb_register *target_register_info(vdb_target *base, size_t i)
{
    return i < REGISTER_COUNT ? &registers[i].info : NULL;
}

static int check_register_index(size_t i, char *err, size_t err_size)
{
    if (i < REGISTER_COUNT)
        return 0;
    snprintf(err, err_size, "no register %zu: the hypervisor target has %zu", i, REGISTER_COUNT);
    return -1;
}

/* The fields are __u64 (unsigned long long) and uint64_t may be another
 * type of the same size: copied, never accessed through a cast pointer. */
static uint64_t field_at(const void *structure, size_t offset)
{
    uint64_t value;
    memcpy(&value, (const char *)structure + offset, sizeof value);
    return value;
}

static void set_field_at(void *structure, size_t offset, uint64_t value)
{
    memcpy((char *)structure + offset, &value, sizeof value);
}

static struct kvm_segment *segment_at(struct kvm_sregs *sregs, size_t offset)
{
    return (struct kvm_segment *)((char *)sregs + offset);
}

static int target_read_register(vdb_target *base, size_t i, uint64_t *value, char *err, size_t err_size)
{
    struct mhv_vm *vm = &target_of(base)->vm;
    if (check_register_index(i, err, err_size) < 0)
        return -1;
    const struct register_entry *entry = &registers[i];
    if (entry->source == FROM_REGS) {
        struct kvm_regs regs;
        if (mhv_debug_get_regs(vm, &regs, err, err_size) < 0)
            return -1;
        *value = field_at(&regs, entry->offset);
        return 0;
    }
    struct kvm_sregs sregs;
    if (mhv_debug_get_sregs(vm, &sregs, err, err_size) < 0)
        return -1;
    if (entry->source == FROM_IDT)
        *value = entry->offset == offsetof(struct kvm_dtable, base) ? sregs.idt.base : sregs.idt.limit;
    else
        *value = entry->source == FROM_SEGMENT ? segment_at(&sregs, entry->offset)->selector
                                               : field_at(&sregs, entry->offset);
    return 0;
}

static int target_write_register(vdb_target *base, size_t i, uint64_t value, char *err, size_t err_size)
{
    struct mhv_vm *vm = &target_of(base)->vm;
    if (check_register_index(i, err, err_size) < 0)
        return -1;
    const struct register_entry *entry = &registers[i];
    char why[VDB_ERR_SIZE];
    if (entry->source == FROM_REGS) {
        struct kvm_regs regs;
        if (mhv_debug_get_regs(vm, &regs, why, sizeof why) < 0)
            goto failed;
        set_field_at(&regs, entry->offset, value);
        if (mhv_debug_set_regs(vm, &regs, why, sizeof why) < 0)
            goto failed;
        return 0;
    }
    struct kvm_sregs sregs;
    if (mhv_debug_get_sregs(vm, &sregs, why, sizeof why) < 0)
        goto failed;
    if (entry->source == FROM_SEGMENT) {
        if (value > 0xFFFF) {
            snprintf(err, err_size, "%s: a selector has 16 bits, 0x%" PRIx64 " does not fit", entry->info.name, value);
            return -1;
        }
        /* In real mode a selector is the whole story (base = selector * 16,
         * as a mov to the register does).  Elsewhere it names a descriptor
         * whose base, limit and rights the CPU loads from the GDT: setting
         * the selector alone would show a state the CPU is not in. */
        if (sregs.cr0 & 1) {
            snprintf(err, err_size, "%s: vdb sets segment selectors in real mode only (with CR0.PE set, "
                     "a selector loads a descriptor from the GDT)", entry->info.name);
            return -1;
        }
        struct kvm_segment *segment = segment_at(&sregs, entry->offset);
        segment->selector = (uint16_t)value;
        segment->base = value << 4;
    } else if (entry->source == FROM_IDT) {
        if (entry->offset == offsetof(struct kvm_dtable, limit) && value > 0xFFFF) {
            snprintf(err, err_size, "idtr_limit: a limit has 16 bits, 0x%" PRIx64 " does not fit", value);
            return -1;
        }
        if (entry->offset == offsetof(struct kvm_dtable, base))
            sregs.idt.base = value;
        else
            sregs.idt.limit = (uint16_t)value;
    } else {
        set_field_at(&sregs, entry->offset, value);
    }
    if (mhv_debug_set_sregs(vm, &sregs, why, sizeof why) < 0)
        goto failed;
    return 0;

failed:
    snprintf(err, err_size, "%s: %s", entry->info.name, why);
    return -1;
}

/* ==== Memory ================================================================= */

static const char *const memory_spaces[] = { "virt", "phys", NULL };

static int address_space_of(int space, enum mhv_address_space *out, char *err, size_t err_size)
{
    if (space == 0 || space == 1) {
        *out = space == 0 ? MHV_VIRTUAL : MHV_PHYSICAL;
        return 0;
    }
    snprintf(err, err_size, "no memory space %d: the hypervisor target has virt (0) and phys (1)", space);
    return -1;
}

static int target_read_memory(vdb_target *base, int space, uint64_t address, void *buffer, size_t size,
                              char *err, size_t err_size)
{
    enum mhv_address_space mhv_space;
    uint64_t physical;
    if (address_space_of(space, &mhv_space, err, err_size) < 0)
        return -1;
    if (mhv_space == MHV_VIRTUAL && kernel_image_physical(target_of(base), address, size, &physical))
        return mhv_debug_read(&target_of(base)->vm, MHV_PHYSICAL, physical, buffer, size, err, err_size);
    return mhv_debug_read(&target_of(base)->vm, mhv_space, address, buffer, size, err, err_size);
}

static int target_write_memory(vdb_target *base, int space, uint64_t address, const void *buffer, size_t size,
                               char *err, size_t err_size)
{
    enum mhv_address_space mhv_space;
    uint64_t physical;
    if (address_space_of(space, &mhv_space, err, err_size) < 0)
        return -1;
    if (mhv_space == MHV_VIRTUAL && kernel_image_physical(target_of(base), address, size, &physical))
        return mhv_debug_write(&target_of(base)->vm, MHV_PHYSICAL, physical, buffer, size, err, err_size);
    return mhv_debug_write(&target_of(base)->vm, mhv_space, address, buffer, size, err, err_size);
}

/* ==== Code =================================================================== */

/* The code size the CPU decodes in now, in bits, as the CPU decides it:
 * CS.L in long mode (a 64-bit guest may run 32-bit compatibility code),
 * else CS.D. */
static int code_size_of(struct mhv_vm *vm, unsigned *bits, char *err, size_t err_size)
{
    struct kvm_sregs sregs;
    if (mhv_debug_get_sregs(vm, &sregs, err, err_size) < 0)
        return -1;
    *bits = (sregs.efer & EFER_LMA) && sregs.cs.l ? 64 : sregs.cs.db ? 32 : 16;
    return 0;
}

/* Up to VDB_X86_MAX_INSTRUCTION bytes at address: fewer where the end of RAM or an
 * unmapped page comes sooner; -1 (err from mhv) when not even one byte
 * can be read. */
static int read_code(struct mhv_target *target, uint64_t address, uint8_t *bytes, size_t *count, char *err, size_t err_size)
{
    for (size_t size = VDB_X86_MAX_INSTRUCTION; size > 0; size--) {
        if (target_read_memory(&target->base, 0, address, bytes, size, err, err_size) == 0) {
            *count = size;
            return 0;
        }
    }
    return -1;
}

static int target_disassemble(vdb_target *base, uint64_t address, char *text, size_t size, uint64_t *next,
                              char *err, size_t err_size)
{
    struct mhv_target *target = target_of(base);
    unsigned bits;
    uint8_t bytes[VDB_X86_MAX_INSTRUCTION];
    size_t count;
    if (code_size_of(&target->vm, &bits, err, err_size) < 0 ||
        read_code(target, address, bytes, &count, err, err_size) < 0)
        return -1;
    return vdb_x86_disassemble(&target->disassembler, bits, bytes, count, address, text, size, next, err, err_size);
}

static bool target_source_line(vdb_target *base, uint64_t address, const char **file, uint32_t *line)
{
    return false;  /* a guest image has no source lines here */
}

static bool target_function_bounds(vdb_target *base, uint64_t address, uint64_t *start, uint64_t *end)
{
    return false;  /* ... and no functions */
}

/* ==== Options and facts ====================================================== */

static int target_set_option(vdb_target *base, const char *name, const char *value, char *err, size_t err_size)
{
    if (strcmp(name, "breakpoint-route") != 0) {
        snprintf(err, err_size, "no option '%s' for the hypervisor target (it has breakpoint-route)", name);
        return -1;
    }
    enum mhv_breakpoint_route route;
    if (strcmp(value, "int3") == 0) {
        route = MHV_BREAKPOINT_INT3;
    } else if (strcmp(value, "hlt") == 0) {
        route = MHV_BREAKPOINT_HLT;
    } else {
        snprintf(err, err_size, "breakpoint-route: expected int3 or hlt, not '%s'", value);
        return -1;
    }
    /* mhv's refusals name the route already ("int3 breakpoints do not work
     * on this KVM: <what the probe saw>", "cannot change the breakpoint
     * route while ..."), and the probe's evidence needs the room. */
    return mhv_debug_set_route(&target_of(base)->vm, route, err, err_size);
}

static void info_exits(struct mhv_target *target, FILE *out)
{
    const struct mhv_stats *stats = &target->vm.stats;
    for (unsigned reason = 0; reason < MHV_EXIT_REASON_SLOTS; reason++)
        if (stats->by_reason[reason] != 0)
            fprintf(out, "  %-20s %12" PRIu64 "\n", mhv_exit_reason_name(reason), stats->by_reason[reason]);
    fprintf(out, "  %-20s %12" PRIu64 "\n", "total", stats->exits);
    fprintf(out, "  %-20s %12" PRIu64 "\n", "interrupts injected", stats->interrupts_injected);
}

/* The mode, and in long mode the sub-mode the code segment picks: with
 * EFER.LMA set, CS.L = 1 is 64-bit mode, CS.L = 0 compatibility mode
 * (32-bit code if CS.D, else 16-bit), as at lab 6's paging_on, before the
 * far jump to a 64-bit code segment. */
static int info_mode(struct mhv_target *target, FILE *out, char *err, size_t err_size)
{
    enum mhv_mode mode;
    struct kvm_sregs sregs;
    if (mhv_debug_mode(&target->vm, &mode, err, err_size) < 0 ||
        mhv_debug_get_sregs(&target->vm, &sregs, err, err_size) < 0)
        return -1;
    static const char *const bits[] = {
        [MHV_MODE_REAL] = "16-bit", [MHV_MODE_PROTECTED] = "32-bit", [MHV_MODE_LONG] = "64-bit",
    };
    if (mode == MHV_MODE_LONG && !sregs.cs.l)
        fprintf(out, "compatibility mode (%s code under long mode: EFER.LMA=1, CS.L=0)\n",
                sregs.cs.db ? "32-bit" : "16-bit");
    else
        fprintf(out, "%s mode (%s)\n", mhv_mode_name(mode), bits[mode]);
    return 0;
}

static const char *const info_topics[] = { "exits", "mode", NULL };

static int target_info(vdb_target *base, const char *topic, char **text, char *err, size_t err_size)
{
    struct mhv_target *target = target_of(base);
    bool exits = strcmp(topic, "exits") == 0, mode = strcmp(topic, "mode") == 0;
    if (!exits && !mode) {
        snprintf(err, err_size, "no info %s for the hypervisor target (it has info exits and info mode)", topic);
        return -1;
    }
    size_t length;
    FILE *out = open_memstream(text, &length);
    if (!out) {
        snprintf(err, err_size, "info %s: out of memory", topic);
        return -1;
    }
    int status = 0;
    if (exits)
        info_exits(target, out);
    else
        status = info_mode(target, out, err, err_size);
    if (fclose(out) != 0 && status == 0) {
        snprintf(err, err_size, "info %s: out of memory", topic);
        status = -1;
    }
    if (status < 0) {
        free(*text);
        *text = NULL;
    }
    return status;
}

/* ==== The table ============================================================== */

static const vdb_target_ops mhv_target_ops = {
    .name = "mhv",
    .caps = VDB_CAP_EXITS | VDB_CAP_CPU_MODE | VDB_CAP_RESTART,
    VDB_TARGET_CORE_OPS(target),
    .spaces = memory_spaces,
    .set_option = target_set_option,
    .info = target_info,
    .info_topics = info_topics,
    /* No frames or variables (no VDB_CAP_FRAMES, VDB_CAP_VARIABLES), no
     * JIT, no symbols: frame_count ... assign, native_code and symbol are
     * NULL. */
};
