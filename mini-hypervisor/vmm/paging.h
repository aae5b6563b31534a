/*
 * paging.h -- the tables mhv builds in guest RAM for protected and long
 * mode: a flat GDT and identity-mapped 4-level page tables.
 *
 * Pure functions over a RAM buffer (ram[0] is guest physical 0, ram_size
 * bytes), so they are tested on the host without KVM; cpu.c loads the
 * results into the vCPU.  memlayout.h shows where in RAM the tables go.
 * The builders write only inside their tables, which the caller places
 * inside RAM (MHV_ASSERT checks it); the walk checks every table it reads.
 *
 * Invariants of what mhv_paging_build_identity() writes:
 *   - PML4[0] -> PDPT; PDPT[i] -> PD i for i < 4; PD i entry j maps the
 *     2 MiB page at (i * 512 + j) * 2 MiB to itself: present, writable,
 *     supervisor, PS.  Every other entry is zero (not present).
 *   - So virtual == physical for [0, 4 GiB) and nothing else is mapped.
 */
#ifndef MHV_PAGING_H
#define MHV_PAGING_H

#include <stddef.h>
#include <stdint.h>

#define MHV_PAGE_PRESENT 0x001ull
#define MHV_PAGE_WRITABLE 0x002ull
#define MHV_PAGE_USER 0x004ull
#define MHV_PAGE_LARGE 0x080ull /* PS: a 2 MiB (PD) or 1 GiB (PDPT) page */
#define MHV_PAGE_ADDRESS_MASK 0x000FFFFFFFFFF000ull
#define MHV_IDENTITY_MAPPED_BYTES (4ull << 30)

/* The GDT descriptors (boot.h names the selectors). */
#define MHV_DESCRIPTOR_CODE64 0x00AF9A000000FFFFull /* L=1, D=0, P, DPL 0, exec/read */
#define MHV_DESCRIPTOR_DATA 0x00CF92000000FFFFull   /* 4 GiB flat, G, D/B=1, read/write */
#define MHV_DESCRIPTOR_CODE32 0x00CF9A000000FFFFull /* 4 GiB flat, G, D=1, exec/read */

/* Writes the GDT (null, code64, data, code32: 32 bytes, inside ram) at
 * gdt_addr.  Returns its limit (size - 1), for KVM's sregs.gdt. */
uint16_t mhv_paging_build_gdt(uint8_t *ram, size_t ram_size, uint64_t gdt_addr);

/* Writes PML4, PDPT and four PDs at pml4_addr, pml4_addr + 0x1000 and
 * pml4_addr + 0x2000 .. 0x5FFF (six pages, 4 KiB-aligned, inside ram).
 * Returns the value for CR3. */
uint64_t mhv_paging_build_identity(uint8_t *ram, size_t ram_size, uint64_t pml4_addr);

/* Walks 4-level page tables in ram from cr3, as the MMU would.  Returns 0
 * with *physical set, or -1 when the address is not mapped (or a table
 * lies outside ram). */
int mhv_paging_walk(const uint8_t *ram, size_t ram_size, uint64_t cr3, uint64_t virtual_addr,
                    uint64_t *physical);

#endif
