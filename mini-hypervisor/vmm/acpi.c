/*
 * acpi.c -- the RSDP, XSDT, FADT and DSDT (see acpi.h).
 *
 * The AML of the DSDT is written byte by byte, the way an ACPI compiler
 * (iasl) would emit it; each encoder below names the grammar rule of the
 * ACPI specification (chapter 20, "ACPI Machine Language") it follows.
 */
#include "acpi.h"

#include <string.h>

#include "dev_acpi_pm.h"
#include "memlayout.h"
#include "mhv_assert.h"

/* ---- the common table header (ACPI 5.2.6) ------------------------------------- */

#define HEADER_SIZE 36
#define OEM_ID "VMLAB "       /* 6 bytes */
#define OEM_TABLE_ID "MHV     " /* 8 bytes */

static void put16(uint8_t *at, uint16_t value) { memcpy(at, &value, 2); }
static void put32(uint8_t *at, uint32_t value) { memcpy(at, &value, 4); }
static void put64(uint8_t *at, uint64_t value) { memcpy(at, &value, 8); }

/* The byte that makes bytes[0 .. length) sum to zero, once stored. */
static uint8_t checksum(const uint8_t *bytes, size_t length)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < length; i++)
        sum = (uint8_t)(sum + bytes[i]);
    return (uint8_t)(0 - sum);
}

static void write_header(uint8_t *table, const char signature[4], uint32_t length, uint8_t revision)
{
    memcpy(table, signature, 4);
    put32(table + 4, length);
    table[8] = revision;
    table[9] = 0;                        /* the checksum, set last */
    memcpy(table + 10, OEM_ID, 6);
    memcpy(table + 16, OEM_TABLE_ID, 8);
    put32(table + 24, 1);                /* OEM revision */
    memcpy(table + 28, "VMLB", 4);       /* creator ID */
    put32(table + 32, 1);                /* creator revision */
}

static void seal(uint8_t *table, uint32_t length)
{
    table[9] = checksum(table, length);
}

/* ---- AML (ACPI 20.2) ------------------------------------------------------------ */

struct aml {
    uint8_t *bytes;
    size_t length, capacity;
};

static void emit(struct aml *aml, const void *bytes, size_t length)
{
    MHV_ASSERT(aml->length + length <= aml->capacity);
    memcpy(aml->bytes + aml->length, bytes, length);
    aml->length += length;
}

static void emit_byte(struct aml *aml, uint8_t byte) { emit(aml, &byte, 1); }

/* PkgLength (20.2.4): the length of what follows the opcode, itself
 * included, in one byte below 64, else a lead byte whose top bits count
 * the bytes after it.  Encoded into at[], returning how many bytes. */
static size_t package_length(uint8_t at[3], size_t body)
{
    if (body + 1 < 64) {
        at[0] = (uint8_t)(body + 1);
        return 1;
    }
    size_t total = body + 2;
    if (total < (1u << 12)) {
        at[0] = (uint8_t)(0x40 | (total & 0x0F));
        at[1] = (uint8_t)(total >> 4);
        return 2;
    }
    total = body + 3;
    MHV_ASSERT(total < (1u << 20));
    at[0] = (uint8_t)(0x80 | (total & 0x0F));
    at[1] = (uint8_t)(total >> 4);
    at[2] = (uint8_t)(total >> 12);
    return 3;
}

/* Opcode, PkgLength, then body: the shape of Scope, Device, Buffer, Package. */
static void emit_package(struct aml *aml, const uint8_t *opcode, size_t opcode_length, const struct aml *body)
{
    uint8_t length[3];
    size_t length_size = package_length(length, body->length);
    emit(aml, opcode, opcode_length);
    emit(aml, length, length_size);
    emit(aml, body->bytes, body->length);
}

#define NAME_OP 0x08
#define STRING_PREFIX 0x0D
#define BYTE_PREFIX 0x0A
#define DWORD_PREFIX 0x0C
#define BUFFER_OP 0x11
#define SCOPE_OP 0x10

