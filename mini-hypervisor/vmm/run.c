/*
 * run.c -- the run loop: KVM_RUN, then one switch on why the guest exited.
 *
 *   for (;;) {
 *       deliver what is due: timer ticks, an interrupt the PIC has pending
 *       KVM_RUN                      the guest runs until it needs mhv
 *       switch (run->exit_reason)    port I/O, MMIO, hlt, or the end
 *   }
 *
 * Time.  The PIT and --timeout have deadlines in host time.  One POSIX
 * timer per run, aimed at the nearest deadline, sends MHV_KICK_SIGNAL to
 * this thread; the handler sets run->immediate_exit, so KVM_RUN returns
 * EINTR whether the signal came during the guest's run or just before
 * KVM_RUN was entered (the race immediate_exit exists for).  The loop then
 * delivers the tick or ends the run.  The timer is per-thread and per-VM,
 * so several VMs run in one process, each on its own thread.
 *
 * Interrupts.  With no in-kernel irqchip, KVM tells us after every exit
 * whether the guest can take an interrupt now (ready_for_interrupt_injection
 * and if_flag).  If it can, the PIC's vector goes in with KVM_INTERRUPT;
 * if not, request_interrupt_window makes KVM exit (IRQ_WINDOW_OPEN) as
 * soon as it can.
 *
 * Halting.  hlt exits to us.  With interrupts off, or no device able to
 * raise an unmasked interrupt, nothing can ever wake the guest: the run
 * ends (MHV_STOP_HALTED).  Otherwise we sleep until the next tick, input
 * on stdin for the UART, or the timeout, and inject what woke us.
 *
 * Above the loop.  The loop knows nothing of the debugger (debug/), which
 * uses it in two ways.  It steps with mhv_vm_run_step: while that single
 * step is under way (vm->stepping) no interrupt is injected, so a step
 * never lands in a handler, and a step whose instruction did I/O ends once
 * that instruction is finished (step_did_io: KVM's instruction emulator
 * raises no trap after an `out`).  And it installs two hooks (machine.h):
 * a hlt may be a breakpoint it planted (its hlt route), and it explains
 * KVM_EXIT_DEBUG (a step done, or an int3 breakpoint).
 *
 * Finishing.  KVM completes an instruction that exited to mhv only at the
 * next KVM_RUN; where the run ends there (the exit port, a timeout, a stop
 * request, a step over I/O) one KVM_RUN with immediate_exit completes it
 * without running the guest, so the registers read next are consistent,
 * and the same whether the CPU or KVM's emulator ran it.  A
 * KVM_EXIT_INTERNAL_ERROR is explained by crash.c.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "crash.h"
#include "machine.h"
#include "mhv_assert.h"

#define MHV_KICK_SIGNAL SIGRTMIN

/* The VM this thread is running: what the kick handler pokes. */
static __thread struct mhv_vm *volatile running_vm;

static void kick_handler(int signal_number)
{
    struct mhv_vm *vm = running_vm;
    if (vm && vm->run)
        vm->run->immediate_exit = 1;
}

static pthread_once_t kick_handler_once = PTHREAD_ONCE_INIT;
static int kick_handler_status;

static void install_kick_handler(void)
{
    /* SA_RESTART: a kick that lands while mhv writes the guest's output to a
     * slow terminal must not fail that write (EINTR would lose the line).
     * KVM_RUN and ppoll are never restarted: they return EINTR regardless,
     * which is what the loop wants from them. */
    struct sigaction action = { .sa_handler = kick_handler, .sa_flags = SA_RESTART };
    sigemptyset(&action.sa_mask);
    kick_handler_status = sigaction(MHV_KICK_SIGNAL, &action, NULL);
}

