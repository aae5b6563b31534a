/*
 * dev_virtio_blk.c -- the virtio block device on a raw image (see
 * dev_virtio_blk.h).
 *
 * queue_notify() takes each available chain, handle_request() parses it
 * and does it, and the answer goes back as the status byte (the last
 * device-writable byte of the chain) and a used element.
 */
#include "dev_virtio_blk.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "mhv_assert.h"

#define FEATURE(bit) (1ull << (bit))
#define HEADER_BYTES sizeof(struct virtio_blk_outhdr)

/* A chain of the whole queue: the header, the status, and this many data
 * buffers between them. */
#define SEG_MAX (MHV_VIRTQ_MAX_SIZE - 2)

/* ---- the disk file --------------------------------------------------------------- */

int mhv_virtio_blk_disk_open(struct mhv_virtio_blk_disk *disk, const char *path, int read_only,
                             char *err, size_t err_size)
{
    /* The type first, by path: opening a FIFO would block. */
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(err, err_size, "%s: not a regular file or block device", path);
        return -1;
    }
    int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        if (error == EACCES && access(path, R_OK) < 0)
            snprintf(err, err_size, "%s: not readable (%s)", path, strerror(error));
        else if (!read_only && (error == EACCES || error == EROFS || error == EPERM))
            snprintf(err, err_size, "%s: readable but not writable (%s): use it read-only", path, strerror(error));
        else
            snprintf(err, err_size, "%s: %s", path, strerror(error));
        return -1;
    }
    /* The size the same way for both kinds: a block device's st_size is 0. */
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0) {
        snprintf(err, err_size, "%s: cannot find its size (%s)", path, strerror(errno));
    } else if (size == 0) {
        snprintf(err, err_size, "%s: empty; a disk needs at least one %d-byte sector", path, MHV_VIRTIO_BLK_SECTOR);
    } else if (size % MHV_VIRTIO_BLK_SECTOR != 0) {
        snprintf(err, err_size, "%s: %lld bytes is not a whole number of %d-byte sectors "
                 "(if it is a disk image, `truncate -s %%%d %s` pads it)", path, (long long)size, MHV_VIRTIO_BLK_SECTOR,
                 MHV_VIRTIO_BLK_SECTOR, path);
    } else {
        *disk = (struct mhv_virtio_blk_disk){
            .fd = fd, .sectors = (uint64_t)size / MHV_VIRTIO_BLK_SECTOR, .read_only = read_only };
        return 0;
    }
    close(fd);
    return -1;
}

void mhv_virtio_blk_disk_close(struct mhv_virtio_blk_disk *disk)
{
    if (disk->fd >= 0)
        close(disk->fd);
    disk->fd = -1;
}

void mhv_virtio_blk_init(struct mhv_virtio_blk *blk, struct mhv_virtio_blk_disk disk, const char *serial)
{
    *blk = (struct mhv_virtio_blk){ .disk = disk };
    if (serial)
        memcpy(blk->serial, serial, strnlen(serial, sizeof blk->serial));
}

/* ---- requests -------------------------------------------------------------------- */

/* len bytes between data and the image at byte offset at, in as many
 * pread/pwrite calls as it takes.  Returns 0, or -1 with errno (0 when the
 * file ended early: it shrank since it was opened). */
static int file_io(int fd, int from_file, uint8_t *data, size_t len, uint64_t at)
{
    while (len > 0) {
        ssize_t done = from_file ? pread(fd, data, len, (off_t)at) : pwrite(fd, data, len, (off_t)at);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0) {
            if (done == 0)
                errno = 0;
            return -1;
        }
        data += done;
        len -= (size_t)done;
        at += (uint64_t)done;
    }
    return 0;
}

static uint8_t io_error(struct mhv_virtio_blk *blk, int error)
{
    blk->io_errors++;
    blk->last_errno = error;
    return VIRTIO_BLK_S_IOERR;
}

/* A read (from_file: the image into the writable stream) or a write (the
 * readable stream after the header to the image) of len bytes at sector. */
static uint8_t transfer(struct mhv_virtio_blk *blk, const struct mhv_virtq_chain *chain, int from_file,
                        uint64_t sector, uint64_t len)
{
    uint64_t sectors = len / MHV_VIRTIO_BLK_SECTOR;
    if (len % MHV_VIRTIO_BLK_SECTOR != 0 || sector > blk->disk.sectors || sectors > blk->disk.sectors - sector)
        return io_error(blk, 0);  /* not whole sectors, or past the end */

    struct mhv_virtq_segment pieces[MHV_VIRTQ_MAX_SIZE];
    int count = mhv_virtq_chain_range(chain, from_file, from_file ? 0 : HEADER_BYTES, len, pieces);
    MHV_ASSERT(count >= 0);  /* handle_request measured the stream */
    uint64_t at = sector * MHV_VIRTIO_BLK_SECTOR;
    for (int i = 0; i < count; i++) {
        if (file_io(blk->disk.fd, from_file, pieces[i].data, pieces[i].len, at) < 0)
            return io_error(blk, errno);
        at += pieces[i].len;
    }
    return VIRTIO_BLK_S_OK;
}

