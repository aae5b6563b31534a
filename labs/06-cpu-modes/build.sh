#!/bin/sh
# build.sh -- assemble lab 06's guest, labs/06-cpu-modes/modes.S, into a
# flat image linked at 0x1000 (where mhv loads it), as the Makefile builds
# mini-hypervisor/guest/flat/*.S (but those are linked at 0).
#
#   labs/06-cpu-modes/build.sh [OUTDIR]     (default build/release/labs/06-cpu-modes)
#
# Writes OUTDIR/modes.elf (with the symbols: `nm` shows each label's
# address) and OUTDIR/modes.bin (the image mhv runs).  Exit status 0, or
# the assembler's or linker's status with its messages.
set -e
lab=$(dirname "$0")
out=${1:-build/release/labs/06-cpu-modes}
mkdir -p "$out"
gcc -m32 -c -o "$out/modes.o" "$lab/modes.S"
ld -m elf_i386 -Ttext=0x1000 -e _start -o "$out/modes.elf" "$out/modes.o"
objcopy -O binary -j .text "$out/modes.elf" "$out/modes.bin"
echo "$out/modes.bin: $(wc -c <"$out/modes.bin") bytes; labels: nm $out/modes.elf"
