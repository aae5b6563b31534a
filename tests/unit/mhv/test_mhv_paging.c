/*
 * test_mhv_paging.c -- the GDT and page tables mhv builds for protected
 * and long mode (paging.h), and the software page walk that checks them.
 *
 *   gdt       the four descriptors at their selectors' offsets, decoded
 *             field by field, and the limit for sregs.gdt.
 *   identity  mhv_paging_build_identity writes exactly its six pages (the
 *             RAM around them keeps a fill pattern), with the entries the
 *             header promises; walking it maps v -> v across the first
 *             4 GiB and nothing from 4 GiB up, nor a non-canonical address.
 *   walk      tables built by hand: 4 KiB pages through a PT, a 1 GiB page,
 *             the upper half, not-present entries at each level, and table
 *             pointers that lie outside RAM.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "memlayout.h"
#include "paging.h"

#define FILL 0xA5
#define GIB (1ull << 30)
#define MIB (1ull << 20)
#define PW (MHV_PAGE_PRESENT | MHV_PAGE_WRITABLE)

static uint8_t *new_ram(size_t size)
{
    uint8_t *ram = malloc(size);
    ck_assert_ptr_nonnull(ram);
    memset(ram, FILL, size);
    return ram;
}

static uint64_t get64(const uint8_t *ram, uint64_t addr)
{
    uint64_t value;
    memcpy(&value, ram + addr, 8);
    return value;
}

static void put64(uint8_t *ram, uint64_t addr, uint64_t value)
{
    memcpy(ram + addr, &value, 8);
}

/* Bytes of [from, to) that no longer hold FILL. */
static size_t touched(const uint8_t *ram, uint64_t from, uint64_t to)
{
    size_t count = 0;
    for (uint64_t a = from; a < to; a++)
        count += ram[a] != FILL;
    return count;
}

static void assert_maps(const uint8_t *ram, size_t ram_size, uint64_t cr3, uint64_t virtual_addr,
                        uint64_t expected)
{
    uint64_t physical = 0xDEAD;
    ck_assert_msg(mhv_paging_walk(ram, ram_size, cr3, virtual_addr, &physical) == 0,
                  "0x%llx is not mapped", (unsigned long long)virtual_addr);
    ck_assert_msg(physical == expected, "0x%llx maps to 0x%llx, not 0x%llx", (unsigned long long)virtual_addr,
                  (unsigned long long)physical, (unsigned long long)expected);
}

static void assert_unmapped(const uint8_t *ram, size_t ram_size, uint64_t cr3, uint64_t virtual_addr)
{
    uint64_t physical = 0xDEAD;
    ck_assert_msg(mhv_paging_walk(ram, ram_size, cr3, virtual_addr, &physical) == -1,
                  "0x%llx is mapped (to 0x%llx)", (unsigned long long)virtual_addr,
                  (unsigned long long)physical);
}

/* ===== the GDT ================================================================= */

struct descriptor {
    uint32_t base, limit;
    unsigned type, s, dpl, present, avl, l, db, g;
};

static struct descriptor decode(uint64_t d)
{
    return (struct descriptor){
        .limit = (uint32_t)((d & 0xFFFF) | ((d >> 48) & 0xF) << 16),
        .base = (uint32_t)(((d >> 16) & 0xFFFFFF) | ((d >> 56) & 0xFF) << 24),
        .type = (unsigned)(d >> 40) & 0xF,
        .s = (unsigned)(d >> 44) & 1,
        .dpl = (unsigned)(d >> 45) & 3,
        .present = (unsigned)(d >> 47) & 1,
        .avl = (unsigned)(d >> 52) & 1,
        .l = (unsigned)(d >> 53) & 1,
        .db = (unsigned)(d >> 54) & 1,
        .g = (unsigned)(d >> 55) & 1,
    };
}