static uint8_t flush(struct mhv_virtio_blk *blk)
{
    blk->flushes++;
    return fdatasync(blk->disk.fd) == 0 ? VIRTIO_BLK_S_OK : io_error(blk, errno);
}

/* Does one request.  Returns 0 with *written (the bytes written into the
 * chain: data, then the status byte), or -1 with a message when the chain
 * is not a request. */
static int handle_request(struct mhv_virtio_blk *blk, const struct mhv_virtq_chain *chain, uint32_t *written,
                          char *err, size_t err_size)
{
    struct virtio_blk_outhdr header;
    if (mhv_virtq_chain_read(chain, 0, &header, HEADER_BYTES) < 0) {
        snprintf(err, err_size, "request of %" PRIu64 " device-readable bytes: its header needs %zu",
                 chain->readable_len, HEADER_BYTES);
        return -1;
    }
    if (chain->writable_len == 0) {
        snprintf(err, err_size, "request without a device-writable byte for its status");
        return -1;
    }
    uint64_t data_out = chain->readable_len - HEADER_BYTES;  /* device-readable bytes after the header */
    uint64_t data_in = chain->writable_len - 1;               /* device-writable bytes before the status */
    uint32_t type = le32toh(header.type);
    uint64_t sector = le64toh(header.sector);

    /* A read's data must be device-writable, a write's device-readable. */
    int is_read = type == VIRTIO_BLK_T_IN, is_write = type == VIRTIO_BLK_T_OUT;
    uint64_t wrong_way = is_read ? data_out : is_write ? data_in : 0;
    if (wrong_way != 0) {
        snprintf(err, err_size, "%s request with %" PRIu64 " device-%s data bytes (its data buffers must be device-%s)",
                 is_read ? "read" : "write", wrong_way, is_read ? "readable" : "writable",
                 is_read ? "writable" : "readable");
        return -1;
    }

    uint64_t data_written = 0;
    uint8_t status;
    switch (type) {
    case VIRTIO_BLK_T_IN:
        blk->reads++;
        status = transfer(blk, chain, 1, sector, data_in);
        if (status == VIRTIO_BLK_S_OK)
            data_written = data_in;
        break;
    case VIRTIO_BLK_T_OUT:
        blk->writes++;
        status = blk->disk.read_only ? io_error(blk, EROFS) : transfer(blk, chain, 0, sector, data_out);
        break;
    case VIRTIO_BLK_T_FLUSH:
        status = flush(blk);
        break;
    case VIRTIO_BLK_T_GET_ID: {
        blk->get_ids++;
        data_written = data_in < sizeof blk->serial ? data_in : sizeof blk->serial;
        int copied = mhv_virtq_chain_write(chain, 0, blk->serial, data_written);
        MHV_ASSERT(copied == 0);  /* data_written <= data_in */
        status = VIRTIO_BLK_S_OK;
        break;
    }
    default:
        blk->unsupported++;
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }
    int answered = mhv_virtq_chain_write(chain, chain->writable_len - 1, &status, 1);
    MHV_ASSERT(answered == 0);  /* the stream has that byte: checked above */
    /* The used length is 32 bits; a larger count is still a true lower bound. */
    *written = data_written + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(data_written + 1);
    return 0;
}

static int blk_queue_notify(void *backend, unsigned index, struct mhv_virtq *queue, char *err, size_t err_size)
{
    struct mhv_virtio_blk *blk = backend;
    MHV_ASSERT(index == 0);  /* the transport knows there is one queue */
    struct mhv_virtq_chain chain;
    int popped;
    while ((popped = mhv_virtq_pop(queue, &chain, err, err_size)) > 0) {
        uint32_t written;
        if (handle_request(blk, &chain, &written, err, err_size) < 0)
            return -1;
        mhv_virtq_push(queue, chain.head, written);
    }
    MHV_ASSERT(popped < 0 || queue->last_avail == queue->next_used);  /* each chain answered once */
    return popped;
}

/* ---- features and configuration -------------------------------------------------- */

static uint64_t blk_features(void *backend)
{
    const struct mhv_virtio_blk *blk = backend;
    uint64_t features = FEATURE(VIRTIO_BLK_F_FLUSH) | FEATURE(VIRTIO_BLK_F_SEG_MAX);
    if (blk->disk.read_only)
        features |= FEATURE(VIRTIO_BLK_F_RO);
    return features;
}

static size_t blk_config_read(void *backend, uint8_t *config, size_t max)
{
    const struct mhv_virtio_blk *blk = backend;
    struct virtio_blk_config space = { 0 };
    space.capacity = htole64(blk->disk.sectors);
    space.seg_max = htole32(SEG_MAX);
    size_t length = sizeof space < max ? sizeof space : max;
    memcpy(config, &space, length);
    return length;
}

const struct mhv_virtio_device_ops mhv_virtio_blk_ops = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .queues = 1,
    .queue_size_max = MHV_VIRTQ_MAX_SIZE,
    .features = blk_features,
    .config_read = blk_config_read,
    .queue_notify = blk_queue_notify,
    .reset = NULL,  /* nothing of a driver's session is kept between requests */
};