/* Makes the kick signal work on this thread for this VM. */
static int start_kicks(struct mhv_vm *vm, char *err, size_t err_size)
{
    pthread_once(&kick_handler_once, install_kick_handler);
    if (kick_handler_status < 0) {
        snprintf(err, err_size, "cannot install the vCPU kick signal handler: %s", strerror(errno));
        return -1;
    }
    sigset_t kick;
    sigemptyset(&kick);
    sigaddset(&kick, MHV_KICK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

    struct sigevent event = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = MHV_KICK_SIGNAL };
    event._sigev_un._tid = gettid();
    if (timer_create(CLOCK_MONOTONIC, &event, &vm->kick_timer) < 0) {
        snprintf(err, err_size, "timer_create: %s", strerror(errno));
        return -1;
    }
    vm->kick_timer_created = 1;
    vm->kick_armed_for = 0;
    vm->vcpu_tid = gettid();
    running_vm = vm;
    return 0;
}

static void stop_kicks(struct mhv_vm *vm)
{
    running_vm = NULL;
    vm->vcpu_tid = 0;
    if (vm->kick_timer_created)
        timer_delete(vm->kick_timer);
    vm->kick_timer_created = 0;
}

void mhv_vm_request_stop(struct mhv_vm *vm)
{
    vm->stop_requested = 1;
    pid_t tid = vm->vcpu_tid;
    if (tid != 0)
        tgkill(getpid(), tid, MHV_KICK_SIGNAL);
}

/* The nearest host time at which the loop has something to do. */
static uint64_t next_deadline(const struct mhv_vm *vm)
{
    uint64_t deadline = mhv_pit_next_deadline(&vm->pit);
    if (vm->deadline_ns != 0 && vm->deadline_ns < deadline)
        deadline = vm->deadline_ns;
    return deadline;
}

/* Aims the kick timer at deadline (UINT64_MAX: disarm), if it moved. */
static void aim_kick_timer(struct mhv_vm *vm, uint64_t deadline)
{
    if (deadline == vm->kick_armed_for)
        return;
    struct itimerspec when = { 0 };
    if (deadline != UINT64_MAX) {
        when.it_value.tv_sec = (time_t)(deadline / 1000000000u);
        when.it_value.tv_nsec = (long)(deadline % 1000000000u);
    }
    timer_settime(vm->kick_timer, TIMER_ABSTIME, &when, NULL);
    vm->kick_armed_for = deadline;
}

/* Gives the guest the PIC's pending interrupt, or asks KVM to exit when
 * the guest can take one. */
static int deliver_interrupt(struct mhv_vm *vm, char *err, size_t err_size)
{
    struct kvm_run *run = vm->run;
    if (mhv_pic_pending_vector(&vm->pic) < 0 || vm->stepping) {
        run->request_interrupt_window = 0;  /* a step holds interrupts (debug.h) */
        return 0;
    }
    if (!run->ready_for_interrupt_injection || !run->if_flag) {
        run->request_interrupt_window = 1;
        return 0;
    }
    MHV_ASSERT(!vm->stepping);  /* a step holds every interrupt */
    struct kvm_interrupt interrupt = { .irq = (uint32_t)mhv_pic_acknowledge(&vm->pic) };
    if (ioctl(vm->vcpu_fd, KVM_INTERRUPT, &interrupt) < 0) {
        snprintf(err, err_size, "KVM_INTERRUPT (vector %u): %s", interrupt.irq, strerror(errno));
        return -1;
    }
    vm->stats.interrupts_injected++;
    run->request_interrupt_window = mhv_pic_pending_vector(&vm->pic) >= 0;
    return 0;
}

static int line_unmasked(const struct mhv_vm *vm, unsigned irq)
{
    return !(vm->pic.imr & (1u << irq));
}

/* Could any device still raise an interrupt the guest would take? */
static int something_can_wake(const struct mhv_vm *vm)
{
    if (mhv_pic_pending_vector(&vm->pic) >= 0)
        return 1;
    if (vm->pit.armed && line_unmasked(vm, MHV_IRQ_TIMER))
        return 1;
    /* A disk answers at once (at the driver's notify), so a guest that
     * waits for one is never waiting on mhv. */
    return vm->input_fd >= 0 && mhv_uart_wants_rx_interrupt(&vm->uart) && line_unmasked(vm, MHV_IRQ_UART);
}