START_TEST(test_gdt_layout)
{
    uint8_t *ram = new_ram(0x3000);
    uint16_t limit = mhv_paging_build_gdt(ram, 0x3000, 0x1000);
    ck_assert_uint_eq(limit, 8 * MHV_GDT_ENTRIES - 1);
    ck_assert_uint_eq(limit, 31);
    ck_assert_uint_eq(get64(ram, 0x1000 + 0x00), 0);
    ck_assert_uint_eq(get64(ram, 0x1000 + MHV_GDT_CODE64), MHV_DESCRIPTOR_CODE64);
    ck_assert_uint_eq(get64(ram, 0x1000 + MHV_GDT_DATA), MHV_DESCRIPTOR_DATA);
    ck_assert_uint_eq(get64(ram, 0x1000 + MHV_GDT_CODE32), MHV_DESCRIPTOR_CODE32);
    /* Exactly the 32 bytes. */
    ck_assert_uint_eq(touched(ram, 0, 0x1000), 0);
    ck_assert_uint_eq(touched(ram, 0x1000 + 32, 0x3000), 0);
    free(ram);
}
END_TEST

START_TEST(test_gdt_at_other_addresses)
{
    uint8_t *ram = new_ram(0x100);
    ck_assert_uint_eq(mhv_paging_build_gdt(ram, 0x100, 0x48), 31);   /* any alignment */
    ck_assert_uint_eq(get64(ram, 0x48 + MHV_GDT_DATA), MHV_DESCRIPTOR_DATA);
    ck_assert_uint_eq(touched(ram, 0, 0x48), 0);
    ck_assert_uint_eq(touched(ram, 0x68, 0x100), 0);
    free(ram);
}
END_TEST

START_TEST(test_gdt_descriptors_decode)
{
    struct descriptor code64 = decode(MHV_DESCRIPTOR_CODE64);
    ck_assert_uint_eq(code64.present, 1);
    ck_assert_uint_eq(code64.s, 1);           /* code/data, not system */
    ck_assert_uint_eq(code64.dpl, 0);
    ck_assert_uint_eq(code64.type, 0xA);      /* execute/read */
    ck_assert_uint_eq(code64.l, 1);           /* 64-bit */
    ck_assert_uint_eq(code64.db, 0);          /* must be 0 with L */
    ck_assert_uint_eq(code64.g, 1);

    struct descriptor data = decode(MHV_DESCRIPTOR_DATA);
    ck_assert_uint_eq(data.present, 1);
    ck_assert_uint_eq(data.s, 1);
    ck_assert_uint_eq(data.dpl, 0);
    ck_assert_uint_eq(data.type, 0x2);        /* read/write */
    ck_assert_uint_eq(data.base, 0);
    ck_assert_uint_eq(data.limit, 0xFFFFF);   /* with G: 4 GiB */
    ck_assert_uint_eq(data.g, 1);
    ck_assert_uint_eq(data.db, 1);
    ck_assert_uint_eq(data.l, 0);

    struct descriptor code32 = decode(MHV_DESCRIPTOR_CODE32);
    ck_assert_uint_eq(code32.present, 1);
    ck_assert_uint_eq(code32.s, 1);
    ck_assert_uint_eq(code32.dpl, 0);
    ck_assert_uint_eq(code32.type, 0xA);
    ck_assert_uint_eq(code32.base, 0);
    ck_assert_uint_eq(code32.limit, 0xFFFFF);
    ck_assert_uint_eq(code32.g, 1);
    ck_assert_uint_eq(code32.db, 1);          /* 32-bit */
    ck_assert_uint_eq(code32.l, 0);
}
END_TEST

/* ===== the identity tables ========================================================= */

#define ID_RAM (64 * 1024)
#define ID_PML4 0x4000     /* with room around the six pages to see stray writes */

START_TEST(test_identity_writes_six_pages)
{
    uint8_t *ram = new_ram(ID_RAM);
    ck_assert_uint_eq(mhv_paging_build_identity(ram, ID_RAM, ID_PML4), ID_PML4);
    ck_assert_uint_eq(touched(ram, 0, ID_PML4), 0);
    ck_assert_uint_eq(touched(ram, ID_PML4 + 6 * 0x1000, ID_RAM), 0);
    /* Every byte of the six pages was written (zero or an entry): built
     * over another pattern, they come out the same. */
    uint8_t *other = malloc(ID_RAM);
    ck_assert_ptr_nonnull(other);
    memset(other, 0x5A, ID_RAM);
    mhv_paging_build_identity(other, ID_RAM, ID_PML4);
    ck_assert_mem_eq(ram + ID_PML4, other + ID_PML4, 6 * 0x1000);
    free(other);
    free(ram);
}
END_TEST

