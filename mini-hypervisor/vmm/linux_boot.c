/*
 * linux_boot.c -- the x86 boot protocol's 64-bit entry (see linux_boot.h).
 *
 * The setup header sits at offset 0x1F1 both in a bzImage file and in the
 * zero page, which is why <asm/bootparam.h> describes it as part of
 * struct boot_params: a boot loader copies the file's header into the
 * zero page and then fills in the fields marked "write" in boot.rst.
 * Every field is read with memcpy: the header is packed and the file may
 * sit at any alignment.
 */
#include "linux_boot.h"
#include "vmlab_error.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu.h"
#include "image.h"
#include "memlayout.h"
#include "mhv_assert.h"

#define HDR_OFFSET offsetof(struct boot_params, hdr)  /* 0x1F1, in the file and the zero page */
#define HDR_MAGIC 0x53726448u                        /* "HdrS" */
#define BOOT_FLAG 0xAA55u
#define E820_RAM 1
#define E820_RESERVED 2
#define LOADER_UNDEFINED 0xFF                        /* boot.rst: "boot loader not registered" */
#define DEFAULT_CMDLINE_MAX 255                      /* before protocol 2.06 */
#define PAGE 0x1000ull

_Static_assert(HDR_OFFSET == 0x1F1, "the setup header is at 0x1F1");
_Static_assert(sizeof(struct boot_params) == 4096, "the zero page is one page");
_Static_assert(MHV_LINUX_ZERO_PAGE + sizeof(struct boot_params) <= MHV_LINUX_CMDLINE,
               "the zero page ends before the command line");
_Static_assert(MHV_ACPI_BASE >= MHV_LINUX_EBDA && MHV_ACPI_BASE + MHV_ACPI_SIZE <= 0x100000,
               "the ACPI tables lie in the reserved BIOS area");

int mhv_linux_is_bzimage(const uint8_t *file, size_t size)
{
    if (size < HDR_OFFSET + sizeof(struct setup_header))
        return 0;
    uint16_t boot_flag;
    uint32_t magic;
    memcpy(&boot_flag, file + HDR_OFFSET + offsetof(struct setup_header, boot_flag), sizeof boot_flag);
    memcpy(&magic, file + HDR_OFFSET + offsetof(struct setup_header, header), sizeof magic);
    return boot_flag == BOOT_FLAG && magic == HDR_MAGIC;
}

