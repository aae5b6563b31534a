/*
 * paging.c -- building the GDT and identity page tables, and walking page
 * tables in software (the walk is how the tests check the builder, and it
 * documents what the MMU does with the tables).
 *
 * 2 MiB pages keep it to six pages of tables for 4 GiB; the guest kernel
 * may build its own finer tables later if it wants 4 KiB pages.
 */
#include "paging.h"

#include <string.h>

#include "mhv_assert.h"

#define GDT_BYTES (4 * 8)              /* null, code64, data, code32 */
#define IDENTITY_TABLE_BYTES (6 * 0x1000ull)  /* PML4, PDPT, 4 PDs */

static void put64(uint8_t *ram, uint64_t addr, uint64_t value)
{
    memcpy(ram + addr, &value, 8);
}

static uint64_t get64(const uint8_t *ram, uint64_t addr)
{
    uint64_t value;
    memcpy(&value, ram + addr, 8);
    return value;
}

uint16_t mhv_paging_build_gdt(uint8_t *ram, size_t ram_size, uint64_t gdt_addr)
{
    MHV_ASSERT(gdt_addr <= ram_size && ram_size - gdt_addr >= GDT_BYTES);
    static const uint64_t descriptors[] = {
        0,                      /* 0x00: the null descriptor */
        MHV_DESCRIPTOR_CODE64,  /* 0x08 */
        MHV_DESCRIPTOR_DATA,    /* 0x10 */
        MHV_DESCRIPTOR_CODE32,  /* 0x18 */
    };
    _Static_assert(sizeof descriptors == GDT_BYTES, "the GDT is four descriptors");
    for (size_t i = 0; i < sizeof descriptors / sizeof descriptors[0]; i++)
        put64(ram, gdt_addr + 8 * i, descriptors[i]);
    return (uint16_t)(sizeof descriptors - 1);
}

uint64_t mhv_paging_build_identity(uint8_t *ram, size_t ram_size, uint64_t pml4_addr)
{
    MHV_ASSERT(pml4_addr % 0x1000 == 0 && pml4_addr <= ram_size && ram_size - pml4_addr >= IDENTITY_TABLE_BYTES);
    uint64_t pdpt_addr = pml4_addr + 0x1000, pd_addr = pml4_addr + 0x2000;
    memset(ram + pml4_addr, 0, IDENTITY_TABLE_BYTES);

    put64(ram, pml4_addr, pdpt_addr | MHV_PAGE_PRESENT | MHV_PAGE_WRITABLE);
    for (uint64_t i = 0; i < 4; i++) {
        uint64_t pd = pd_addr + i * 0x1000;
        put64(ram, pdpt_addr + 8 * i, pd | MHV_PAGE_PRESENT | MHV_PAGE_WRITABLE);
        for (uint64_t j = 0; j < 512; j++) {
            uint64_t page = (i * 512 + j) << 21;
            put64(ram, pd + 8 * j, page | MHV_PAGE_PRESENT | MHV_PAGE_WRITABLE | MHV_PAGE_LARGE);
        }
    }
    return pml4_addr;
}

int mhv_paging_walk(const uint8_t *ram, size_t ram_size, uint64_t cr3, uint64_t virtual_addr,
                    uint64_t *physical)
{
    /* Bits 63:47 must all be equal (a canonical address), else #GP. */
    uint64_t top = virtual_addr >> 47;
    if (top != 0 && top != 0x1FFFF)
        return -1;
    /* Bits 47:39, 38:30, 29:21, 20:12 index the four levels. */
    uint64_t table = cr3 & MHV_PAGE_ADDRESS_MASK;
    for (int level = 3; level >= 0; level--) {
        unsigned index = (virtual_addr >> (12 + 9 * level)) & 511;
        uint64_t entry_addr = table + 8 * (uint64_t)index;
        if (entry_addr + 8 > ram_size)
            return -1;
        uint64_t entry = get64(ram, entry_addr);
        if (!(entry & MHV_PAGE_PRESENT))
            return -1;
        /* A large page at the PDPT (1 GiB) or PD (2 MiB) level ends the walk. */
        if ((level == 2 || level == 1) && (entry & MHV_PAGE_LARGE)) {
            uint64_t page_bits = 12 + 9 * (uint64_t)level;
            uint64_t offset_mask = (1ull << page_bits) - 1;
            *physical = (entry & MHV_PAGE_ADDRESS_MASK & ~offset_mask) | (virtual_addr & offset_mask);
            return 0;
        }
        table = entry & MHV_PAGE_ADDRESS_MASK;
    }
    *physical = table | (virtual_addr & 0xFFF);
    return 0;
}
