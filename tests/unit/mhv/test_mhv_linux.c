/*
 * test_mhv_linux.c -- booting Linux without KVM: planning a kernel's boot
 * (linux_boot.c), the zero page and e820 map it gets, the command line mhv
 * composes, the console's panic watch, and the console's escape key
 * (console_escape.c).
 *
 *   bzimage   a bzImage built here in memory (the setup header of
 *             <asm/bootparam.h> at 0x1F1, setup sectors, a payload with a
 *             compressor's magic): accepted with its entry at 1 MiB +
 *             0x200, its version string, where the initrd goes; refused
 *             for every fault with the message a user reads (too short,
 *             not a kernel, old protocol, no 64-bit entry, a zImage,
 *             truncated, a payload outside the kernel or of no known
 *             format, too little RAM, a kernel that needs more RAM, an
 *             initrd that does not fit, a command line too long).
 *   vmlinux   an ELF64 kernel whose segments run at p_vaddr but load at
 *             p_paddr (refused by the identity rule, accepted by Linux's).
 *   zeropage  the zero page: the header copied, type_of_loader, the
 *             command line and initrd pointers, the e820 map.
 *   cmdline   what mhv adds to --append, and what it leaves to the user.
 *   console   the panic banner found, the escape key's keys.
 */
#include <asm/bootparam.h>
#include <check.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console_escape.h"
#include "elf_loader.h"
#include "linux_boot.h"
#include "memlayout.h"

#define MIB (1ull << 20)
#define RAM_256M ((size_t)(256 * MIB))
#define ERR_SIZE 512

/* ===== a bzImage in memory ===================================================== */

#define SETUP_SECTS 3
#define KERNEL_OFFSET ((SETUP_SECTS + 1) * 512)
#define KERNEL_BYTES 0x4000  /* the protected-mode part */
#define PAYLOAD_OFFSET 0x100
#define PAYLOAD_LENGTH 0x2000
#define VERSION_AT 0x300     /* kernel_version: from 0x200 */

struct bzimage {
    uint8_t bytes[KERNEL_OFFSET + KERNEL_BYTES + 64];
    size_t size;
};

static struct setup_header *header_of(struct bzimage *image)
{
    return (struct setup_header *)(image->bytes + 0x1F1);
}

static void make_bzimage(struct bzimage *image)
{
    memset(image, 0, sizeof *image);
    image->size = KERNEL_OFFSET + KERNEL_BYTES;
    struct setup_header hdr = {
        .setup_sects = SETUP_SECTS,
        .syssize = KERNEL_BYTES / 16,
        .boot_flag = 0xAA55,
        .jump = 0x66EB,                /* jmp over the header, as arch/x86/boot/header.S has it */
        .header = 0x53726448,
        .version = 0x020F,
        .kernel_version = VERSION_AT - 0x200,
        .loadflags = LOADED_HIGH,
        .initrd_addr_max = 0x7FFFFFFF,
        .kernel_alignment = 0x200000,
        .relocatable_kernel = 1,
        .xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G,
        .cmdline_size = 2047,
        .payload_offset = PAYLOAD_OFFSET,
        .payload_length = PAYLOAD_LENGTH,
        .pref_address = 0x1000000,
        .init_size = 0x3000000,        /* 48 MiB: up to 64 MiB from pref_address */
    };
    memcpy(image->bytes + 0x1F1, &hdr, sizeof hdr);
    image->bytes[0x201] = 0x6A;        /* the header runs to 0x202 + 0x6A */
    strcpy((char *)image->bytes + VERSION_AT, "6.1.0-test (vmlab@test) #1 SMP");
    static const uint8_t xz[] = { 0xFD, '7', 'z', 'X', 'Z', 0x00 };
    memcpy(image->bytes + KERNEL_OFFSET + PAYLOAD_OFFSET, xz, sizeof xz);
    for (size_t i = 0; i < KERNEL_BYTES; i++)
        if (i < PAYLOAD_OFFSET || i >= PAYLOAD_OFFSET + sizeof xz)
            image->bytes[KERNEL_OFFSET + i] = (uint8_t)(i * 7);
}