/* The compressors Linux's decompressor knows, by their first bytes. */
static const char *payload_format(const uint8_t *bytes, uint64_t size)
{
    static const struct { const char *name; uint8_t magic[6]; uint8_t length; } formats[] = {
        { "gzip", { 0x1F, 0x8B }, 2 },
        { "bzip2", { 'B', 'Z', 'h' }, 3 },
        { "lzma", { 0x5D, 0x00, 0x00 }, 3 },
        { "xz", { 0xFD, '7', 'z', 'X', 'Z', 0x00 }, 6 },
        { "lzo", { 0x89, 'L', 'Z', 'O' }, 4 },
        { "lz4", { 0x02, 0x21, 0x4C, 0x18 }, 4 },
        { "zstd", { 0x28, 0xB5, 0x2F, 0xFD }, 4 },
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (size >= formats[i].length && memcmp(bytes, formats[i].magic, formats[i].length) == 0)
            return formats[i].name;
    return NULL;
}

/* The version string a bzImage's kernel_version field points to (an
 * offset from the end of the 512-byte boot sector). */
static void read_version(const uint8_t *file, size_t size, const struct setup_header *hdr,
                         struct mhv_linux_plan *plan)
{
    plan->version[0] = '\0';
    uint64_t at = (uint64_t)hdr->kernel_version + 0x200;
    if (hdr->kernel_version == 0 || at >= size)
        return;
    size_t i = 0;
    while (i + 1 < sizeof plan->version && at + i < size && file[at + i] >= ' ' && file[at + i] < 0x7F) {
        plan->version[i] = (char)file[at + i];
        i++;
    }
    plan->version[i] = '\0';
}

/* Does cmdline[0 .. length) have a word that starts with name? */
static int has_parameter(const char *cmdline, size_t length, const char *name)
{
    size_t name_length = strlen(name);
    for (size_t i = 0; i < length;) {
        while (i < length && cmdline[i] == ' ')
            i++;
        size_t word = i;
        while (i < length && cmdline[i] != ' ')
            i++;
        if (i - word >= name_length && strncmp(cmdline + word, name, name_length) == 0)
            return 1;
    }
    return 0;
}

/* Where init's arguments start (" -- "), or the end. */
static size_t kernel_part_length(const char *cmdline)
{
    size_t length = strlen(cmdline);
    for (size_t i = 0; i + 1 < length; i++)
        if (cmdline[i] == '-' && cmdline[i + 1] == '-' && (i == 0 || cmdline[i - 1] == ' ') &&
            (i + 2 == length || cmdline[i + 2] == ' '))
            return i;
    return length;
}

int mhv_linux_cmdline_has(const char *cmdline, const char *name)
{
    return cmdline && has_parameter(cmdline, kernel_part_length(cmdline), name);
}

int mhv_linux_cmdline(const char *append, const char *const *extra, size_t extra_count,
                      char *out, size_t out_size)
{
    static const char *const defaults[][2] = {
        { "console=", "console=ttyS0" },
        { "panic=", "panic=-1" },
        { "reboot=", "reboot=k" },
        { "pci=", "pci=off" },
        { "i8042.noaux", "i8042.noaux" },
    };
    if (!append)
        append = "";
    size_t kernel_part = kernel_part_length(append);
    size_t used = 0;
    int written = snprintf(out, out_size, "%.*s", (int)kernel_part, append);
    if (written < 0 || (size_t)written >= out_size)
        return -1;
    used = (size_t)written;
    while (used > 0 && out[used - 1] == ' ')
        out[--used] = '\0';
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0] + extra_count; i++) {
        const char *word;
        if (i < sizeof defaults / sizeof defaults[0]) {
            if (has_parameter(append, kernel_part, defaults[i][0]))
                continue;
            word = defaults[i][1];
        } else {
            word = extra[i - sizeof defaults / sizeof defaults[0]];
        }
        written = snprintf(out + used, out_size - used, "%s%s", used ? " " : "", word);
        if (written < 0 || (size_t)written >= out_size - used)
            return -1;
        used += (size_t)written;
    }
    if (append[kernel_part] != '\0') {
        written = snprintf(out + used, out_size - used, "%s%s", used ? " " : "", append + kernel_part);
        if (written < 0 || (size_t)written >= out_size - used)
            return -1;
    }
    return 0;
}

