/*
 * machine.h -- one KVM virtual machine (struct mhv_vm): guest RAM, one
 * vCPU, the devices on its buses (machine.c), and the run loop that turns
 * KVM exits into device I/O, injected interrupts, or an end (run.c).
 *
 * Lifecycle:  mhv_vm_create -> mhv_image_load (image.h) -> mhv_vm_run
 *             (as often as wanted: a debugger runs, stops, runs again)
 *             -> mhv_vm_destroy.
 *
 * The layer above (debug/) steps with mhv_vm_run_step and has a say in two
 * exits through struct mhv_run_hooks; the machine and the run loop know
 * nothing else of it.
 *
 * Invariants:
 *   - Guest RAM is one memory slot at guest physical 0, ram_size bytes,
 *     mapped at vm->ram here (MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE:
 *     pages cost host memory only once touched).  Everything else in the
 *     guest's physical address space is either a device on the MMIO bus or
 *     nothing, and an access to nothing crashes the guest: a guest can
 *     never reach memory of this process outside its RAM.
 *   - vm->run is the vCPU's struct kvm_run, valid while vcpu_fd is open.
 *   - Every fd is -1 and every pointer NULL when not set up, so
 *     mhv_vm_destroy is safe at any point after mhv_vm_create returned.
 *   - One mhv_vm is driven by one thread at a time (its vCPU thread);
 *     separate mhv_vms share nothing, so several run at once in one
 *     process, each on its own thread.
 *   - A run is never re-entered (vm->running), and while a step runs
 *     (vm->stepping) no interrupt is injected: MHV_ASSERT checks both.
 *   - Nothing here prints or exits.  Errors return -1 with one line in err.
 *
 * KVM runs without its in-kernel irqchip: the PIC, the PIT and the UART
 * are modelled here (dev_*.c), and interrupts are injected with
 * KVM_INTERRUPT.  That keeps every interrupt visible to a student reading
 * the run loop, and it keeps `hlt` an exit, so mhv can tell a guest that
 * waits for a tick from one that halted for good (status 0).
 */
#ifndef MHV_MACHINE_H
#define MHV_MACHINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "bus.h"
#include "dev_acpi_pm.h"
#include "dev_console.h"
#include "dev_exit.h"
#include "dev_i8042.h"
#include "dev_info.h"
#include "dev_pic.h"
#include "dev_pit.h"
#include "dev_rtc.h"
#include "dev_uart.h"
#include "dev_virtio_blk.h"
#include "kvm.h"
#include "memlayout.h"

#define MHV_DEFAULT_MEM_MIB 16

enum mhv_mode { MHV_MODE_REAL, MHV_MODE_PROTECTED, MHV_MODE_LONG };

/* KVM_EXIT_* reasons counted one by one; higher ones share the last slot. */
#define MHV_EXIT_REASON_SLOTS 48

struct mhv_stats {
    uint64_t exits;                                  /* every return from KVM_RUN */
    uint64_t by_reason[MHV_EXIT_REASON_SLOTS];       /* ... per KVM_EXIT_* */
    uint64_t handling_ns[MHV_EXIT_REASON_SLOTS];     /* time in mhv handling them */
    uint64_t guest_ns;                               /* time inside KVM_RUN */
    uint64_t interrupts_injected;                    /* KVM_INTERRUPT calls */
    uint64_t halt_wait_ns;                           /* time waiting for a tick at hlt */
    uint64_t first_output_ns;                        /* first console byte, since create (0: none) */
};

struct mhv_vm_config {
    size_t ram_size;                                 /* bytes, a multiple of 4 KiB */
    void (*output)(void *context, uint8_t byte);     /* the console: 0xE9 and the UART */
    void *output_context;
    int input_fd;                                    /* UART input (non-blocking reads); -1: none */
    /* Sees each chunk read from input_fd before the UART does, and may
     * rewrite it in place (an escape key of the console): returns how many
     * bytes of it the guest gets.  NULL: all of them. */
    size_t (*input_filter)(void *context, uint8_t *bytes, size_t count);
    void *input_filter_context;
};

struct mhv_vm {
    struct mhv_kvm kvm;
    int vm_fd;
    int vcpu_fd;
    uint8_t *ram;                 /* guest physical 0 .. ram_size-1 */
    size_t ram_size;
    struct kvm_run *run;          /* mmap of vcpu_fd, kvm.vcpu_mmap_size bytes */
    enum mhv_mode mode;           /* the mode the image was started in */