START_TEST(test_identity_entries)
{
    uint8_t *ram = new_ram(ID_RAM);
    uint64_t pml4 = ID_PML4, pdpt = pml4 + 0x1000, pd = pml4 + 0x2000;
    mhv_paging_build_identity(ram, ID_RAM, pml4);

    ck_assert_uint_eq(get64(ram, pml4), pdpt | PW);
    for (unsigned i = 1; i < 512; i++)
        ck_assert_uint_eq(get64(ram, pml4 + 8 * i), 0);
    for (unsigned i = 0; i < 4; i++)
        ck_assert_uint_eq(get64(ram, pdpt + 8 * i), (pd + 0x1000 * i) | PW);
    for (unsigned i = 4; i < 512; i++)
        ck_assert_uint_eq(get64(ram, pdpt + 8 * i), 0);
    for (uint64_t i = 0; i < 4; i++)
        for (uint64_t j = 0; j < 512; j++) {
            uint64_t entry = get64(ram, pd + 0x1000 * i + 8 * j);
            ck_assert_uint_eq(entry, ((i * 512 + j) << 21) | PW | MHV_PAGE_LARGE);
            ck_assert_uint_eq(entry & MHV_PAGE_USER, 0);   /* supervisor */
        }
    free(ram);
}
END_TEST

START_TEST(test_identity_overwrites_old_tables)
{
    /* Whatever was there before (a guest's leftovers) is zeroed. */
    uint8_t *ram = new_ram(ID_RAM);
    memset(ram + ID_PML4, 0xFF, 6 * 0x1000);
    mhv_paging_build_identity(ram, ID_RAM, ID_PML4);
    ck_assert_uint_eq(get64(ram, ID_PML4 + 8), 0);
    ck_assert_uint_eq(get64(ram, ID_PML4 + 0x1000 + 8 * 4), 0);
    assert_unmapped(ram, ID_RAM, ID_PML4, 4 * GIB);
    assert_maps(ram, ID_RAM, ID_PML4, 0x1234, 0x1234);
    free(ram);
}
END_TEST

START_TEST(test_identity_walk)
{
    uint8_t *ram = new_ram(ID_RAM);
    uint64_t cr3 = mhv_paging_build_identity(ram, ID_RAM, ID_PML4);
    static const uint64_t addresses[] = {
        0, 0x1234, 0xFFF, 0x1000, 2 * MIB - 1, 2 * MIB, 2 * MIB + 1, 0x1FFFFF + 0x1000,
        GIB - 1, GIB, GIB + 0x123456, 2 * GIB + 0xABCDEF, 3 * GIB - 1, 3 * GIB,
        MHV_MMIO_INFO_BASE, MHV_MMIO_INFO_BASE + 0x18, 4 * GIB - 2 * MIB, 4 * GIB - 1,
    };
    for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++)
        assert_maps(ram, ID_RAM, cr3, addresses[i], addresses[i]);
    /* Every 2 MiB page, at its first and last byte. */
    for (uint64_t page = 0; page < 4 * GIB; page += 2 * MIB) {
        assert_maps(ram, ID_RAM, cr3, page, page);
        assert_maps(ram, ID_RAM, cr3, page + 2 * MIB - 1, page + 2 * MIB - 1);
    }
    free(ram);
}
END_TEST