static int plan_bzimage(const uint8_t *file, size_t size, struct mhv_linux_plan *plan,
                        char *err, size_t err_size)
{
    struct setup_header hdr;
    memcpy(&hdr, file + HDR_OFFSET, sizeof hdr);
    plan->format = MHV_LINUX_BZIMAGE;
    plan->protocol = hdr.version;
    if (hdr.version < MHV_LINUX_MIN_PROTOCOL)
        return vmlab_fail(err, err_size,
                    "boot protocol version %u.%02u: mhv boots only through the 64-bit entry point, "
                    "which needs 2.12 or later (Linux 3.8 and later)",
                    hdr.version >> 8, hdr.version & 0xFF);
    if (!(hdr.xloadflags & XLF_KERNEL_64))
        return vmlab_fail(err, err_size,
                    "the kernel has no 64-bit entry point (its header's xloadflags lack XLF_KERNEL_64): "
                    "mhv boots 64-bit x86 kernels only");
    if (!(hdr.loadflags & LOADED_HIGH))
        return vmlab_fail(err, err_size, "a zImage (loaded below 1 MiB): mhv boots bzImages only");

    unsigned setup_sects = hdr.setup_sects ? hdr.setup_sects : 4;  /* boot.rst: 0 means 4 */
    plan->kernel_offset = (uint64_t)(setup_sects + 1) * 512;
    plan->kernel_size = (uint64_t)hdr.syssize * 16;
    if (plan->kernel_offset >= size)
        return vmlab_fail(err, err_size,
                    "truncated: the header says %u setup sectors (%" PRIu64 " bytes), the file has %zu bytes",
                    setup_sects, plan->kernel_offset, size);
    if (plan->kernel_size == 0 || plan->kernel_size > size - plan->kernel_offset)
        return vmlab_fail(err, err_size,
                    "truncated: the header says the kernel is %" PRIu64 " bytes after its setup code, "
                    "the file has %" PRIu64 " there (was it cut short?)",
                    plan->kernel_size, (uint64_t)(size - plan->kernel_offset));
    if ((uint64_t)hdr.payload_offset + hdr.payload_length > plan->kernel_size || hdr.payload_length == 0)
        return vmlab_fail(err, err_size,
                    "corrupt: the compressed kernel (payload_offset 0x%x, payload_length 0x%x) "
                    "is not inside the %" PRIu64 "-byte kernel",
                    hdr.payload_offset, hdr.payload_length, plan->kernel_size);
    const uint8_t *payload = file + plan->kernel_offset + hdr.payload_offset;
    if (!payload_format(payload, hdr.payload_length))
        return vmlab_fail(err, err_size,
                    "corrupt: the compressed kernel at 0x%" PRIx64 " starts with %02x %02x %02x %02x, "
                    "which is none of the formats Linux decompresses (gzip, bzip2, lzma, xz, lzo, lz4, zstd)",
                    plan->kernel_offset + hdr.payload_offset, payload[0], payload[1], payload[2], payload[3]);
    read_version(file, size, &hdr, plan);

    plan->kernel_load = MHV_LINUX_BZIMAGE_LOAD;
    plan->entry = MHV_LINUX_BZIMAGE_LOAD + MHV_LINUX_64BIT_ENTRY_OFFSET;
    plan->cmdline_max = hdr.cmdline_size ? hdr.cmdline_size : DEFAULT_CMDLINE_MAX;
    /* The kernel decompresses itself to pref_address (its link address,
     * when it is above where it was loaded) and needs init_size bytes from
     * there; KASLR moves it elsewhere only into RAM the e820 map offers,
     * away from the initrd. */
    uint64_t runs_at = hdr.pref_address > plan->kernel_load ? hdr.pref_address : plan->kernel_load;
    uint64_t needs_to = runs_at + hdr.init_size;
    uint64_t loaded_to = plan->kernel_load + plan->kernel_size;
    plan->kernel_end = needs_to > loaded_to ? needs_to : loaded_to;
    return 0;
}

/* A vmlinux carries ELF notes whose owner is "Linux" (include/linux/
 * elfnote.h); LINUX_ELFNOTE_BUILD_SALT's text is the kernel's release.
 * Returns 1 when file (an ELF64, little-endian) has one, copying that
 * release into version; 0 when it has none.  Every offset is checked
 * against the file. */
#define LINUX_ELFNOTE_BUILD_SALT 0x100

static int find_linux_notes(const uint8_t *file, size_t size, char *version, size_t version_size)
{
    Elf64_Ehdr ehdr;
    if (size < sizeof ehdr)
        return 0;
    memcpy(&ehdr, file, sizeof ehdr);
    if (ehdr.e_phentsize != sizeof(Elf64_Phdr) || ehdr.e_phoff > size ||
        (uint64_t)ehdr.e_phnum * sizeof(Elf64_Phdr) > size - ehdr.e_phoff)
        return 0;
    int found = 0;
    for (unsigned i = 0; i < ehdr.e_phnum; i++) {
        Elf64_Phdr phdr;
        memcpy(&phdr, file + ehdr.e_phoff + (uint64_t)i * sizeof phdr, sizeof phdr);
        if (phdr.p_type != PT_NOTE || phdr.p_offset > size || phdr.p_filesz > size - phdr.p_offset)
            continue;
        const uint8_t *note = file + phdr.p_offset, *end = note + phdr.p_filesz;
        while ((size_t)(end - note) >= sizeof(Elf64_Nhdr)) {
            Elf64_Nhdr nhdr;
            memcpy(&nhdr, note, sizeof nhdr);
            uint64_t name_room = ((uint64_t)nhdr.n_namesz + 3) & ~3ull;
            uint64_t desc_room = ((uint64_t)nhdr.n_descsz + 3) & ~3ull;
            const uint8_t *name = note + sizeof nhdr, *desc = name + name_room;
            if (name_room > (uint64_t)(end - name) || desc_room > (uint64_t)(end - desc))
                break;
            if (nhdr.n_namesz == 6 && memcmp(name, "Linux", 6) == 0) {
                found = 1;
                if (nhdr.n_type == LINUX_ELFNOTE_BUILD_SALT && nhdr.n_descsz > 0)
                    snprintf(version, version_size, "%.*s", (int)strnlen((const char *)desc, nhdr.n_descsz), desc);
            }
            note = desc + desc_room;
        }
    }
    return found;
}