static int plan_of(struct bzimage *image, uint64_t initrd_size, const char *cmdline, size_t ram,
                   struct mhv_linux_plan *plan, char *err)
{
    return mhv_linux_plan(image->bytes, image->size, initrd_size, cmdline, ram, plan, err, ERR_SIZE);
}

/* The plan is refused, with a message containing expected. */
static void refused(struct bzimage *image, uint64_t initrd_size, const char *cmdline, size_t ram,
                    const char *expected)
{
    struct mhv_linux_plan plan;
    char err[ERR_SIZE] = "";
    ck_assert_int_eq(plan_of(image, initrd_size, cmdline, ram, &plan, err), -1);
    ck_assert_msg(strstr(err, expected), "expected \"%s\" in \"%s\"", expected, err);
}

START_TEST(test_bzimage_plan)
{
    struct bzimage image;
    make_bzimage(&image);
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];
    ck_assert_msg(plan_of(&image, 0, "console=ttyS0", RAM_256M, &plan, err) == 0, "%s", err);
    ck_assert_int_eq(plan.format, MHV_LINUX_BZIMAGE);
    ck_assert_uint_eq(plan.protocol, 0x020F);
    ck_assert_str_eq(plan.version, "6.1.0-test (vmlab@test) #1 SMP");
    ck_assert_uint_eq(plan.kernel_offset, KERNEL_OFFSET);
    ck_assert_uint_eq(plan.kernel_size, KERNEL_BYTES);
    ck_assert_uint_eq(plan.kernel_load, 0x100000);
    ck_assert_uint_eq(plan.entry, 0x100200);
    ck_assert_uint_eq(plan.kernel_end, 0x1000000 + 0x3000000);  /* pref_address + init_size */
    ck_assert_uint_eq(plan.cmdline_max, 2047);
    ck_assert_uint_eq(plan.initrd_size, 0);
    ck_assert_uint_eq(plan.usable_end, RAM_256M - MHV_RESERVED_SIZE);
}
END_TEST

START_TEST(test_bzimage_setup_sects_zero_means_four)
{
    struct bzimage image;
    make_bzimage(&image);
    header_of(&image)->setup_sects = 0;
    header_of(&image)->syssize = (KERNEL_BYTES - 512) / 16;  /* the kernel now starts one sector earlier */
    header_of(&image)->payload_length = 0x100;
    memcpy(image.bytes + 5 * 512 + PAYLOAD_OFFSET, "\x1f\x8b", 2);  /* a gzip payload there */
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];
    ck_assert_msg(plan_of(&image, 0, "", RAM_256M, &plan, err) == 0, "%s", err);
    ck_assert_uint_eq(plan.kernel_offset, 5 * 512);
}
END_TEST

START_TEST(test_bzimage_initrd_at_the_top)
{
    struct bzimage image;
    make_bzimage(&image);
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];
    uint64_t initrd = 3 * MIB + 123;
    ck_assert_msg(plan_of(&image, initrd, "", RAM_256M, &plan, err) == 0, "%s", err);
    ck_assert_uint_eq(plan.initrd_size, initrd);
    ck_assert_uint_eq(plan.initrd_addr % 4096, 0);
    ck_assert_uint_le(plan.initrd_addr + initrd, RAM_256M - MHV_RESERVED_SIZE);
    ck_assert_uint_gt(plan.initrd_addr + initrd + 4096, RAM_256M - MHV_RESERVED_SIZE);  /* as high as it goes */
    ck_assert_uint_ge(plan.initrd_addr, plan.kernel_end);
}
END_TEST

START_TEST(test_bzimage_initrd_addr_max)
{
    struct bzimage image;
    make_bzimage(&image);
    header_of(&image)->initrd_addr_max = 0x07FFFFFF;  /* 128 MiB - 1: the initrd must end below 128 MiB */
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];
    ck_assert_msg(plan_of(&image, MIB, "", RAM_256M, &plan, err) == 0, "%s", err);
    ck_assert_uint_le(plan.initrd_addr + MIB, 0x08000000);
    ck_assert_uint_eq(plan.initrd_addr, 0x08000000 - MIB);
}
END_TEST