START_TEST(test_identity_nothing_above_4_gib)
{
    uint8_t *ram = new_ram(ID_RAM);
    uint64_t cr3 = mhv_paging_build_identity(ram, ID_RAM, ID_PML4);
    assert_unmapped(ram, ID_RAM, cr3, 4 * GIB);
    assert_unmapped(ram, ID_RAM, cr3, 4 * GIB + 0x1234);
    assert_unmapped(ram, ID_RAM, cr3, 5 * GIB);
    assert_unmapped(ram, ID_RAM, cr3, 511 * GIB);
    assert_unmapped(ram, ID_RAM, cr3, 512 * GIB);              /* PML4[1] */
    assert_unmapped(ram, ID_RAM, cr3, 0x00007FFFFFFFFFFFull);  /* top of the lower half */
    /* The upper half is canonical but not mapped. */
    assert_unmapped(ram, ID_RAM, cr3, 0xFFFF800000000000ull);
    assert_unmapped(ram, ID_RAM, cr3, 0xFFFFFFFFFFFFFFFFull);
    assert_unmapped(ram, ID_RAM, cr3, 0xFFFFFFFF80000000ull);  /* where kernels link */
    /* Non-canonical: refused before any table is read, even if the low
     * bits would index a mapped entry. */
    assert_unmapped(ram, ID_RAM, cr3, 0x0000800000000000ull);
    assert_unmapped(ram, ID_RAM, cr3, 0x0001000000001234ull);
    assert_unmapped(ram, ID_RAM, cr3, 0x8000000000000000ull);
    assert_unmapped(ram, ID_RAM, cr3, 0xFFFF000000001234ull);
    assert_unmapped(ram, ID_RAM, cr3, 0x7FFF800000000000ull);
    free(ram);
}
END_TEST

START_TEST(test_identity_at_the_top_of_ram)
{
    /* Where mhv puts them: MHV_RESERVED_BASE + MHV_RESERVED_PML4. */
    size_t ram_size = 2 * MIB;
    uint8_t *ram = new_ram(ram_size);
    uint64_t pml4 = MHV_RESERVED_BASE(ram_size) + MHV_RESERVED_PML4;
    uint64_t cr3 = mhv_paging_build_identity(ram, ram_size, pml4);
    ck_assert_uint_eq(cr3, pml4);
    ck_assert_uint_eq(touched(ram, 0, pml4), 0);
    ck_assert_uint_eq(touched(ram, MHV_RESERVED_BASE(ram_size) + MHV_RESERVED_STACK, ram_size), 0);
    assert_maps(ram, ram_size, cr3, 0x100000, 0x100000);
    assert_maps(ram, ram_size, cr3, ram_size - 1, ram_size - 1);
    assert_maps(ram, ram_size, cr3, 3 * GIB + 5, 3 * GIB + 5);
    /* CR3's low flag bits (PWT, PCD) do not move the table. */
    assert_maps(ram, ram_size, cr3 | 0x18, 0x5000, 0x5000);
    free(ram);
}
END_TEST

START_TEST(test_walk_table_outside_ram)
{
    uint8_t *ram = new_ram(ID_RAM);
    uint64_t cr3 = mhv_paging_build_identity(ram, ID_RAM, ID_PML4);
    /* RAM that ends inside the tables: the walk stops at the edge. */
    uint64_t pd0_end = ID_PML4 + 0x3000;           /* PD 0 is the last page kept */
    assert_maps(ram, pd0_end, cr3, 0x1234, 0x1234);
    assert_unmapped(ram, pd0_end, cr3, GIB);       /* PD 1 lies past the end */
    assert_maps(ram, pd0_end, cr3, GIB - 1, GIB - 1);
    assert_unmapped(ram, ID_PML4 + 0x1000, cr3, 0);  /* the PDPT lies past it */
    assert_unmapped(ram, ID_PML4 + 4, cr3, 0);     /* half of PML4[0] */
    assert_maps(ram, ID_PML4 + 0x2008, cr3, 0x1234, 0x1234);  /* exactly to PD 0's entry 0 */
    assert_unmapped(ram, ID_PML4 + 0x2007, cr3, 0x1234);

    /* A CR3 or an entry pointing past RAM. */
    assert_unmapped(ram, ID_RAM, ID_RAM, 0);
    assert_unmapped(ram, ID_RAM, 0x000FFFFFFFFFF000ull, 0);
    put64(ram, ID_PML4, 0x40000000 | PW);          /* PML4[0] -> 1 GiB */
    assert_unmapped(ram, ID_RAM, cr3, 0);
    put64(ram, ID_PML4, ID_RAM | PW);              /* the page just past RAM */
    assert_unmapped(ram, ID_RAM, cr3, 0);
    free(ram);
}
END_TEST

/* ===== hand-built tables ============================================================ */