static int plan_vmlinux(const uint8_t *file, size_t size, struct mhv_linux_plan *plan,
                        char *err, size_t err_size)
{
    char elf_err[400];
    plan->format = MHV_LINUX_VMLINUX;
    if (size > EI_CLASS && file[EI_CLASS] == ELFCLASS32)
        return vmlab_fail(err, err_size, "vmlinux: an ELF32 kernel: mhv boots 64-bit x86 kernels only");
    if (!find_linux_notes(file, size, plan->version, sizeof plan->version))
        return vmlab_fail(err, err_size,
                    "not a Linux kernel: an ELF file, but without the \"Linux\" ELF notes a vmlinux carries");
    if (mhv_elf_parse_placed(file, size, MHV_LINUX_BZIMAGE_LOAD, plan->usable_end, MHV_ELF_PHYSICAL,
                             &plan->elf, elf_err, sizeof elf_err) < 0)
        return vmlab_fail(err, err_size, "vmlinux: %s", elf_err);
    if (plan->elf.bits != 64)
        return vmlab_fail(err, err_size, "vmlinux: an ELF32 kernel: mhv boots 64-bit x86 kernels only");
    plan->entry = plan->elf.entry;
    plan->kernel_end = plan->elf.highest;
    plan->cmdline_max = 2047;  /* COMMAND_LINE_SIZE of x86-64 */
    return 0;
}

