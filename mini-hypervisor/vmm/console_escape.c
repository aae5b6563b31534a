/*
 * console_escape.c -- Ctrl-A x and friends (see console_escape.h).
 */
#include "console_escape.h"

#include "mhv_assert.h"

size_t mhv_console_escape_filter(struct mhv_console_escape *escape, uint8_t *bytes, size_t count)
{
    size_t kept = 0;  /* kept <= i: the output never overtakes the input */
    for (size_t i = 0; i < count && !escape->quit; i++) {
        uint8_t key = bytes[i];
        if (!escape->pending) {
            if (key == MHV_CONSOLE_ESCAPE_KEY)
                escape->pending = 1;
            else
                bytes[kept++] = key;
            continue;
        }
        escape->pending = 0;
        switch (key) {
        case 'x':
        case 'X':
            escape->quit = 1;
            break;
        case 'h':
        case 'H':
        case '?':
            escape->help = 1;
            break;
        case MHV_CONSOLE_ESCAPE_KEY:
            bytes[kept++] = MHV_CONSOLE_ESCAPE_KEY;
            break;
        default:
            break;  /* an unknown escape: dropped, as QEMU does */
        }
    }
    MHV_ASSERT(kept <= count);
    return kept;
}