/* A small machine: tables at 0x1000.., data pages above. */
#define HB_RAM (64 * 1024)
#define HB_PML4 0x1000
#define HB_PDPT 0x2000
#define HB_PD 0x3000
#define HB_PT 0x4000

static uint8_t *hand_built(void)
{
    uint8_t *ram = new_ram(HB_RAM);
    memset(ram + HB_PML4, 0, 4 * 0x1000);
    /* 0x0000_0000_0000_0000 .. : PML4[0] -> PDPT, PDPT[0] -> PD, PD[0] -> PT. */
    put64(ram, HB_PML4 + 8 * 0, HB_PDPT | PW);
    put64(ram, HB_PDPT + 8 * 0, HB_PD | PW);
    put64(ram, HB_PD + 8 * 0, HB_PT | PW);
    /* PT: virtual page n -> physical 0x8000 + 0x1000 * (n % 8), pages 0..15,
     * page 3 not present. */
    for (uint64_t n = 0; n < 16; n++)
        if (n != 3)
            put64(ram, HB_PT + 8 * n, (0x8000 + 0x1000 * (n % 8)) | PW | MHV_PAGE_USER);
    /* PT entry 511 with the PAT bit (bit 7 at the PT level is not PS). */
    put64(ram, HB_PT + 8 * 511, 0xA000 | PW | MHV_PAGE_LARGE);
    /* PD[1]: a 2 MiB page at physical 6 MiB. */
    put64(ram, HB_PD + 8 * 1, (6 * MIB) | PW | MHV_PAGE_LARGE);
    /* PDPT[1]: a 1 GiB page at physical 3 GiB. */
    put64(ram, HB_PDPT + 8 * 1, (3 * GIB) | PW | MHV_PAGE_LARGE);
    /* PML4[511] -> the same PDPT: the top 512 GiB alias the bottom. */
    put64(ram, HB_PML4 + 8 * 511, HB_PDPT | PW);
    return ram;
}

START_TEST(test_walk_4k_pages)
{
    uint8_t *ram = hand_built();
    assert_maps(ram, HB_RAM, HB_PML4, 0x0000, 0x8000);
    assert_maps(ram, HB_RAM, HB_PML4, 0x0FFF, 0x8FFF);
    assert_maps(ram, HB_RAM, HB_PML4, 0x1000, 0x9000);
    assert_maps(ram, HB_RAM, HB_PML4, 0x2ABC, 0xAABC);
    assert_unmapped(ram, HB_RAM, HB_PML4, 0x3000);  /* PT[3] not present */
    assert_unmapped(ram, HB_RAM, HB_PML4, 0x3FFF);
    assert_maps(ram, HB_RAM, HB_PML4, 0x4000, 0xC000);
    assert_maps(ram, HB_RAM, HB_PML4, 0x8123, 0x8123);   /* page 8 wraps to 0x8000 */
    assert_maps(ram, HB_RAM, HB_PML4, 0xF456, 0xF456);
    assert_unmapped(ram, HB_RAM, HB_PML4, 0x10000);      /* PT[16] */
    assert_maps(ram, HB_RAM, HB_PML4, 0x1FF789, 0xA789); /* PT[511], PAT bit set */
    free(ram);
}
END_TEST

START_TEST(test_walk_large_pages)
{
    uint8_t *ram = hand_built();
    assert_maps(ram, HB_RAM, HB_PML4, 2 * MIB, 6 * MIB);
    assert_maps(ram, HB_RAM, HB_PML4, 2 * MIB + 0x12345, 6 * MIB + 0x12345);
    assert_maps(ram, HB_RAM, HB_PML4, 4 * MIB - 1, 8 * MIB - 1);
    assert_unmapped(ram, HB_RAM, HB_PML4, 4 * MIB);       /* PD[2] */
    assert_maps(ram, HB_RAM, HB_PML4, GIB, 3 * GIB);
    assert_maps(ram, HB_RAM, HB_PML4, GIB + 0x3456789, 3 * GIB + 0x3456789);
    assert_maps(ram, HB_RAM, HB_PML4, 2 * GIB - 1, 4 * GIB - 1);
    assert_unmapped(ram, HB_RAM, HB_PML4, 2 * GIB);       /* PDPT[2] */
    free(ram);
}
END_TEST

