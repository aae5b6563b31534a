/*
 * commands.h -- running the command line (the language is in cmdline.h).
 *
 * Invariants:
 *   - Every word is parsed before the first one runs: a bad word ends the
 *     guest with KERNEL_STATUS_BAD_CMDLINE and nothing else happens.
 *   - The words run in order; commands_run returns once all have run,
 *     unless one ended the guest (exit=, fault=, a failed check) or never
 *     ends (spin).
 *   - Called with interrupts enabled and the devices set up (kmain.c).
 */
#ifndef KERNEL_COMMANDS_H
#define KERNEL_COMMANDS_H

#include "boot.h"

void commands_run(const char *cmdline, const struct mhv_boot_info *boot);

#endif