/* Does the guest want input now: it listens with the receive interrupt
 * and holds RTS with room in the FIFO (dev_uart.h)? */
static int input_wanted(const struct mhv_vm *vm)
{
    return vm->input_fd >= 0 && mhv_uart_wants_rx_interrupt(&vm->uart) && mhv_uart_rx_room(&vm->uart) > 0;
}

/* Moves what the input has now (no waiting) into the UART. */
static void take_input(struct mhv_vm *vm)
{
    uint8_t buffer[MHV_UART_RX_FIFO];
    size_t got = vm->uart.input(vm->uart.context, buffer, mhv_uart_rx_room(&vm->uart));
    mhv_uart_receive(&vm->uart, buffer, got);
}

/* A guest that never halts (a busy loop, a long computation) still gets
 * its input: the loop looks every MHV_INPUT_POLL_NS, which costs one
 * poll() per look. */
#define MHV_INPUT_POLL_NS 10000000u

static void poll_input(struct mhv_vm *vm, uint64_t now)
{
    if (now < vm->next_input_poll_ns || !input_wanted(vm))
        return;
    vm->next_input_poll_ns = now + MHV_INPUT_POLL_NS;
    take_input(vm);
}

enum halt_outcome { HALT_WOKEN, HALT_FOREVER };

/* The guest executed hlt with interrupts on: sleep until an interrupt is
 * pending (or the loop has something else to do), or say it never will. */
static enum halt_outcome wait_while_halted(struct mhv_vm *vm)
{
    uint64_t started = mhv_now_ns();
    fflush(stdout);  /* the guest may wait a long time: show what it printed */
    for (;;) {
        uint64_t now = mhv_now_ns();
        mhv_pit_update(&vm->pit, now);
        if (mhv_pic_pending_vector(&vm->pic) >= 0 || vm->stop_requested ||
            (vm->deadline_ns != 0 && now >= vm->deadline_ns))
            break;
        if (!something_can_wake(vm)) {
            vm->stats.halt_wait_ns += mhv_now_ns() - started;
            return HALT_FOREVER;
        }

        uint64_t deadline = next_deadline(vm);
        struct timespec timeout, *timeout_pointer = NULL;
        if (deadline != UINT64_MAX) {
            uint64_t wait = deadline > now ? deadline - now : 0;
            timeout = (struct timespec){ .tv_sec = (time_t)(wait / 1000000000u), .tv_nsec = (long)(wait % 1000000000u) };
            timeout_pointer = &timeout;
        }
        struct pollfd input = { .fd = vm->input_fd, .events = POLLIN };
        int watch_input = input_wanted(vm);
        int ready = ppoll(&input, watch_input ? 1 : 0, timeout_pointer, NULL);
        if (ready > 0 && watch_input)
            take_input(vm);
    }
    vm->stats.halt_wait_ns += mhv_now_ns() - started;
    return HALT_WOKEN;
}