/* Name (NAME, Integer) with the shortest integer encoding (20.2.3). */
static void emit_name_integer(struct aml *aml, const char name[4], uint32_t value)
{
    emit_byte(aml, NAME_OP);
    emit(aml, name, 4);
    if (value == 0) {
        emit_byte(aml, 0x00);            /* ZeroOp */
    } else if (value == 1) {
        emit_byte(aml, 0x01);            /* OneOp */
    } else if (value <= 0xFF) {
        emit_byte(aml, BYTE_PREFIX);
        emit_byte(aml, (uint8_t)value);
    } else {
        uint8_t dword[4];
        put32(dword, value);
        emit_byte(aml, DWORD_PREFIX);
        emit(aml, dword, 4);
    }
}

static void emit_name_string(struct aml *aml, const char name[4], const char *text)
{
    emit_byte(aml, NAME_OP);
    emit(aml, name, 4);
    emit_byte(aml, STRING_PREFIX);
    emit(aml, text, strlen(text) + 1);
}

/* Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, base, size)
 * Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { irq } }):
 * the resource descriptors of 6.4.3.4 and 6.4.3.6, then the end tag. */
static void emit_resources(struct aml *aml, const struct mhv_acpi_device *device)
{
    uint8_t template[23];
    template[0] = 0x86;                  /* Memory32Fixed, large item */
    put16(template + 1, 9);
    template[3] = 0x01;                  /* read-write */
    put32(template + 4, (uint32_t)device->base);
    put32(template + 8, (uint32_t)device->size);
    template[12] = 0x89;                 /* Extended Interrupt, large item */
    put16(template + 13, 6);
    template[15] = 0x01 | 0x02;          /* consumer, edge-triggered, active high, exclusive */
    template[16] = 1;                    /* one interrupt */
    put32(template + 17, device->irq);
    template[21] = 0x79;                 /* End Tag */
    template[22] = 0x00;                 /* checksum 0: "treat as summing to zero" */

    uint8_t buffer_bytes[40];
    struct aml buffer = { buffer_bytes, 0, sizeof buffer_bytes };
    emit_byte(&buffer, BYTE_PREFIX);     /* BufferSize */
    emit_byte(&buffer, sizeof template);
    emit(&buffer, template, sizeof template);

    emit_byte(aml, NAME_OP);
    emit(aml, "_CRS", 4);
    static const uint8_t buffer_op[] = { BUFFER_OP };
    emit_package(aml, buffer_op, 1, &buffer);
}

/* Device (VR0n) { _HID, _UID, _CRS } (19.6.31). */
static void emit_device(struct aml *aml, const struct mhv_acpi_device *device, unsigned index)
{
    uint8_t body_bytes[128];
    struct aml body = { body_bytes, 0, sizeof body_bytes };
    emit_name_string(&body, "_HID", "LNRO0005");  /* virtio-mmio, as Linux's virtio_mmio.c matches it */
    emit_name_integer(&body, "_UID", index);
    emit_resources(&body, device);

    char name[4] = { 'V', 'R', '0', (char)('0' + index) };
    static const uint8_t device_op[] = { 0x5B, 0x82 };  /* ExtOpPrefix, DeviceOp */
    uint8_t with_name_bytes[140];
    struct aml with_name = { with_name_bytes, 0, sizeof with_name_bytes };
    emit(&with_name, name, 4);
    emit(&with_name, body.bytes, body.length);
    emit_package(aml, device_op, 2, &with_name);
}

/* ---- the tables ------------------------------------------------------------------- */

#define RSDP_SIZE 36
#define XSDT_SIZE (HEADER_SIZE + 8)
#define FADT_SIZE 276
#define FADT_REVISION 6
#define FADT_TMR_VAL_EXT (1u << 8)              /* the PM timer counts 32 bits */
#define FADT_PWR_BUTTON (1u << 4)               /* 1: no fixed-hardware power button */
#define FADT_SLP_BUTTON (1u << 5)               /* 1: no sleep button */
#define BOOT_ARCH_8042 (1u << 1)
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_MSI_NOT_SUPPORTED (1u << 3)
#define BOOT_ARCH_CMOS_RTC_PRESENT 0           /* bit 5 means "not present": left clear */

/* Where each table goes, from MHV_ACPI_BASE (16-byte aligned: the RSDP's rule). */
#define RSDP_AT 0x000
#define XSDT_AT 0x040
#define FADT_AT 0x100
#define DSDT_AT 0x300