int mhv_linux_plan(const uint8_t *kernel, size_t kernel_size, uint64_t initrd_size, const char *cmdline,
                   size_t ram_size, struct mhv_linux_plan *plan, char *err, size_t err_size)
{
    *plan = (struct mhv_linux_plan){ .ram_size = ram_size };
    if (ram_size < ((size_t)MHV_LINUX_MIN_RAM_MIB << 20))
        return vmlab_fail(err, err_size, "Linux needs at least %d MiB of RAM, and --mem gives %zu MiB",
                    MHV_LINUX_MIN_RAM_MIB, ram_size >> 20);
    plan->usable_end = MHV_RESERVED_BASE(ram_size);

    int status;
    if (mhv_elf_is_elf(kernel, kernel_size))
        status = plan_vmlinux(kernel, kernel_size, plan, err, err_size);
    else if (mhv_linux_is_bzimage(kernel, kernel_size))
        status = plan_bzimage(kernel, kernel_size, plan, err, err_size);
    else if (kernel_size < HDR_OFFSET + sizeof(struct setup_header))
        status = vmlab_fail(err, err_size, "%zu bytes: too short to be a Linux kernel (a bzImage or a vmlinux)",
                      kernel_size);
    else
        status = vmlab_fail(err, err_size,
                      "not a Linux kernel: neither a bzImage (no 0xAA55 at 0x1FE and \"HdrS\" at 0x202) "
                      "nor an ELF vmlinux");
    if (status < 0)
        return -1;

    if (plan->kernel_end > plan->usable_end)
        return vmlab_fail(err, err_size,
                    "the kernel needs RAM up to %" PRIu64 " MiB, and --mem gives %zu MiB (less the 64 KiB mhv keeps): "
                    "give more with --mem",
                    (plan->kernel_end + (1u << 20) - 1) >> 20, ram_size >> 20);

    size_t cmdline_length = cmdline ? strlen(cmdline) : 0;
    if (cmdline_length > plan->cmdline_max)
        return vmlab_fail(err, err_size, "the kernel command line is %zu bytes, more than the %" PRIu64 " this kernel takes",
                    cmdline_length, plan->cmdline_max);
    MHV_ASSERT(MHV_LINUX_CMDLINE + plan->cmdline_max < MHV_LINUX_EBDA);

    if (initrd_size > 0) {
        uint64_t highest_end = plan->usable_end;
        if (plan->format == MHV_LINUX_BZIMAGE) {
            uint32_t initrd_addr_max;
            memcpy(&initrd_addr_max, kernel + HDR_OFFSET + offsetof(struct setup_header, initrd_addr_max),
                   sizeof initrd_addr_max);
            if ((uint64_t)initrd_addr_max + 1 < highest_end)
                highest_end = (uint64_t)initrd_addr_max + 1;
        }
        uint64_t start = highest_end >= initrd_size ? (highest_end - initrd_size) & ~(PAGE - 1) : 0;
        if (initrd_size > highest_end || start < plan->kernel_end)
            return vmlab_fail(err, err_size,
                        "the initrd (%" PRIu64 " KiB) does not fit in RAM between the kernel (which needs up to "
                        "%" PRIu64 " MiB) and %" PRIu64 " MiB: give more with --mem",
                        initrd_size >> 10, (plan->kernel_end + (1u << 20) - 1) >> 20, highest_end >> 20);
        plan->initrd_addr = start;
        plan->initrd_size = initrd_size;
    }
    return 0;
}

static void add_e820(struct boot_params *params, uint64_t addr, uint64_t end, uint32_t type)
{
    MHV_ASSERT(params->e820_entries < E820_MAX_ENTRIES_ZEROPAGE && addr < end);
    struct boot_e820_entry *entry = &params->e820_table[params->e820_entries++];
    entry->addr = addr;
    entry->size = end - addr;
    entry->type = type;
}

void mhv_linux_write_boot_params(uint8_t *ram, const struct mhv_linux_plan *plan, const uint8_t *kernel,
                                 const char *cmdline, uint64_t acpi_rsdp)
{
    struct boot_params params;
    memset(&params, 0, sizeof params);

    if (plan->format == MHV_LINUX_BZIMAGE) {
        /* The header runs from 0x1F1 to 0x202 + the byte at 0x201 (the
         * jump over it), never past the part <asm/bootparam.h> knows. */
        size_t length = 0x202 + kernel[0x201] - HDR_OFFSET;
        if (length > sizeof params.hdr)
            length = sizeof params.hdr;
        memcpy(&params.hdr, kernel + HDR_OFFSET, length);
    } else {
        /* A vmlinux has no header: write the fields the kernel checks. */
        params.hdr.boot_flag = BOOT_FLAG;
        params.hdr.header = HDR_MAGIC;
        params.hdr.kernel_alignment = 0x1000000;
    }
    params.hdr.type_of_loader = LOADER_UNDEFINED;  /* nonzero: Linux ignores an initrd without it */
    params.hdr.cmd_line_ptr = MHV_LINUX_CMDLINE;
    params.hdr.cmdline_size = (uint32_t)plan->cmdline_max;
    params.hdr.ramdisk_image = (uint32_t)plan->initrd_addr;
    params.ext_ramdisk_image = (uint32_t)(plan->initrd_addr >> 32);
    params.hdr.ramdisk_size = (uint32_t)plan->initrd_size;
    params.ext_ramdisk_size = (uint32_t)(plan->initrd_size >> 32);
    params.acpi_rsdp_addr = acpi_rsdp;  /* so the kernel need not scan the BIOS area for it */

    /* The memory map: what a PC BIOS reports, and mhv's own area. */
    add_e820(&params, 0, MHV_LINUX_EBDA, E820_RAM);
    add_e820(&params, MHV_LINUX_EBDA, 0x100000, E820_RESERVED);
    add_e820(&params, 0x100000, plan->usable_end, E820_RAM);
    add_e820(&params, plan->usable_end, plan->ram_size, E820_RESERVED);

    memcpy(ram + MHV_LINUX_ZERO_PAGE, &params, sizeof params);
    size_t length = cmdline ? strlen(cmdline) : 0;
    MHV_ASSERT(length <= plan->cmdline_max);  /* mhv_linux_plan checked it */
    memcpy(ram + MHV_LINUX_CMDLINE, cmdline ? cmdline : "", length);
    ram[MHV_LINUX_CMDLINE + length] = '\0';
}