/* The guest cannot go on: a crash, described in words. */
static void crashed(struct mhv_stop *stop, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void crashed(struct mhv_stop *stop, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    stop->reason = MHV_STOP_CRASHED;
    vsnprintf(stop->description, sizeof stop->description, format, args);
    va_end(args);
}

enum exit_outcome { GUEST_GOES_ON, GUEST_STOPPED };

/* KVM_EXIT_IO: `count` accesses of `size` bytes each (count > 1 for rep
 * ins/outs), their data at data_offset in the kvm_run page. */
static enum exit_outcome handle_io(struct mhv_vm *vm, struct mhv_stop *stop)
{
    struct kvm_run *run = vm->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    unsigned size = run->io.size;
    /* KVM's promise (api.rst): 1, 2 or 4 bytes, count of them, inside the page. */
    MHV_ASSERT((size == 1 || size == 2 || size == 4) &&
               run->io.data_offset + (uint64_t)run->io.count * size <= vm->kvm.vcpu_mmap_size);

    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            uint64_t value = 0;
            memcpy(&value, data, size);  /* x86 is little-endian, like the guest */
            enum mhv_bus_result result;
            mhv_bus_write(&vm->ports, run->io.port, size, value, &result);
            if (result == MHV_BUS_STOP) {
                stop->reason = MHV_STOP_EXIT_PORT;
                stop->exit_value = vm->exit_port.value;
                return GUEST_STOPPED;
            }
            if (result == MHV_BUS_RESET) {
                stop->reason = MHV_STOP_RESET;  /* mhv does not restart a guest (QEMU's -no-reboot) */
                return GUEST_STOPPED;
            }
        } else {
            uint64_t value = ~0ull;  /* no device: the bus floats high */
            mhv_bus_read(&vm->ports, run->io.port, size, &value);
            memcpy(data, &value, size);
        }
    }
    return GUEST_GOES_ON;
}

/* KVM_EXIT_MMIO: an access to guest physical memory that is not RAM. */
static enum exit_outcome handle_mmio(struct mhv_vm *vm, struct mhv_stop *stop)
{
    struct kvm_run *run = vm->run;
    uint64_t address = run->mmio.phys_addr;
    unsigned size = run->mmio.len <= 8 ? run->mmio.len : 8;
    struct mhv_bus_range *device;

    if (run->mmio.is_write) {
        uint64_t value = 0;
        memcpy(&value, run->mmio.data, size);
        enum mhv_bus_result result;
        device = mhv_bus_write(&vm->mmio, address, size, value, &result);
    } else {
        uint64_t value = 0;
        device = mhv_bus_read(&vm->mmio, address, size, &value);
        memcpy(run->mmio.data, &value, size);
    }
    if (!device) {
        crashed(stop, "the guest %s %u bytes at physical 0x%llx, which is neither RAM (0..0x%llx) nor a device",
                 run->mmio.is_write ? "wrote" : "read", run->mmio.len, (unsigned long long)address,
                 (unsigned long long)vm->ram_size - 1);
        return GUEST_STOPPED;
    }
    return GUEST_GOES_ON;
}

static enum exit_outcome handle_exit(struct mhv_vm *vm, struct mhv_stop *stop)
{
    struct kvm_run *run = vm->run;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        return handle_io(vm, stop);
    case KVM_EXIT_MMIO:
        return handle_mmio(vm, stop);
    case KVM_EXIT_IRQ_WINDOW_OPEN:
        return GUEST_GOES_ON;  /* the loop injects at its top */
    case KVM_EXIT_HLT:
        if (vm->hooks && vm->hooks->hlt(vm, vm->hook_state, stop))
            return GUEST_STOPPED;  /* a breakpoint (debug.c, hlt route): RIP is back on it */
        if (!run->if_flag || wait_while_halted(vm) == HALT_FOREVER) {
            stop->reason = MHV_STOP_HALTED;
            return GUEST_STOPPED;
        }
        /* A step over hlt: KVM reports the hlt instead of the step (Linux
         * lets the hlt exit replace the debug exit), so the step ends here,
         * after the hlt, once an interrupt is due -- held for the next run. */
        if (vm->stepping && mhv_pic_pending_vector(&vm->pic) >= 0) {
            stop->reason = MHV_STOP_DEBUG;
            stop->debug_event = MHV_DEBUG_STEP;
            return GUEST_STOPPED;
        }
        return GUEST_GOES_ON;
    case KVM_EXIT_DEBUG:
        stop->reason = MHV_STOP_DEBUG;
        if (vm->hooks)
            vm->hooks->debug_exit(vm, vm->hook_state, stop);
        return GUEST_STOPPED;
    case KVM_EXIT_SHUTDOWN:
        crashed(stop, "the guest shut down (triple fault)");
        return GUEST_STOPPED;
    case KVM_EXIT_FAIL_ENTRY:
        crashed(stop, "KVM could not enter the guest (hardware reason 0x%llx)",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        return GUEST_STOPPED;
    case KVM_EXIT_INTERNAL_ERROR:
        mhv_crash_internal_error(vm, NULL, stop);  /* which instruction, and why KVM was emulating it */
        return GUEST_STOPPED;
    default:
        crashed(stop, "unhandled KVM exit %u (%s)", run->exit_reason, mhv_exit_reason_name(run->exit_reason));
        return GUEST_STOPPED;
    }
}

