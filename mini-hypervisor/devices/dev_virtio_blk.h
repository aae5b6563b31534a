/*
 * dev_virtio_blk.h -- a virtio block device (virtio spec 5.2) on a raw
 * disk image: the backend that virtio_mmio.h's transport drives, so that
 * Linux's virtio_blk sees /dev/vda.
 *
 * One virtqueue, the request queue.  A request is a descriptor chain of
 *     struct virtio_blk_outhdr {type, ioprio, sector}   16 bytes, device-readable
 *     data                                              device-readable (OUT)
 *                                                       or -writable (IN, GET_ID)
 *     status                                            1 byte, device-writable
 * taken as byte streams (virtqueue.h), so that the header, the data and
 * the status may be cut into descriptors anyhow.  Each request is done at
 * once, on the vCPU thread in the QueueNotify exit (virtio_mmio.h says
 * why), and answered with the status byte and a used element whose length
 * is the data bytes written plus the status byte.
 *
 *   VIRTIO_BLK_T_IN      pread from the image into the data buffers.
 *   VIRTIO_BLK_T_OUT     pwrite from the data buffers to the image,
 *                        directly: mhv keeps no cache of its own, so the
 *                        data is in the host's page cache when the guest is
 *                        told the write is done.
 *   VIRTIO_BLK_T_FLUSH   fdatasync: every write answered before it is on
 *                        the disk when the flush is answered.  That is why
 *                        VIRTIO_BLK_F_FLUSH is offered: the guest then
 *                        treats the disk as a write-back cache and flushes
 *                        when it needs data to last (a journal commit,
 *                        fsync), instead of trusting every write to.
 *   VIRTIO_BLK_T_GET_ID  the serial string, VIRTIO_BLK_ID_BYTES (20) bytes,
 *                        NUL-padded (no NUL when all 20 are used); a shorter
 *                        buffer gets what fits.
 *   anything else        VIRTIO_BLK_S_UNSUPP (discard, write zeroes, ...).
 *
 * Answered VIRTIO_BLK_S_IOERR: a read or write that is not a whole number
 * of 512-byte sectors, that reaches past the capacity, or that the host
 * fails (pread/pwrite/fdatasync errors, and a file that shrank under mhv);
 * any write on a read-only disk.  last_errno keeps the host's error.
 *
 * Driver errors (the transport then sets DEVICE_NEEDS_RESET): a chain
 * with fewer than 16 device-readable bytes (no header), none
 * device-writable (no status byte), a read whose data buffers are
 * device-readable or a write whose data buffers are device-writable (the
 * data must go the way the request moves it), and whatever mhv_virtq_pop()
 * rejects.
 *
 * Features offered: VIRTIO_F_VERSION_1 (the transport's, required),
 * VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_SEG_MAX (seg_max = QueueNumMax - 2:
 * a chain of the whole queue holds the header, the status and that many
 * data buffers), and VIRTIO_BLK_F_RO on a read-only disk.  Configuration
 * space: struct virtio_blk_config with capacity (512-byte sectors) and
 * seg_max; the other fields, guarded by features not offered, read 0.
 * Not modelled: several queues (VIRTIO_BLK_F_MQ), discard and write
 * zeroes, the geometry, topology and block size fields, a writable cache
 * mode (VIRTIO_BLK_F_CONFIG_WCE), ioprio (ignored).
 *
 * The disk: mhv_virtio_blk_disk_open() opens a path and checks it with one
 * clear message per failure; it refuses a size that is not a multiple of
 * 512 rather than hide the tail from the guest (`truncate -s %512 PATH`
 * pads one).  The device only uses the descriptor; the caller opens and
 * closes it, and it must outlive the device.
 *
 * Invariants: disk.sectors is the capacity the guest sees (nothing here
 * changes it); when a notify returns 0, every chain it popped was answered
 * with exactly one used element (MHV_ASSERT).
 */
#ifndef MHV_DEV_VIRTIO_BLK_H
#define MHV_DEV_VIRTIO_BLK_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_blk.h>

#include "virtio_mmio.h"

#define MHV_VIRTIO_BLK_SECTOR 512

struct mhv_virtio_blk_disk {
    int fd;              /* open for reading, and for writing unless read_only */
    uint64_t sectors;    /* the size in 512-byte sectors */
    int read_only;
};

struct mhv_virtio_blk {
    struct mhv_virtio_blk_disk disk;
    char serial[VIRTIO_BLK_ID_BYTES];   /* GET_ID's answer, NUL-padded */
    /* Requests answered, by kind (statistics). */
    uint64_t reads, writes, flushes, get_ids, unsupported, io_errors;
    int last_errno;                     /* the host's errno of the last IOERR it caused, else 0 */
};

/* The backend for mhv_virtio_mmio_init(): backend is a struct mhv_virtio_blk. */
extern const struct mhv_virtio_device_ops mhv_virtio_blk_ops;

/* Opens path as a disk, for reading and writing unless read_only.  Returns
 * 0, or -1 with a message naming path: it does not exist or cannot be
 * opened, is not a regular file or block device, is not readable, is not
 * writable (and read_only was not asked), is empty, or its size is not a
 * multiple of 512. */
int mhv_virtio_blk_disk_open(struct mhv_virtio_blk_disk *disk, const char *path, int read_only,
                             char *err, size_t err_size);

/* Closes the disk's descriptor (fd becomes -1). */
void mhv_virtio_blk_disk_close(struct mhv_virtio_blk_disk *disk);

/* The device on disk; serial is GET_ID's answer (its first 20 bytes; NULL:
 * none, all NULs). */
void mhv_virtio_blk_init(struct mhv_virtio_blk *blk, struct mhv_virtio_blk_disk disk, const char *serial);

#endif
