/*
 * dev_virtio_rng.c -- the virtio entropy device (see dev_virtio_rng.h).
 *
 * Lab 10's starting point: copy this file and dev_virtio_rng.h into
 * mini-hypervisor/devices/, then write the two functions marked TODO
 * (labs/10-virtio-rng/README.md, step 2).  As given it builds, attaches
 * and answers the registers, but refuses every request, so that Linux's
 * driver sees a device that needs a reset.
 */
#include "dev_virtio_rng.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <linux/virtio_ids.h>

#include "mhv_assert.h"

/* The default source: the host kernel's random bytes. */
static int host_random(void *context, uint8_t *bytes, size_t len)
{
    (void)context;
    while (len > 0) {
        ssize_t got = getrandom(bytes, len, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        bytes += got;
        len -= (size_t)got;
    }
    return 0;
}

void mhv_virtio_rng_init(struct mhv_virtio_rng *rng, mhv_virtio_rng_source source, void *context)
{
    *rng = (struct mhv_virtio_rng){ .source = source ? source : host_random, .source_context = context };
}

/* Fills one request.  Returns 0 with *written (the bytes put into the
 * chain), or -1 with a message in err when the chain is not a request the
 * device can answer (dev_virtio_rng.h lists them). */
static int fill_request(struct mhv_virtio_rng *rng, const struct mhv_virtq_chain *chain, uint32_t *written,
                        char *err, size_t err_size)
{
    /* TODO: refuse a chain with a device-readable buffer, and one without
     * a device-writable byte; fill the first min(writable_len,
     * MHV_VIRTIO_RNG_MAX_REQUEST) bytes of the writable stream from
     * rng->source (mhv_virtq_chain_range gives them as pieces of guest
     * RAM); set *written. */
    (void)rng, (void)chain, (void)written;
    snprintf(err, err_size, "the request handler is not written yet (lab 10)");
    return -1;
}

/* The driver kicked the request queue: answer every available chain. */
static int rng_queue_notify(void *backend, unsigned index, struct mhv_virtq *queue, char *err, size_t err_size)
{
    struct mhv_virtio_rng *rng = backend;
    MHV_ASSERT(index == 0);  /* the transport knows there is one queue */
    /* TODO: while mhv_virtq_pop() gives a chain, fill it (fill_request)
     * and answer it (mhv_virtq_push), counting requests and bytes; return
     * the -1 of mhv_virtq_pop or fill_request, whose message is in err.
     * Model: blk_queue_notify() in dev_virtio_blk.c. */
    (void)rng, (void)queue;
    struct mhv_virtq_chain chain = { 0 };
    uint32_t written = 0;
    return fill_request(rng, &chain, &written, err, err_size);
}

static uint64_t rng_features(void *backend)
{
    (void)backend;
    return 0;  /* the spec defines none for this device */
}

static size_t rng_config_read(void *backend, uint8_t *config, size_t max)
{
    (void)backend, (void)config, (void)max;
    return 0;  /* no configuration space */
}

const struct mhv_virtio_device_ops mhv_virtio_rng_ops = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .queues = 1,
    .queue_size_max = MHV_VIRTQ_MAX_SIZE,
    .features = rng_features,
    .config_read = rng_config_read,
    .queue_notify = rng_queue_notify,
    .reset = NULL,  /* nothing of a driver's session is kept between requests */
};