static unsigned reason_slot(uint32_t exit_reason)
{
    return exit_reason < MHV_EXIT_REASON_SLOTS ? exit_reason : MHV_EXIT_REASON_SLOTS - 1;
}

/* An exit of a KVM_RUN made to finish an instruction, counted as the loop
 * counts its own (--stats, vdb's info exits). */
static void count_exit(struct mhv_vm *vm, uint32_t exit_reason)
{
    vm->stats.exits++;
    vm->stats.by_reason[reason_slot(exit_reason)]++;
}

/* The run ends between two KVM_RUNs (a stop request, the timeout).  KVM
 * finishes an instruction that exited to mhv -- moves RIP past an `out`,
 * puts what an `in` read into RAX -- only at the next KVM_RUN, so RIP may
 * still be on an instruction whose I/O is done.  A KVM_RUN with
 * immediate_exit set finishes it and returns without running the guest
 * (api.rst, KVM_EXIT_IO), so whoever reads the registers next (a debugger)
 * sees a consistent state.  If finishing needs mhv again (a string I/O
 * instruction's next chunk), that exit is handled as any other, and an end
 * it brings (the exit port, a finished step) replaces the stop. */
static void finish_instruction(struct mhv_vm *vm, struct mhv_stop *stop)
{
    struct kvm_run *run = vm->run;
    for (int tries = 0; tries < 64; tries++) {
        run->immediate_exit = 1;
        if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0)
            break;  /* EINTR: nothing (more) was pending */
        count_exit(vm, run->exit_reason);
        struct mhv_stop other = { .exit_reason = run->exit_reason };
        if (handle_exit(vm, &other) == GUEST_STOPPED) {
            *stop = other;
            break;
        }
    }
    run->immediate_exit = 0;
}

/* The guest wrote to the exit port: the run is over, but the `out` is
 * finished only at the next KVM_RUN where the CPU ran it (VMX, SVM: RIP
 * still on it), while KVM's instruction emulator finishes it before the
 * exit (RIP past it).  One KVM_RUN with immediate_exit finishes it without
 * running anything else, so RIP is past the `out` on every platform.  What
 * that run reports is not handled: a single-step trap the finished `out`
 * raises, or the next chunk of a string `outs` (which then stays on its
 * instruction) -- the guest has ended. */
static void finish_exit_port_out(struct mhv_vm *vm)
{
    vm->run->immediate_exit = 1;
    if (ioctl(vm->vcpu_fd, KVM_RUN, 0) == 0)
        count_exit(vm, vm->run->exit_reason);
    vm->run->immediate_exit = 0;
}

/* A step's instruction did port or MMIO I/O, and mhv has done its part:
 * that instruction is the step, whatever KVM says next.  Where the CPU ran
 * it (VMX, SVM), KVM finishes it at the next KVM_RUN and then reports the
 * single-step trap.  Where KVM's instruction emulator ran it (kvm_pvm's
 * ring 0, real mode on VMX without unrestricted guest), an `out` is
 * finished before the exit and no trap follows (x86.c: "FIXME: return
 * into emulator if single-stepping"), so the next KVM_RUN would run one
 * instruction more before the trap: a step that takes two.  So the step
 * ends here on both: finish_instruction completes it without running
 * anything else (it takes a trap or a further chunk of a string I/O
 * instruction as it comes), and RIP is past the instruction.  Returns 1
 * when the step is over. */
