/*
 * x86_target.h -- what the targets of x86 machines share (target_mhv.c,
 * the hypervisor; target_remote.c, a machine behind gdb's protocol): one
 * instruction as text with Capstone, the same text ("mov eax, 1") and the
 * same "(bad)" for bytes that are no instruction, whoever reads the bytes;
 * and the addresses a user types where a machine has no symbols.
 *
 * A disassembler holds one Capstone handle per code size (16, 32, 64
 * bits), opened at first use and closed by vdb_x86_close.  Capstone's
 * header stays in x86_target.c: the handles are kept as its csh, a size_t.
 *
 * Layer: targets (Capstone's flags for x86_target.c alone).
 */
#ifndef VDB_X86_TARGET_H
#define VDB_X86_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest x86 instruction. */
#define VDB_X86_MAX_INSTRUCTION 15

typedef struct {
    size_t handle[3];      /* Capstone's csh, for 16, 32 and 64 bits */
    bool open[3];
} vdb_x86_disassembler;

/* The instruction at the start of bytes[0 .. count), which sit at
 * address, decoded as code of `bits` (16, 32 or 64) bits, into text; *next
 * is the address after it ("(bad)" and address + 1 for bytes that are no
 * instruction).  -1 with err when Capstone cannot be opened or bits is
 * none of those. */
int vdb_x86_disassemble(vdb_x86_disassembler *d, unsigned bits, const uint8_t *bytes, size_t count,
                        uint64_t address, char *text, size_t size, uint64_t *next, char *err, size_t err_size);

void vdb_x86_close(vdb_x86_disassembler *d);

/* What the user typed after `break` (or as an address), for a target with
 * no symbols: "*ADDR" or "ADDR", hex with 0x or decimal.  -1 with err
 * otherwise, which names the target ("the hypervisor target has no
 * symbols", with target "hypervisor"). */
int vdb_x86_resolve(const char *target, const char *spec, uint64_t *address, char *err, size_t err_size);

#endif