START_TEST(test_bzimage_refusals)
{
    struct bzimage image;

    make_bzimage(&image);
    image.size = 0x100;
    refused(&image, 0, "", RAM_256M, "256 bytes: too short to be a Linux kernel");

    make_bzimage(&image);
    header_of(&image)->header = 0x12345678;
    refused(&image, 0, "", RAM_256M, "not a Linux kernel: neither a bzImage");

    make_bzimage(&image);
    header_of(&image)->version = 0x020B;
    refused(&image, 0, "", RAM_256M, "boot protocol version 2.11: mhv boots only through the 64-bit entry point");

    make_bzimage(&image);
    header_of(&image)->xloadflags = 0;
    refused(&image, 0, "", RAM_256M, "no 64-bit entry point");

    make_bzimage(&image);
    header_of(&image)->loadflags = 0;
    refused(&image, 0, "", RAM_256M, "a zImage");

    make_bzimage(&image);
    image.size = KERNEL_OFFSET + KERNEL_BYTES / 2;
    refused(&image, 0, "", RAM_256M, "truncated: the header says the kernel is 16384 bytes after its setup code, "
                                     "the file has 8192 there");

    make_bzimage(&image);
    image.size = 1000;
    refused(&image, 0, "", RAM_256M, "truncated: the header says 3 setup sectors (2048 bytes), the file has 1000 bytes");

    make_bzimage(&image);
    header_of(&image)->payload_length = KERNEL_BYTES;
    refused(&image, 0, "", RAM_256M, "corrupt: the compressed kernel (payload_offset 0x100, payload_length 0x4000) "
                                     "is not inside the 16384-byte kernel");

    make_bzimage(&image);
    image.bytes[KERNEL_OFFSET + PAYLOAD_OFFSET] = 0x00;
    refused(&image, 0, "", RAM_256M, "corrupt: the compressed kernel at 0x900 starts with 00 37 7a 58");
}
END_TEST

START_TEST(test_bzimage_ram_and_fit)
{
    struct bzimage image;
    make_bzimage(&image);
    refused(&image, 0, "", 64 * MIB, "Linux needs at least 128 MiB of RAM, and --mem gives 64 MiB");

    header_of(&image)->init_size = 0x7F00000;  /* 16 MiB + 127 MiB: more than 128 MiB */
    refused(&image, 0, "", 128 * MIB, "the kernel needs RAM up to 143 MiB, and --mem gives 128 MiB");

    make_bzimage(&image);
    refused(&image, 200 * MIB, "", RAM_256M, "the initrd (204800 KiB) does not fit in RAM between the kernel "
                                             "(which needs up to 64 MiB) and 255 MiB");

    char longest[2048];
    memset(longest, 'a', 2047);
    longest[2047] = '\0';
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];
    ck_assert_msg(plan_of(&image, 0, longest, RAM_256M, &plan, err) == 0, "%s", err);
    char too_long[2049];
    memset(too_long, 'a', 2048);
    too_long[2048] = '\0';
    refused(&image, 0, too_long, RAM_256M, "the kernel command line is 2048 bytes, more than the 2047 this kernel takes");
}
END_TEST

/* ===== a vmlinux in memory ===================================================== */

struct vmlinux {
    Elf64_Ehdr ehdr;
    Elf64_Phdr phdr[3];
    uint8_t text[64];
    Elf64_Nhdr salt;      /* the "Linux" note Linux's build puts in every vmlinux */
    char salt_name[8];
    char salt_desc[16];
};

static void make_vmlinux(struct vmlinux *image)
{
    memset(image, 0, sizeof *image);
    memcpy(image->ehdr.e_ident, ELFMAG, SELFMAG);
    image->ehdr.e_ident[EI_CLASS] = ELFCLASS64;
    image->ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
    image->ehdr.e_ident[EI_VERSION] = EV_CURRENT;
    image->ehdr.e_type = ET_EXEC;
    image->ehdr.e_machine = EM_X86_64;
    image->ehdr.e_version = EV_CURRENT;
    image->ehdr.e_entry = 0x1000000;  /* physical, as Linux's linker script has it (phys_startup_64) */
    image->ehdr.e_phoff = offsetof(struct vmlinux, phdr);
    image->ehdr.e_ehsize = sizeof(Elf64_Ehdr);
    image->ehdr.e_phentsize = sizeof(Elf64_Phdr);
    image->ehdr.e_phnum = 3;
    image->phdr[0] = (Elf64_Phdr){
        .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = offsetof(struct vmlinux, text),
        .p_vaddr = 0xffffffff81000000ull, .p_paddr = 0x1000000, .p_filesz = 64, .p_memsz = 0x200000,
    };
    image->phdr[1] = (Elf64_Phdr){
        .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0,
        .p_vaddr = 0, .p_paddr = 0x1200000, .p_filesz = 0, .p_memsz = 0x1000,  /* percpu: p_vaddr 0 */
    };
    image->phdr[2] = (Elf64_Phdr){
        .p_type = PT_NOTE, .p_offset = offsetof(struct vmlinux, salt),
        .p_filesz = sizeof image->salt + sizeof image->salt_name + sizeof image->salt_desc,
    };
    image->salt = (Elf64_Nhdr){ .n_namesz = 6, .n_descsz = 11, .n_type = 0x100 };
    memcpy(image->salt_name, "Linux", 6);
    memcpy(image->salt_desc, "6.1.0-test", 11);
    memset(image->text, 0x90, sizeof image->text);
}