static int step_did_io(struct mhv_vm *vm, uint64_t step_from, struct mhv_stop *stop)
{
    *stop = (struct mhv_stop){
        .reason = MHV_STOP_DEBUG, .debug_event = MHV_DEBUG_STEP, .exit_reason = stop->exit_reason,
    };
    finish_instruction(vm, stop);
    /* A string instruction (rep outsb) that the emulator left half done --
     * RIP still on it, RCX counting what is left -- is not a step yet: the
     * step goes on, and the emulator does the next part. */
    struct kvm_regs regs;
    if (stop->reason == MHV_STOP_DEBUG && stop->debug_event == MHV_DEBUG_STEP &&
        ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) == 0 && regs.rip == step_from)
        return 0;
    return 1;
}

/* mhv_vm_run, or with stepping one mhv_vm_run_step. */
static int run(struct mhv_vm *vm, int stepping, struct mhv_stop *stop, char *err, size_t err_size)
{
    MHV_ASSERT(!vm->running && vm->run);  /* one run at a time, on a created VM */
    *stop = (struct mhv_stop){ 0 };
    if (start_kicks(vm, err, err_size) < 0)
        return -1;
    vm->running = 1;
    vm->stepping = stepping;

    int status = 0;
    struct kvm_run *run = vm->run;
    uint64_t step_from = UINT64_MAX;  /* the RIP a step starts from */
    struct kvm_regs regs;
    if (stepping && ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) == 0)
        step_from = regs.rip;
    for (;;) {
        run->immediate_exit = 0;  /* a kick from here on makes KVM_RUN return at once */
        uint64_t now = mhv_now_ns();
        if (vm->stop_requested) {
            vm->stop_requested = 0;
            stop->reason = MHV_STOP_REQUESTED;
            finish_instruction(vm, stop);
            break;
        }
        if (vm->deadline_ns != 0 && now >= vm->deadline_ns) {
            stop->reason = MHV_STOP_TIMEOUT;
            finish_instruction(vm, stop);
            break;
        }
        mhv_pit_update(&vm->pit, now);
        if (!stepping)
            poll_input(vm, now);
        if (deliver_interrupt(vm, err, err_size) < 0) {
            status = -1;
            break;
        }
        aim_kick_timer(vm, next_deadline(vm));

        uint64_t entered = mhv_now_ns();
        int result = ioctl(vm->vcpu_fd, KVM_RUN, 0);
        uint64_t exited = mhv_now_ns();
        vm->stats.guest_ns += exited - entered;
        vm->stats.exits++;
        if (result < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                vm->stats.by_reason[KVM_EXIT_INTR]++;
                continue;  /* a kick: the loop's top sees why */
            }
            snprintf(err, err_size, "KVM_RUN: %s", strerror(errno));
            status = -1;
            break;
        }
        unsigned slot = reason_slot(run->exit_reason);
        vm->stats.by_reason[slot]++;
        stop->exit_reason = run->exit_reason;
        enum exit_outcome outcome = handle_exit(vm, stop);
        vm->stats.handling_ns[slot] += mhv_now_ns() - exited;
        if (outcome == GUEST_STOPPED) {
            if (stop->reason == MHV_STOP_EXIT_PORT || stop->reason == MHV_STOP_RESET)
                finish_exit_port_out(vm);
            break;
        }
        if (stepping && (run->exit_reason == KVM_EXIT_IO || run->exit_reason == KVM_EXIT_MMIO) &&
            step_did_io(vm, step_from, stop))
            break;
    }
    vm->stepping = 0;
    vm->running = 0;
    stop_kicks(vm);
    return status;
}

int mhv_vm_run(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size)
{
    return run(vm, 0, stop, err, err_size);
}

int mhv_vm_run_step(struct mhv_vm *vm, struct mhv_stop *stop, char *err, size_t err_size)
{
    return run(vm, 1, stop, err, err_size);
}
