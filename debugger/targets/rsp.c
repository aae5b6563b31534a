/*
 * rsp.c -- gdb's remote serial protocol, the parts both of vdb's ends
 * share (rsp.h).
 */
#include "rsp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vdb_assert.h"
#include "vmlab_chars.h"

static const char hex_digits[] = "0123456789abcdef";

bool vdb_rsp_write(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;
    bool socket = true;
    while (size > 0) {
        ssize_t n = socket ? send(fd, p, size, MSG_NOSIGNAL) : write(fd, p, size);
        if (n < 0 && socket && errno == ENOTSOCK) {
            socket = false;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= (size_t)n;
    }
    return true;
}

char *vdb_rsp_frame(const char *data, size_t *length)
{
    size_t n = strlen(data);
    char *frame = malloc(n + 5);
    if (!frame)
        return NULL;
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        VDB_ASSERT(data[i] != '$' && data[i] != '#' && data[i] != '}' && data[i] != '*');
        sum = (uint8_t)(sum + (uint8_t)data[i]);
    }
    frame[0] = '$';
    memcpy(frame + 1, data, n);
    frame[n + 1] = '#';
    frame[n + 2] = hex_digits[sum >> 4];
    frame[n + 3] = hex_digits[sum & 15];
    frame[n + 4] = '\0';
    *length = n + 4;
    return frame;
}

bool vdb_rsp_checksum_is(int high, int low, uint8_t sum)
{
    int h = vmlab_digit_value(high), l = vmlab_digit_value(low);
    return h >= 0 && l >= 0 && (uint8_t)(h << 4 | l) == sum;
}

void vdb_rsp_put_le(char *out, uint64_t value, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        uint8_t b = i < 8 ? (uint8_t)(value >> (8 * i)) : 0;
        out[2 * i] = hex_digits[b >> 4];
        out[2 * i + 1] = hex_digits[b & 15];
    }
    out[2 * bytes] = '\0';
}

bool vdb_rsp_get_le(const char *hex, unsigned bytes, uint64_t *value)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        int high = vmlab_digit_value((unsigned char)hex[2 * i]);
        int low = high < 0 ? -1 : vmlab_digit_value((unsigned char)hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return false;
        if (i < 8)
            v |= (uint64_t)(high << 4 | low) << (8 * i);
    }
    *value = v;
    return true;
}
