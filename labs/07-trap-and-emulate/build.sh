#!/bin/sh
# build.sh -- assemble lab 07's guest, labs/07-trap-and-emulate/guest.S,
# into a flat real-mode image, as the Makefile builds
# mini-hypervisor/guest/flat/*.S.
#
#   labs/07-trap-and-emulate/build.sh [OUTDIR]   (default build/release/labs/07-trap-and-emulate)
#
# Writes OUTDIR/guest.bin.  Exit status 0, or the assembler's or linker's
# status with its messages.
set -e
lab=$(dirname "$0")
out=${1:-build/release/labs/07-trap-and-emulate}
mkdir -p "$out"
gcc -m32 -c -o "$out/guest.o" "$lab/guest.S"
ld -m elf_i386 -Ttext=0 -e _start -o "$out/guest.elf" "$out/guest.o"
objcopy -O binary -j .text "$out/guest.elf" "$out/guest.bin"
echo "$out/guest.bin: $(wc -c <"$out/guest.bin") bytes"