START_TEST(test_vmlinux_plan)
{
    struct vmlinux image;
    make_vmlinux(&image);
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];
    ck_assert_msg(mhv_linux_plan((uint8_t *)&image, sizeof image, MIB, "", RAM_256M, &plan, err, ERR_SIZE) == 0,
                  "%s", err);
    ck_assert_int_eq(plan.format, MHV_LINUX_VMLINUX);
    ck_assert_str_eq(plan.version, "6.1.0-test");
    ck_assert_uint_eq(plan.entry, 0x1000000);
    ck_assert_uint_eq(plan.kernel_end, 0x1201000);
    ck_assert_uint_eq(plan.elf.segment_count, 2);
    ck_assert_uint_eq(plan.elf.segments[0].paddr, 0x1000000);
    ck_assert_uint_ge(plan.initrd_addr, plan.kernel_end);

    /* The identity rule an ordinary image follows refuses it, and says why. */
    struct mhv_elf_image elf;
    ck_assert_int_eq(mhv_elf_parse(&image, sizeof image, 0, RAM_256M, &elf, err, ERR_SIZE), -1);
    ck_assert_msg(strstr(err, "p_vaddr 0xffffffff81000000 differs from p_paddr 0x1000000"), "%s", err);
}
END_TEST

START_TEST(test_vmlinux_refusals)
{
    struct vmlinux image;
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];

    make_vmlinux(&image);
    image.phdr[0].p_paddr = 0x80000;  /* below 1 MiB: on the zero page and the EBDA */
    image.ehdr.e_entry = 0x80000;
    ck_assert_int_eq(mhv_linux_plan((uint8_t *)&image, sizeof image, 0, "", RAM_256M, &plan, err, ERR_SIZE), -1);
    ck_assert_msg(strstr(err, "vmlinux: program header 0 (PT_LOAD): guest physical [0x80000, 0x280000) is outside"),
                  "%s", err);

    make_vmlinux(&image);
    image.ehdr.e_entry = 0x1200000;   /* in the data segment */
    ck_assert_int_eq(mhv_linux_plan((uint8_t *)&image, sizeof image, 0, "", RAM_256M, &plan, err, ERR_SIZE), -1);
    ck_assert_msg(strstr(err, "not executable"), "%s", err);

    /* An ELF that is not a kernel: no "Linux" note. */
    make_vmlinux(&image);
    memcpy(image.salt_name, "Other", 6);
    ck_assert_int_eq(mhv_linux_plan((uint8_t *)&image, sizeof image, 0, "", RAM_256M, &plan, err, ERR_SIZE), -1);
    ck_assert_msg(strstr(err, "not a Linux kernel: an ELF file, but without the \"Linux\" ELF notes"), "%s", err);
    /* A note that claims more bytes than its segment has is not read past it. */
    make_vmlinux(&image);
    image.salt.n_descsz = 4000;
    ck_assert_int_eq(mhv_linux_plan((uint8_t *)&image, sizeof image, 0, "", RAM_256M, &plan, err, ERR_SIZE), -1);
    ck_assert_msg(strstr(err, "not a Linux kernel"), "%s", err);

    make_vmlinux(&image);
    image.phdr[1].p_paddr = 0x10000000;  /* 256 MiB: past the RAM */
    ck_assert_int_eq(mhv_linux_plan((uint8_t *)&image, sizeof image, 0, "", 128 * MIB, &plan, err, ERR_SIZE), -1);
    ck_assert_msg(strstr(err, "give more RAM with --mem"), "%s", err);
}
END_TEST

