/*
 * memlayout.h -- the guest's physical memory map and the machine's fixed
 * addresses, shared by mhv (the VMM) and the guest kernel (guest/kernel/),
 * which includes this file freestanding: nothing here but #defines.
 *
 *   guest physical
 *   0x0000_0000 +------------------------------+
 *               | real-mode IVT and BIOS area  |  (mhv puts nothing here)
 *   0x0000_1000 +------------------------------+  MHV_DEFAULT_LOAD_ADDR:
 *               | a flat image (--load)        |  flat binaries go here
 *               |            ...               |
 *   0x0010_0000 +------------------------------+  MHV_KERNEL_LOAD_ADDR:
 *               | the guest kernel's ELF       |  where guest/kernel/ links
 *               | segments, then its heap      |
 *               |            ...               |
 *   RAM - 64K   +------------------------------+  MHV_RESERVED_BASE(ram):
 *               | GDT                  (+0x0000)|  built by mhv for protected
 *               | boot info + cmdline  (+0x1000)|  and long mode only; an
 *               | PML4                 (+0x2000)|  image may not overlap it
 *               | PDPT                 (+0x3000)|  in those modes
 *               | 4 page directories   (+0x4000)|
 *               | boot stack, 32 KiB   (+0x8000)|  RSP at entry = RAM end
 *   RAM end     +------------------------------+
 *               | (nothing: an access exits to |
 *               |  mhv and crashes the guest)  |
 *   0xD000_0000 +------------------------------+  MHV_VIRTIO_BASE: the virtio
 *               | virtio-mmio devices, 4 KiB   |  disks of a Linux guest
 *               | each (IRQ 5, 6, 7)           |  (devices/virtio_mmio.h)
 *               +------------------------------+
 *   0xE000_0000 +------------------------------+  MHV_MMIO_INFO_BASE:
 *               | the MMIO info device, 4 KiB  |  handled via KVM_EXIT_MMIO
 *               +------------------------------+
 *
 * The page tables map the first 4 GiB of physical memory 1:1 with 2 MiB
 * pages (present, writable, supervisor), RAM or not, so the MMIO device is
 * reachable and a stray access outside RAM reaches mhv as KVM_EXIT_MMIO.
 *
 * I/O ports:
 *   0x20-0x21  8259A interrupt controller (master; the slave at 0xA0-0xA1
 *              is absent: reads 0xFF)          IRQ n -> vector base + n
 *   0x40-0x43  8254 timer, channel 0 (IRQ 0)    1193182 Hz input clock
 *   0x60, 0x64 8042 keyboard controller (IRQ 1) and its reset line
 *   0x70-0x71  MC146818 CMOS clock (the host's time; no IRQ 8)
 *   0x600-60B  ACPI PM1a event and control blocks, PM timer (Linux guests)
 *   0xE9       debug console: a byte out is printed
 *   0xF4       exit: a byte V out ends the guest, mhv exits with V
 *   0x3F8-3FF  16550 UART, COM1 (IRQ 4)
 */
#ifndef MHV_MEMLAYOUT_H
#define MHV_MEMLAYOUT_H

#define MHV_DEFAULT_LOAD_ADDR 0x1000
#define MHV_KERNEL_LOAD_ADDR 0x100000

/* mhv's area at the top of RAM (protected and long mode). */
#define MHV_RESERVED_SIZE 0x10000
#define MHV_RESERVED_BASE(ram_size) ((ram_size) - MHV_RESERVED_SIZE)
#define MHV_RESERVED_GDT 0x0000
#define MHV_RESERVED_BOOT_INFO 0x1000
#define MHV_RESERVED_PML4 0x2000
#define MHV_RESERVED_PDPT 0x3000
#define MHV_RESERVED_PD 0x4000 /* four pages: 0x4000 .. 0x7FFF */
#define MHV_RESERVED_STACK 0x8000

/* The most RAM a guest may have: below the MMIO hole. */
#define MHV_MAX_RAM_MIB 3072

/* The virtio-mmio devices (--disk): device n at MHV_VIRTIO_BASE + n *
 * MHV_VIRTIO_STRIDE, on IRQ MHV_IRQ_VIRTIO[n] (the master PIC's free lines). */
#define MHV_VIRTIO_BASE 0xD0000000
#define MHV_VIRTIO_STRIDE 0x1000
#define MHV_VIRTIO_MAX 3
#define MHV_IRQ_VIRTIO_FIRST 5     /* 5, 6, 7 */

/* The MMIO info device (mini-hypervisor/devices/dev_info.c): registers at these
 * offsets from its base, read with 4- or 8-byte loads, little-endian. */
#define MHV_MMIO_INFO_BASE 0xE0000000
#define MHV_MMIO_INFO_SIZE 0x1000
#define MHV_INFO_ID 0x00       /* u32, read: MHV_INFO_ID_VALUE ("MHVI") */
#define MHV_INFO_VERSION 0x04  /* u32, read: 1 */
#define MHV_INFO_HOST_NS 0x08  /* u64, read: host monotonic ns since the VM started */
#define MHV_INFO_EXITS 0x10    /* u64, read: VM exits so far (this read's included) */
#define MHV_INFO_SCRATCH 0x18  /* u64, read/write: remembers what was written */
#define MHV_INFO_ID_VALUE 0x4956484D

/* I/O ports. */
#define MHV_PORT_PIC_MASTER 0x20
#define MHV_PORT_PIC_SLAVE 0xA0
#define MHV_PORT_PIT 0x40          /* 0x40-0x42 channels, 0x43 mode/command */
#define MHV_PORT_I8042_DATA 0x60
#define MHV_PORT_I8042_COMMAND 0x64
#define MHV_PORT_RTC 0x70          /* 0x70 index, 0x71 data */
#define MHV_PORT_ACPI_PM 0x600     /* devices/dev_acpi_pm.h: 12 ports */
#define MHV_PORT_DEBUG_CONSOLE 0xE9
#define MHV_PORT_EXIT 0xF4
#define MHV_PORT_UART 0x3F8

#define MHV_IRQ_TIMER 0
#define MHV_IRQ_KEYBOARD 1
#define MHV_IRQ_UART 4
#define MHV_PIT_HZ 1193182

#endif