int mhv_linux_load(struct mhv_vm *vm, const uint8_t *kernel, size_t kernel_size, const uint8_t *initrd,
                   const struct mhv_linux_plan *plan, const char *cmdline,
                   const struct mhv_acpi_device *devices, size_t device_count, char *err, size_t err_size)
{
    if (device_count > MHV_ACPI_MAX_DEVICES)
        return vmlab_fail(err, err_size, "%zu virtio devices: mhv describes at most %d", device_count,
                    MHV_ACPI_MAX_DEVICES);
    if (plan->ram_size != vm->ram_size)
        return vmlab_fail(err, err_size, "the boot was planned for %zu bytes of RAM, the VM has %zu",
                    plan->ram_size, vm->ram_size);
    if (plan->format == MHV_LINUX_VMLINUX) {
        if (mhv_elf_load(&plan->elf, kernel, kernel_size, vm->ram, vm->ram_size, err, err_size) < 0)
            return -1;
    } else {
        MHV_ASSERT(plan->kernel_offset + plan->kernel_size <= kernel_size);
        memcpy(vm->ram + plan->kernel_load, kernel + plan->kernel_offset, plan->kernel_size);
    }
    if (plan->initrd_size > 0)
        memcpy(vm->ram + plan->initrd_addr, initrd, plan->initrd_size);
    uint64_t rsdp = mhv_acpi_write(vm->ram, devices, device_count);
    mhv_linux_write_boot_params(vm->ram, plan, kernel, cmdline, rsdp);

    /* mhv's GDT and identity page tables, as for any long-mode guest. */
    struct mhv_image_plan tables = { .mode = MHV_MODE_LONG, .highest = plan->kernel_end };
    uint16_t gdt_limit = mhv_image_write_boot_structures(vm->ram, vm->ram_size, &tables, "", 0);
    uint64_t reserved = MHV_RESERVED_BASE(vm->ram_size);
    if (mhv_cpu_enter_flat(vm, MHV_MODE_LONG, plan->entry, reserved + MHV_RESERVED_GDT, gdt_limit,
                           reserved + MHV_RESERVED_PML4, vm->ram_size, 0, err, err_size) < 0)
        return -1;
    /* The 64-bit protocol: RSI holds the zero page. */
    struct kvm_regs regs;
    if (mhv_cpu_registers(vm, KVM_GET_REGS, &regs, err, err_size) < 0)
        return -1;
    regs.rsi = MHV_LINUX_ZERO_PAGE;
    return mhv_cpu_registers(vm, KVM_SET_REGS, &regs, err, err_size);
}

void mhv_linux_watch_byte(struct mhv_linux_console_watch *watch, uint8_t byte)
{
    static const char banner[] = "Kernel panic - not syncing";
    if (byte != '\n' && byte != '\r') {
        if (watch->length + 1 < sizeof watch->line)
            watch->line[watch->length++] = (char)byte;
        return;
    }
    watch->line[watch->length] = '\0';
    /* The kernel's lines start with a timestamp ("[    1.234] ") when
     * printk.time is on: look for the banner anywhere in the line. */
    const char *found = strstr(watch->line, banner);
    if (found && !watch->panicked) {
        watch->panicked = 1;
        snprintf(watch->panic, sizeof watch->panic, "%s", found);
    }
    watch->length = 0;
}