uint64_t mhv_acpi_write(uint8_t *ram, const struct mhv_acpi_device *devices, size_t count)
{
    MHV_ASSERT(count <= MHV_ACPI_MAX_DEVICES);
    uint8_t *base = ram + MHV_ACPI_BASE;
    memset(base, 0, MHV_ACPI_SIZE);

    /* DSDT: the header, then Scope (\_SB) { the devices }. */
    uint8_t scope_bytes[1200];
    struct aml scope = { scope_bytes, 0, sizeof scope_bytes };
    emit(&scope, "\\_SB_", 5);
    for (size_t i = 0; i < count; i++)
        emit_device(&scope, &devices[i], (unsigned)i);
    uint8_t *dsdt = base + DSDT_AT;
    struct aml dsdt_body = { dsdt + HEADER_SIZE, 0, MHV_ACPI_SIZE - DSDT_AT - HEADER_SIZE };
    static const uint8_t scope_op[] = { SCOPE_OP };
    emit_package(&dsdt_body, scope_op, 1, &scope);
    uint32_t dsdt_length = (uint32_t)(HEADER_SIZE + dsdt_body.length);
    write_header(dsdt, "DSDT", dsdt_length, 2);
    seal(dsdt, dsdt_length);

    /* FADT: hardware-reduced, pointing at the DSDT (5.2.9). */
    uint8_t *fadt = base + FADT_AT;
    write_header(fadt, "FACP", FADT_SIZE, FADT_REVISION);
    put32(fadt + 40, (uint32_t)(MHV_ACPI_BASE + DSDT_AT));            /* DSDT */
    put16(fadt + 46, MHV_ACPI_SCI_IRQ);                               /* SCI_INT: see acpi.h */
    /* SMI_CMD (48) stays 0: the machine is in ACPI mode from the start. */
    put32(fadt + 56, MHV_PORT_ACPI_PM + MHV_ACPI_PM1_EVT);           /* PM1a_EVT_BLK */
    put32(fadt + 64, MHV_PORT_ACPI_PM + MHV_ACPI_PM1_CNT);           /* PM1a_CNT_BLK */
    put32(fadt + 76, MHV_PORT_ACPI_PM + MHV_ACPI_PM_TMR);            /* PM_TMR_BLK */
    fadt[88] = 4;                                                     /* PM1_EVT_LEN */
    fadt[89] = 2;                                                     /* PM1_CNT_LEN */
    fadt[91] = 4;                                                     /* PM_TMR_LEN */
    put16(fadt + 96, 101);                                            /* P_LVL2_LAT > 100: no C2 */
    put16(fadt + 98, 1001);                                           /* P_LVL3_LAT > 1000: no C3 */
    put16(fadt + 109, BOOT_ARCH_8042 | BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_MSI_NOT_SUPPORTED |
                          BOOT_ARCH_CMOS_RTC_PRESENT);                /* IAPC_BOOT_ARCH */
    put32(fadt + 112, FADT_TMR_VAL_EXT | FADT_PWR_BUTTON | FADT_SLP_BUTTON);  /* Flags */
    fadt[131] = 3;                                                    /* FADT minor version: 6.3 */
    put64(fadt + 140, MHV_ACPI_BASE + DSDT_AT);                       /* X_DSDT */
    memcpy(fadt + 268, "VMLABMHV", 8);                                /* hypervisor vendor identity */
    seal(fadt, FADT_SIZE);

    /* XSDT: the FADT. */
    uint8_t *xsdt = base + XSDT_AT;
    write_header(xsdt, "XSDT", XSDT_SIZE, 1);
    put64(xsdt + HEADER_SIZE, MHV_ACPI_BASE + FADT_AT);
    seal(xsdt, XSDT_SIZE);

    /* RSDP (5.2.5.3): the first 20 bytes have their checksum, all 36 theirs. */
    uint8_t *rsdp = base + RSDP_AT;
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, OEM_ID, 6);
    rsdp[15] = 2;                                                     /* revision: ACPI 2.0+ */
    put32(rsdp + 20, RSDP_SIZE);
    put64(rsdp + 24, MHV_ACPI_BASE + XSDT_AT);
    rsdp[8] = checksum(rsdp, 20);
    rsdp[32] = checksum(rsdp, RSDP_SIZE);

    MHV_ASSERT(XSDT_AT + XSDT_SIZE <= FADT_AT && FADT_AT + FADT_SIZE <= DSDT_AT &&
               DSDT_AT + dsdt_length <= MHV_ACPI_SIZE);
    return MHV_ACPI_BASE + RSDP_AT;
}