    /* Devices and the buses they sit on (attached in mhv_vm_create). */
    struct mhv_bus ports, mmio;
    struct mhv_pic pic;
    struct mhv_pit pit;
    struct mhv_uart uart;
    struct mhv_rtc rtc;
    struct mhv_i8042 i8042;
    struct mhv_acpi_pm acpi_pm;
    /* The disks (mhv_vm_add_disk): disks[i] behind virtio[i]. */
    struct mhv_virtio_blk disks[MHV_VIRTIO_MAX];
    struct mhv_virtio_mmio virtio[MHV_VIRTIO_MAX];
    size_t disk_count;
    struct mhv_console_port console;
    struct mhv_exit_port exit_port;
    struct mhv_info_device info;

    void (*output)(void *context, uint8_t byte);
    void *output_context;
    int input_fd;                 /* -1 once it reached end of file */
    size_t (*input_filter)(void *context, uint8_t *bytes, size_t count);
    void *input_filter_context;

    /* Run control: the clock, the timeout, the signal that kicks the vCPU
     * out of KVM_RUN when a timer deadline passes. */
    uint64_t created_ns;          /* host monotonic time at creation */
    uint64_t deadline_ns;         /* --timeout: when the guest is stopped (0: never) */
    timer_t kick_timer;
    int kick_timer_created;
    uint64_t kick_armed_for;      /* the deadline kick_timer is set to (0: none) */
    uint64_t next_input_poll_ns;  /* when the run loop next looks at input_fd (run.c) */
    volatile sig_atomic_t stop_requested; /* mhv_vm_request_stop() */
    volatile pid_t vcpu_tid;      /* the thread inside mhv_vm_run (0: none) */

    struct mhv_stats stats;

    /* The run loop's own state: running while inside mhv_vm_run or
     * mhv_vm_run_step (a run is never re-entered); stepping for the length
     * of one mhv_vm_run_step, during which no interrupt is injected. */
    int running;
    int stepping;

    /* The layer above the run loop (debug/): its hooks and their state,
     * NULL until it installs them (mhv_vm_set_run_hooks); mhv_vm_destroy
     * hands the state to hooks->release. */
    const struct mhv_run_hooks *hooks;
    void *hook_state;
};

/* Why mhv_vm_run returned. */
enum mhv_stop_reason {
    MHV_STOP_EXIT_PORT, /* the guest wrote exit_value to port 0xF4 */
    MHV_STOP_HALTED,    /* hlt with nothing left that could wake it */
    MHV_STOP_CRASHED,   /* shutdown (triple fault), failed entry, unhandled exit */
    MHV_STOP_TIMEOUT,   /* the deadline passed (mhv_vm_set_timeout) */
    MHV_STOP_REQUESTED, /* mhv_vm_request_stop() from another thread or a signal */
    MHV_STOP_DEBUG,     /* a single step or breakpoint (debug.h), or KVM_EXIT_DEBUG */
    MHV_STOP_RESET,     /* the guest pulsed the reset line (the i8042's, as Linux's reboot does) */
};

/* What a MHV_STOP_DEBUG stop was (debug.h). */
enum mhv_debug_event {
    MHV_DEBUG_STEP,        /* a single step completed */
    MHV_DEBUG_BREAKPOINT,  /* a planted breakpoint was reached; RIP is on it */
    MHV_DEBUG_GUEST_TRAP,  /* a debug exit no breakpoint explains: the guest's own int3 */
};

struct mhv_stop {
    enum mhv_stop_reason reason;
    uint8_t exit_value;     /* MHV_STOP_EXIT_PORT only */
    uint32_t exit_reason;   /* the KVM_EXIT_* that ended the run */
    char description[200];  /* MHV_STOP_CRASHED: what happened, in words */
    enum mhv_debug_event debug_event;  /* MHV_STOP_DEBUG only */
    uint64_t breakpoint;    /* MHV_DEBUG_BREAKPOINT: its guest physical address */
    /* MHV_STOP_CRASHED by KVM_EXIT_INTERNAL_ERROR (crash.h): the bytes at
     * the guest's RIP (what KVM's emulator fetched, else what RAM holds
     * there; code_size 0: none could be read), for a disassembler to name,
     * and the likely cause in words ("" when mhv cannot tell). */
    uint8_t code[15];
    uint8_t code_size;
    int code_bits;          /* 16, 32 or 64: how the CPU decodes them */
    uint64_t code_address;  /* the linear address of code[0] */
    char cause[480];
};