/* ===== the zero page =========================================================== */

START_TEST(test_zero_page_from_bzimage)
{
    struct bzimage image;
    make_bzimage(&image);
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];
    ck_assert_msg(plan_of(&image, 2 * MIB, "console=ttyS0 quiet", RAM_256M, &plan, err) == 0, "%s", err);

    uint8_t *ram = calloc(1, 1 * MIB);
    ck_assert_ptr_nonnull(ram);
    memset(ram, 0xEE, MIB);
    mhv_linux_write_boot_params(ram, &plan, image.bytes, "console=ttyS0 quiet", 0xE0000);
    struct boot_params params;
    memcpy(&params, ram + MHV_LINUX_ZERO_PAGE, sizeof params);

    ck_assert_uint_eq(params.hdr.boot_flag, 0xAA55);
    ck_assert_uint_eq(params.hdr.header, 0x53726448);
    ck_assert_uint_eq(params.hdr.version, 0x020F);
    ck_assert_uint_eq(params.hdr.init_size, 0x3000000);     /* copied from the image */
    ck_assert_uint_eq(params.hdr.type_of_loader, 0xFF);
    ck_assert_uint_eq(params.hdr.cmd_line_ptr, MHV_LINUX_CMDLINE);
    ck_assert_uint_eq(params.ext_cmd_line_ptr, 0);
    ck_assert_uint_eq(params.hdr.ramdisk_image, plan.initrd_addr);
    ck_assert_uint_eq(params.hdr.ramdisk_size, 2 * MIB);
    ck_assert_uint_eq(params.ext_ramdisk_image, 0);
    ck_assert_uint_eq(params.sentinel, 0);
    ck_assert_uint_eq(params.acpi_rsdp_addr, 0xE0000);
    ck_assert_str_eq((char *)ram + MHV_LINUX_CMDLINE, "console=ttyS0 quiet");
    ck_assert_uint_eq(ram[MHV_LINUX_ZERO_PAGE - 1], 0xEE);  /* nothing written around it */
    ck_assert_uint_eq(ram[MHV_LINUX_ZERO_PAGE + 4096], 0xEE);

    ck_assert_uint_eq(params.e820_entries, 4);
    struct boot_e820_entry expected[] = {
        { 0, 0x9FC00, 1 },
        { 0x9FC00, 0x100000 - 0x9FC00, 2 },
        { 0x100000, RAM_256M - MHV_RESERVED_SIZE - 0x100000, 1 },
        { RAM_256M - MHV_RESERVED_SIZE, MHV_RESERVED_SIZE, 2 },
    };
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(params.e820_table[i].addr, expected[i].addr);
        ck_assert_uint_eq(params.e820_table[i].size, expected[i].size);
        ck_assert_uint_eq(params.e820_table[i].type, expected[i].type);
    }
    free(ram);
}
END_TEST

START_TEST(test_zero_page_from_vmlinux)
{
    struct vmlinux image;
    make_vmlinux(&image);
    struct mhv_linux_plan plan;
    char err[ERR_SIZE];
    ck_assert_msg(mhv_linux_plan((uint8_t *)&image, sizeof image, 0, "", RAM_256M, &plan, err, ERR_SIZE) == 0,
                  "%s", err);
    uint8_t *ram = calloc(1, MIB);
    ck_assert_ptr_nonnull(ram);
    mhv_linux_write_boot_params(ram, &plan, (uint8_t *)&image, NULL, 0xE0000);
    struct boot_params params;
    memcpy(&params, ram + MHV_LINUX_ZERO_PAGE, sizeof params);
    ck_assert_uint_eq(params.hdr.boot_flag, 0xAA55);
    ck_assert_uint_eq(params.hdr.header, 0x53726448);
    ck_assert_uint_eq(params.hdr.type_of_loader, 0xFF);
    ck_assert_uint_eq(params.hdr.ramdisk_image, 0);
    ck_assert_uint_eq(params.hdr.ramdisk_size, 0);
    ck_assert_uint_eq(params.e820_entries, 4);
    ck_assert_str_eq((char *)ram + MHV_LINUX_CMDLINE, "");
    free(ram);
}
END_TEST

