#!/bin/sh
# build.sh -- build lab 09's kernel: the guest kernel's debug build
# (-O0 -g, build/release/guest/kernel-debug.elf) with the lab's console
# driver, labs/09-guest-debugging/kernel/uart.c, in place of the kernel's
# own uart.c.  The Makefile's lab-kernel target does it (`make` alone
# never builds it), in the build make is given (build/release by default).
#
#   labs/09-guest-debugging/build.sh
#
# Writes build/release/labs/09-guest-debugging/kernel.elf (its DWARF names
# the lab's uart.c).  Exit status 0, or make's with the compiler's
# messages.
set -e
cd "$(dirname "$0")/../.."
make -s lab-kernel LAB=09-guest-debugging
echo "build/release/labs/09-guest-debugging/kernel.elf: $(wc -c <build/release/labs/09-guest-debugging/kernel.elf) bytes"