/* The run loop's hooks for the layer above it (debug/debug.c installs
 * them at its first call).  All three are set; each gets the state it was
 * installed with. */
struct mhv_run_hooks {
    /* KVM_EXIT_HLT, RIP after the hlt: returns 1 when the hlt is the
     * layer's own (a planted breakpoint) -- it has moved RIP and filled in
     * *stop, and the run ends --, 0 when it is the guest's, which the loop
     * then handles as it always does. */
    int (*hlt)(struct mhv_vm *vm, void *state, struct mhv_stop *stop);
    /* KVM_EXIT_DEBUG, stop->reason already MHV_STOP_DEBUG: fills in
     * stop->debug_event (and stop->breakpoint).  Without hooks, a debug
     * exit reads as MHV_DEBUG_STEP. */
    void (*debug_exit)(struct mhv_vm *vm, void *state, struct mhv_stop *stop);
    /* mhv_vm_destroy: frees the state. */
    void (*release)(void *state);
};

/* Opens KVM, creates the VM with its RAM, one vCPU (CPUID from
 * KVM_GET_SUPPORTED_CPUID), and attaches the devices. */
int mhv_vm_create(struct mhv_vm *vm, const struct mhv_vm_config *config, char *err, size_t err_size);

void mhv_vm_destroy(struct mhv_vm *vm);

/* Puts an opened disk (dev_virtio_blk.h) behind the next virtio-mmio
 * device (memlayout.h: its address and IRQ, returned in *base and *irq
 * for the guest's ACPI tables).  The VM owns the disk from here on, and
 * closes it in mhv_vm_destroy.  Returns 0, or -1 when MHV_VIRTIO_MAX
 * disks are there already (the disk is then closed). */
int mhv_vm_add_disk(struct mhv_vm *vm, struct mhv_virtio_blk_disk disk, uint64_t *base, unsigned *irq,
                    char *err, size_t err_size);

/* The guest is stopped (MHV_STOP_TIMEOUT) once seconds have passed from
 * now.  0 removes the limit. */
void mhv_vm_set_timeout(struct mhv_vm *vm, double seconds);

/* Asks a running mhv_vm_run to return MHV_STOP_REQUESTED soon (within one
 * exit).  Safe from any thread and from a signal handler. */
void mhv_vm_request_stop(struct mhv_vm *vm);

/* Runs the vCPU until the guest stops; returns 0 with *stop filled in, or
 * -1 when KVM itself failed (err says which ioctl).  On return the
 * registers are consistent: an instruction that exited to mhv is finished
 * (RIP past it) -- the `out` of MHV_STOP_EXIT_PORT too (a string `outs`
 * stays on its instruction) --, unless the guest crashed on it (the bad
 * access of MHV_STOP_CRASHED: RIP stays on it). */
int mhv_vm_run(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size);

/* One single step, for a caller that has armed KVM_GUESTDBG_SINGLESTEP
 * (debug.h; over a hlt it need not: the hlt's exit ends the step): runs as
 * mhv_vm_run, except that no interrupt is injected (one
 * that comes due stays pending in the PIC for the next run), an instruction
 * that did port or MMIO I/O ends the step once finished (whether or not KVM
 * reports the trap: its emulator does not after an `out`), and a hlt with
 * interrupts on ends the step, after the hlt, once an interrupt is due --
 * KVM reports the hlt instead of the step. */
int mhv_vm_run_step(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size);

/* Installs the hooks of the layer above the run loop, with their state
 * (once: the layer's state lives as long as the VM). */
void mhv_vm_set_run_hooks(struct mhv_vm *vm, const struct mhv_run_hooks *hooks, void *state);

/* The name of a KVM_EXIT_* reason ("IO", "HLT", ...). */
const char *mhv_exit_reason_name(uint32_t exit_reason);

/* Host monotonic time in ns (the clock of the devices and the stats). */
uint64_t mhv_now_ns(void);

#endif