START_TEST(test_walk_upper_half)
{
    uint8_t *ram = hand_built();
    uint64_t top = 0xFFFFFF8000000000ull;                 /* PML4[511] */
    assert_maps(ram, HB_RAM, HB_PML4, top + 0x1234, 0x9234);
    assert_maps(ram, HB_RAM, HB_PML4, top + GIB + 7, 3 * GIB + 7);
    assert_unmapped(ram, HB_RAM, HB_PML4, top + 0x3000);
    assert_unmapped(ram, HB_RAM, HB_PML4, 0xFFFF800000000000ull);   /* PML4[256] */
    /* The same indexes without sign extension are not canonical. */
    assert_unmapped(ram, HB_RAM, HB_PML4, 0x0000FF8000001234ull);
    free(ram);
}
END_TEST

START_TEST(test_walk_not_present_at_each_level)
{
    uint8_t *ram = hand_built();
    assert_maps(ram, HB_RAM, HB_PML4, 0x1234, 0x9234);
    /* Present bit off, address still there: not mapped. */
    put64(ram, HB_PT + 8 * 1, 0x9000 | MHV_PAGE_WRITABLE);
    assert_unmapped(ram, HB_RAM, HB_PML4, 0x1234);
    assert_maps(ram, HB_RAM, HB_PML4, 0x2234, 0xA234);
    put64(ram, HB_PD, HB_PT | MHV_PAGE_WRITABLE);
    assert_unmapped(ram, HB_RAM, HB_PML4, 0x2234);
    assert_maps(ram, HB_RAM, HB_PML4, 2 * MIB, 6 * MIB);
    put64(ram, HB_PDPT, HB_PD);
    assert_unmapped(ram, HB_RAM, HB_PML4, 2 * MIB);
    assert_maps(ram, HB_RAM, HB_PML4, GIB, 3 * GIB);
    put64(ram, HB_PML4, 0);
    assert_unmapped(ram, HB_RAM, HB_PML4, GIB);
    assert_maps(ram, HB_RAM, HB_PML4, 0xFFFFFF8000000000ull + GIB, 3 * GIB);
    free(ram);
}
END_TEST

START_TEST(test_walk_entry_flags_and_high_bits)
{
    uint8_t *ram = hand_built();
    /* NX (bit 63), accessed/dirty and available bits do not leak into the
     * address. */
    put64(ram, HB_PD, HB_PT | PW | 0x8000000000000E60ull);
    put64(ram, HB_PT + 8 * 2, 0xA000 | PW | 0x8000000000000E60ull);
    assert_maps(ram, HB_RAM, HB_PML4, 0x2345, 0xA345);
    /* A PT pointer past RAM, found only at the last level. */
    put64(ram, HB_PD, 0x00000000FFFFF000ull | PW);
    assert_unmapped(ram, HB_RAM, HB_PML4, 0x2345);
    free(ram);
}
END_TEST

static Suite *paging_suite(void)
{
    Suite *s = suite_create("mhv_paging");
    TCase *tc = tcase_create("gdt");
    tcase_add_test(tc, test_gdt_layout);
    tcase_add_test(tc, test_gdt_at_other_addresses);
    tcase_add_test(tc, test_gdt_descriptors_decode);
    suite_add_tcase(s, tc);
    tc = tcase_create("identity");
    tcase_add_test(tc, test_identity_writes_six_pages);
    tcase_add_test(tc, test_identity_entries);
    tcase_add_test(tc, test_identity_overwrites_old_tables);
    tcase_add_test(tc, test_identity_walk);
    tcase_add_test(tc, test_identity_nothing_above_4_gib);
    tcase_add_test(tc, test_identity_at_the_top_of_ram);
    tcase_add_test(tc, test_walk_table_outside_ram);
    suite_add_tcase(s, tc);
    tc = tcase_create("walk");
    tcase_add_test(tc, test_walk_4k_pages);
    tcase_add_test(tc, test_walk_large_pages);
    tcase_add_test(tc, test_walk_upper_half);
    tcase_add_test(tc, test_walk_not_present_at_each_level);
    tcase_add_test(tc, test_walk_entry_flags_and_high_bits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(paging_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