/* ===== the command line ========================================================= */

static const char *composed(const char *append, const char *const *extra, size_t count)
{
    static char out[4096];
    ck_assert_int_eq(mhv_linux_cmdline(append, extra, count, out, sizeof out), 0);
    return out;
}

START_TEST(test_cmdline_defaults)
{
    ck_assert_str_eq(composed(NULL, NULL, 0), "console=ttyS0 panic=-1 reboot=k pci=off i8042.noaux");
    ck_assert_str_eq(composed("quiet", NULL, 0), "quiet console=ttyS0 panic=-1 reboot=k pci=off i8042.noaux");
    /* A parameter the user gave is left as the user gave it. */
    ck_assert_str_eq(composed("console=hvc0 panic=5 quiet", NULL, 0),
                     "console=hvc0 panic=5 quiet reboot=k pci=off i8042.noaux");
    ck_assert_str_eq(composed("reboot=t acpi=force pci=conf1", NULL, 0),
                     "reboot=t acpi=force pci=conf1 console=ttyS0 panic=-1 i8042.noaux");
    /* "earlyconsole=" is not "console=". */
    ck_assert_str_eq(composed("xconsole=1", NULL, 0), "xconsole=1 console=ttyS0 panic=-1 reboot=k pci=off i8042.noaux");
}
END_TEST

START_TEST(test_cmdline_extra_and_init_arguments)
{
    const char *extra[] = { "virtio_mmio.device=4K@0xd0000000:5" };
    ck_assert_str_eq(composed("quiet", extra, 1),
                     "quiet console=ttyS0 panic=-1 reboot=k pci=off i8042.noaux virtio_mmio.device=4K@0xd0000000:5");
    /* Init's arguments after " -- " stay last; a console= there is init's, not the kernel's. */
    ck_assert_str_eq(composed("quiet -- console=x single", extra, 1),
                     "quiet console=ttyS0 panic=-1 reboot=k pci=off i8042.noaux virtio_mmio.device=4K@0xd0000000:5 "
                     "-- console=x single");
    ck_assert_str_eq(composed("-- init-arg", NULL, 0), "console=ttyS0 panic=-1 reboot=k pci=off i8042.noaux -- init-arg");
    /* "a--b" is a word, not the separator. */
    ck_assert_str_eq(composed("a--b", NULL, 0), "a--b console=ttyS0 panic=-1 reboot=k pci=off i8042.noaux");
}
END_TEST

START_TEST(test_cmdline_too_long)
{
    char out[40];
    ck_assert_int_eq(mhv_linux_cmdline("quiet", NULL, 0, out, sizeof out), -1);
    ck_assert_int_eq(mhv_linux_cmdline("quiet", NULL, 0, out, 10), -1);
}
END_TEST

/* ===== the console ============================================================= */

static void feed(struct mhv_linux_console_watch *watch, const char *text)
{
    for (; *text; text++)
        mhv_linux_watch_byte(watch, (uint8_t)*text);
}

/* The word test mhv_linux_cmdline adds its defaults by, and mhv uses to
 * tell whether the kernel's console is the UART. */
START_TEST(test_cmdline_has)
{
    ck_assert(mhv_linux_cmdline_has("quiet console=ttyS0,115200", "console="));
    ck_assert(mhv_linux_cmdline_has("quiet console=ttyS0,115200", "console=ttyS0"));
    ck_assert(mhv_linux_cmdline_has("console=tty0", "console="));
    ck_assert(!mhv_linux_cmdline_has("console=tty0", "console=ttyS0"));
    ck_assert(!mhv_linux_cmdline_has("xconsole=ttyS0 quiet", "console="));    /* a word's start only */
    ck_assert(!mhv_linux_cmdline_has("quiet -- console=ttyS0", "console=")); /* init's, not the kernel's */
    ck_assert(!mhv_linux_cmdline_has("", "console="));
    ck_assert(!mhv_linux_cmdline_has(NULL, "console="));
}
END_TEST

START_TEST(test_panic_watch)
{
    struct mhv_linux_console_watch watch = { 0 };
    feed(&watch, "[    0.1] booting\r\n~ # echo c > /proc/sysrq-trigger\r\n");
    ck_assert_int_eq(watch.panicked, 0);
    feed(&watch, "[   12.345678] Kernel panic - not syncing: sysrq triggered crash\r\n");
    ck_assert_int_eq(watch.panicked, 1);
    ck_assert_str_eq(watch.panic, "Kernel panic - not syncing: sysrq triggered crash");
    feed(&watch, "[   12.4] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---\r\n");
    ck_assert_str_eq(watch.panic, "Kernel panic - not syncing: sysrq triggered crash");  /* the first one stays */

    /* A line longer than the buffer is cut, not overrun. */
    struct mhv_linux_console_watch long_line = { 0 };
    for (int i = 0; i < 1000; i++)
        mhv_linux_watch_byte(&long_line, 'x');
    ck_assert_uint_lt(long_line.length, sizeof long_line.line);
    feed(&long_line, "\nKernel panic - not syncing: Attempted to kill init! exitcode=0x00000000\n");
    ck_assert_str_eq(long_line.panic, "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000");
}
END_TEST

static size_t filter(struct mhv_console_escape *escape, const char *in, char *out)
{
    size_t length = strlen(in);
    memcpy(out, in, length);
    size_t kept = mhv_console_escape_filter(escape, (uint8_t *)out, length);
    out[kept] = '\0';
    return kept;
}

START_TEST(test_escape_keys)
{
    struct mhv_console_escape escape = { 0 };
    char out[64];
    ck_assert_uint_eq(filter(&escape, "ls\r", out), 3);
    ck_assert_str_eq(out, "ls\r");
    ck_assert_uint_eq(filter(&escape, "a\x03" "b", out), 3);  /* Ctrl-C goes to the guest */
    ck_assert_str_eq(out, "a\x03" "b");
    filter(&escape, "\x01\x01z", out);                         /* Ctrl-A Ctrl-A: one Ctrl-A */
    ck_assert_str_eq(out, "\x01z");
    filter(&escape, "q\x01" "bq", out);                        /* an unknown escape is dropped */
    ck_assert_str_eq(out, "qq");
    filter(&escape, "\x01h", out);
    ck_assert_int_eq(escape.help, 1);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(escape.quit, 0);

    /* The escape key at the end of one read, its key at the start of the next. */
    filter(&escape, "ab\x01", out);
    ck_assert_str_eq(out, "ab");
    ck_assert_int_eq(escape.pending, 1);
    filter(&escape, "xcd", out);
    ck_assert_int_eq(escape.quit, 1);
    ck_assert_str_eq(out, "");                                 /* after quit, nothing more */
    filter(&escape, "more", out);
    ck_assert_str_eq(out, "");
}
END_TEST

static Suite *linux_suite(void)
{
    Suite *s = suite_create("mhv_linux");
    TCase *tc = tcase_create("bzimage");
    tcase_add_test(tc, test_bzimage_plan);
    tcase_add_test(tc, test_bzimage_setup_sects_zero_means_four);
    tcase_add_test(tc, test_bzimage_initrd_at_the_top);
    tcase_add_test(tc, test_bzimage_initrd_addr_max);
    tcase_add_test(tc, test_bzimage_refusals);
    tcase_add_test(tc, test_bzimage_ram_and_fit);
    suite_add_tcase(s, tc);
    tc = tcase_create("vmlinux");
    tcase_add_test(tc, test_vmlinux_plan);
    tcase_add_test(tc, test_vmlinux_refusals);
    suite_add_tcase(s, tc);
    tc = tcase_create("zeropage");
    tcase_add_test(tc, test_zero_page_from_bzimage);
    tcase_add_test(tc, test_zero_page_from_vmlinux);
    suite_add_tcase(s, tc);
    tc = tcase_create("cmdline");
    tcase_add_test(tc, test_cmdline_defaults);
    tcase_add_test(tc, test_cmdline_extra_and_init_arguments);
    tcase_add_test(tc, test_cmdline_too_long);
    tcase_add_test(tc, test_cmdline_has);
    suite_add_tcase(s, tc);
    tc = tcase_create("console");
    tcase_add_test(tc, test_panic_watch);
    tcase_add_test(tc, test_escape_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(linux_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
