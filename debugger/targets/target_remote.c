/*
 * target_remote.c -- vdb's remote target: debugger/targets/target.h's
 * operations as a client of gdb's remote serial protocol, for an x86
 * machine that another program runs: `vdb --hv --gdbserver` (in the
 * nested-KVM sandbox, through a forwarded port: scripts/on-kvm), QEMU's
 * gdbstub (`qemu-system-x86_64 -s -S`), or any gdbserver.
 *
 * The protocol, as this side speaks it (gdb's manual, "Remote Protocol"):
 *
 *   $DATA#CS     a packet; CS the modulo-256 sum of DATA's bytes in hex.
 *                Each is acknowledged with + (or - to have it sent again)
 *                until QStartNoAckMode, which is asked for when offered.
 *                In replies, } escapes a byte (the next one, xor 0x20) and
 *                * repeats the byte before it (N - 29 more times).
 *   0x03         alone, outside a packet: stop the running program.
 *
 *   qSupported   what the server offers: PacketSize, QStartNoAckMode,
 *                qXfer:features:read, vContSupported
 *   qXfer:features:read:target.xml   the registers, as the server
 *                describes them (<reg name bitsize regnum group>, with
 *                xi:include followed); without <reg> entries, gdb's amd64
 *                'g' layout (rax .. gs)
 *   ?            why it is stopped
 *   g, p, P, G   all registers, one, write one (G where P is missing)
 *   m, M         memory, by virtual address
 *   Z0, z0       software breakpoints, which the server plants
 *   s, c         (vCont;s, vCont;c when offered): step one instruction,
 *                continue; the reply is a stop: S/T (a signal), W (exited,
 *                with its status), X (terminated by a signal), after any
 *                number of O packets (the program's console output)
 *   qRcmd        a monitor command: `info mode`, `info exits` and `set
 *                breakpoint-route` reach vdb --gdbserver's own target
 *   k            on destroy: the server ends the program (vdb --gdbserver
 *                and QEMU end with it)
 *
 * What the front end sees: registers with gdb's amd64 names (eflags shown
 * as rflags, as vdb's hypervisor target calls it), one memory space
 * ("virt"), breakpoints by address, stepi and continue, and the guest's
 * console as its output.  The code size for disassembly comes from `info
 * mode` where the server answers it (vdb's), else from efer and cr0 where
 * it has them (QEMU's), else from the architecture (x86-64: 64 bits).
 *
 * Robustness: every wait has a deadline (timeout_ms, `set remotetimeout`),
 * but for the stop of a continue, which may rightly take forever: that one
 * ends with Ctrl-C, after which the server has timeout_ms to stop.  A
 * server that closes the connection, stops answering, or sends what the
 * protocol does not allow leaves the target broken: that operation and
 * every later one fails with one line saying what happened, and nothing
 * more is sent.
 *
 * Invariants:
 *   - Between resumes the machine is stopped; regs[].state and the memory
 *     blocks hold what was read since the stop, and every resume, register
 *     or memory write forgets what it may change.
 *   - in[in_used .. in_have) are bytes received and not yet taken.
 *   - output[0 .. output_length) is the console output since the last
 *     take_output (output_capacity > output_length when output is set).
 *   - running is set only while a resume packet is out and its stop not
 *     yet in; interrupt writes the 0x03 byte only then, else it leaves
 *     interrupt_pending for the resume to send: a 0x03 never lands inside
 *     a packet.  interrupt touches only those flags and send(2).
 *   - Nothing here prints or exits; a failure is -1 with one line in err.
 */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rsp.h"
#include "vdb_assert.h"
#include "vmlab_chars.h"
#include "x86_target.h"

#define PACKET_MAX (64 * 1024)       /* the longest packet taken (target.xml's parts, g) */
#define DESCRIPTION_MAX (256 * 1024) /* a target description, includes and all */
#define MAX_REGISTERS 256
#define MEMORY_BLOCK 256             /* memory is read in aligned blocks: never across a page */
#define MEMORY_BLOCKS 16
#define SEND_TRIES 5                 /* a packet NAKed (-) is sent again so often */
#define GARBAGE_MAX 65536            /* bytes that are no packet, before we give up */
#define POLL_SLICE_MS 200            /* waits wake this often to see a Ctrl-C */
#define SIGNAL_INT 2
#define SIGNAL_TRAP 5
#define EFER_LMA (1ull << 10)
#define CR0_PE 1ull

enum { REG_UNKNOWN, REG_HAVE, REG_UNAVAILABLE };

struct remote_register {
    vdb_register info;               /* info.name is name; shown to the front end when shown */
    char name[32];
    unsigned number;                 /* the protocol's register number (p, P) */
    unsigned bytes;                  /* its size in the protocol */
    size_t offset;                   /* where it sits in the 'g' reply, in bytes */
    bool shown;                      /* in the front end's list (not x87, SSE) */
};

struct memory_block {
    bool valid;
    uint64_t base;                   /* aligned to MEMORY_BLOCK */
    size_t length;                   /* bytes read from base (fewer where reading stopped) */
    uint8_t bytes[MEMORY_BLOCK];
};

struct remote_target {
    vdb_target base;                 /* first: a vdb_target * is a struct remote_target * */
    vdb_target_ops ops;              /* a copy: the capabilities depend on the server */
    int fd;
    bool is_socket;                  /* send(2), which cannot raise SIGPIPE; else write(2) */
    char where[96];                  /* "127.0.0.1:1234", for messages */
    unsigned timeout_ms;

    /* what the server offers */
    bool no_ack;
    size_t packet_size;              /* the longest packet it takes */
    bool vcont;                      /* vCont;c and vCont;s */
    bool error_text;                 /* it may answer E.TEXT */
    int monitor;                     /* qRcmd: -1 not asked yet, 0 no, 1 yes */
    char architecture[40];

    /* the connection */
    uint8_t in[4096];
    size_t in_have, in_used;
    long long deadline;              /* of the wait in progress (ms, CLOCK_MONOTONIC); -1 none */
    bool broken;
    char why[200];                   /* what broke it: "closed the connection" */

    /* registers */
    struct remote_register regs[MAX_REGISTERS];
    size_t nregs;
    size_t shown[MAX_REGISTERS];     /* the front end's register i is regs[shown[i]] */
    size_t nshown;
    int rip;                         /* index in regs[] of the program counter */
    int efer, cr0;                   /* -1 when the server has none */
    uint8_t state[MAX_REGISTERS];    /* REG_*, since the stop */
    uint64_t value[MAX_REGISTERS];
    char *g;                         /* the last 'g' reply (hex), for G; NULL when not read */
    size_t g_length;

    struct memory_block blocks[MEMORY_BLOCKS];
    unsigned next_block;

    uint64_t *breakpoints;           /* the addresses of the Z0s in place */
    size_t nbreakpoints, breakpoint_capacity;

    bool ended;                      /* the program ended (W, X); end says how */
    vdb_stop end;

    unsigned code_bits;              /* 16, 32, 64; 0: not found since the stop */
    bool real_mode;                  /* (with code_bits) addresses are CS * 16 + IP */
    char mode[40];                   /* "long mode" from `info mode`, or "" */
    int cs;                          /* index in regs[] of cs, or -1 */

    char *output;
    size_t output_length, output_capacity;

    volatile sig_atomic_t running, interrupt_pending, interrupt_sent;

    vdb_x86_disassembler disassembler;
};

static struct remote_target *remote_of(vdb_target *base)
{
    return (struct remote_target *)base;
}

static const char hex_digits[] = "0123456789abcdef";

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ==== Failures ====================================================================== */

/* The connection is unusable from now on: why (a verb phrase, "closed the
 * connection") goes into err and stays for every later operation. */
static int broke(struct remote_target *r, char *err, size_t err_size, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int broke(struct remote_target *r, char *err, size_t err_size, const char *format, ...)
{
    if (!r->broken) {
        va_list ap;
        va_start(ap, format);
        vsnprintf(r->why, sizeof r->why, format, ap);
        va_end(ap);
        r->broken = true;
        snprintf(err, err_size, "the remote at %s %s", r->where, r->why);
    } else {
        snprintf(err, err_size, "the remote at %s is gone (it %s)", r->where, r->why);
    }
    return -1;
}

/* -1 with the message of a broken connection, or 0. */
static int check_connection(struct remote_target *r, char *err, size_t err_size)
{
    if (!r->broken)
        return 0;
    snprintf(err, err_size, "the remote at %s is gone (it %s): quit, and start the server and vdb again",
             r->where, r->why);
    return -1;
}

/* ==== Bytes ========================================================================= */

static bool write_bytes(struct remote_target *r, const void *data, size_t size)
{
    return vdb_rsp_write(r->fd, data, size);
}

enum { GOT_BROKEN = -1, GOT_TIMEOUT = -2 };

/* The next byte, waiting until r->deadline (none when -1): 0..255,
 * GOT_TIMEOUT, or GOT_BROKEN (err set).  A Ctrl-C sent while waiting with
 * no deadline gives the server timeout_ms from then to answer. */
static int next_byte(struct remote_target *r, char *err, size_t err_size)
{
    while (r->in_used == r->in_have) {
        if (r->interrupt_sent && r->deadline < 0)
            r->deadline = now_ms() + r->timeout_ms;
        int wait = POLL_SLICE_MS;
        if (r->deadline >= 0) {
            long long left = r->deadline - now_ms();
            if (left <= 0)
                return GOT_TIMEOUT;
            if (left < wait)
                wait = (int)left;
        }
        struct pollfd pfd = { r->fd, POLLIN, 0 };
        int ready = poll(&pfd, 1, wait);
        if (ready < 0 && errno != EINTR)
            return broke(r, err, err_size, "cannot be read from: %s", strerror(errno));
        if (ready <= 0)
            continue;
        ssize_t n = read(r->fd, r->in, sizeof r->in);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n == 0)
            return broke(r, err, err_size, "closed the connection");
        if (n < 0)
            return broke(r, err, err_size, "cannot be read from: %s", strerror(errno));
        r->in_have = (size_t)n;
        r->in_used = 0;
    }
    VDB_ASSERT(r->in_used < r->in_have && r->in_have <= sizeof r->in);
    return r->in[r->in_used++];
}

/* ==== Packets ======================================================================= */

/* Sends $data#CS and, unless acks are off, waits for the +. */
static int send_packet(struct remote_target *r, const char *data, char *err, size_t err_size)
{
    size_t length;
    char *frame = vdb_rsp_frame(data, &length);
    if (!frame) {
        snprintf(err, err_size, "out of memory for a packet to the remote");
        return -1;
    }
    int status = 0;
    for (int tries = 0;; tries++) {
        if (!write_bytes(r, frame, length)) {
            status = broke(r, err, err_size, "cannot be written to: %s", strerror(errno ? errno : EPIPE));
            break;
        }
        if (r->no_ack)
            break;
        r->deadline = now_ms() + r->timeout_ms;
        int c;
        size_t garbage = 0;
        do
            c = next_byte(r, err, err_size);
        while (c >= 0 && c != '+' && c != '-' && c != '$' && ++garbage <= GARBAGE_MAX);
        if (c >= 0 && garbage > GARBAGE_MAX) {
            status = broke(r, err, err_size, "sends bytes that are no packets (%d KiB of them)", GARBAGE_MAX / 1024);
            break;
        }
        if (c == '$') {          /* a reply with no + before it: take it as the ack */
            r->in_used--;
            break;
        }
        if (c == '+')
            break;
        if (c == GOT_BROKEN) {
            status = -1;
            break;
        }
        if (c == GOT_TIMEOUT) {
            status = broke(r, err, err_size, "did not acknowledge the packet '%.40s' within %u ms", data,
                           r->timeout_ms);
            break;
        }
        if (tries + 1 == SEND_TRIES) {  /* '-': it wants it again */
            status = broke(r, err, err_size, "refused the packet '%.40s' %d times (bad checksum)", data, SEND_TRIES);
            break;
        }
    }
    free(frame);
    return status;
}

/* The next packet into out (NUL-terminated, decoded: escapes and repeats
 * undone), waiting until r->deadline.  Returns its length, GOT_TIMEOUT,
 * or GOT_BROKEN with err set. */
static long receive_packet(struct remote_target *r, char *out, size_t size, char *err, size_t err_size)
{
    size_t garbage = 0;
    for (;;) {
        int c;
        while ((c = next_byte(r, err, err_size)) >= 0 && c != '$' && c != '%') {
            if (c != '+' && c != '-' && ++garbage > GARBAGE_MAX)
                return broke(r, err, err_size, "sends bytes that are no packets (%d KiB of them)", GARBAGE_MAX / 1024);
        }
        if (c < 0)
            return c;
        bool notification = c == '%';    /* non-stop notifications: not asked for, skipped */
        size_t length = 0;
        uint8_t sum = 0;
        bool too_long = false, escaped = false;
        int last = -1;
        while ((c = next_byte(r, err, err_size)) >= 0 && c != '#') {
            sum = (uint8_t)(sum + (uint8_t)c);
            if (escaped) {
                c ^= 0x20;
                escaped = false;
            } else if (c == '}') {
                escaped = true;
                continue;
            } else if (c == '*' && last >= 0) {
                int n = next_byte(r, err, err_size);  /* the count: a byte, N - 29 more copies */
                if (n < 0)
                    return n;
                if (n == '#')
                    return broke(r, err, err_size, "sent a packet that ends inside a repeat");
                sum = (uint8_t)(sum + (uint8_t)n);
                for (int k = 0; k < n - 29; k++) {
                    if (length + 1 < size)
                        out[length++] = (char)last;
                    else
                        too_long = true;
                }
                continue;
            }
            if (length + 1 < size)
                out[length++] = (char)c;
            else
                too_long = true;
            last = c;
        }
        if (c < 0)
            return c;
        int high = next_byte(r, err, err_size);
        int low = high < 0 ? high : next_byte(r, err, err_size);
        if (low < 0)
            return low;
        VDB_ASSERT(length < size);
        out[length] = '\0';
        bool good = vdb_rsp_checksum_is(high, low, sum);
        if (!r->no_ack && !write_bytes(r, good ? "+" : "-", 1))
            return broke(r, err, err_size, "cannot be written to: %s", strerror(errno ? errno : EPIPE));
        if (!good) {
            if (r->no_ack)
                return broke(r, err, err_size, "sent a packet with a bad checksum");
            continue;                      /* it sends it again */
        }
        if (notification)
            continue;
        if (too_long)
            return broke(r, err, err_size, "sent a packet longer than %d bytes", PACKET_MAX);
        return (long)length;
    }
}

/* Whether text is the hex of some bytes. */
static bool is_hex(const char *text)
{
    size_t n = 0;
    for (; text[n]; n++)
        if (vmlab_digit_value((unsigned char)text[n]) < 0)
            return false;
    return n % 2 == 0;
}

/* Adds the bytes of hex to *text (a growing buffer: output, monitor text). */
static void append_hex(char **text, size_t *length, size_t *capacity, const char *hex)
{
    size_t n = strlen(hex) / 2;
    if (*length + n + 1 > *capacity) {
        size_t grown = *capacity ? *capacity : 256;
        while (grown < *length + n + 1)
            grown *= 2;
        char *bigger = realloc(*text, grown);
        if (!bigger)
            return;  /* output dropped rather than the program stopped */
        *text = bigger;
        *capacity = grown;
    }
    for (size_t i = 0; i < n; i++)
        (*text)[(*length)++] = (char)(vmlab_digit_value((unsigned char)hex[2 * i]) << 4 |
                                      vmlab_digit_value((unsigned char)hex[2 * i + 1]));
    (*text)[*length] = '\0';
}

/* O packets (console output) arrive before the reply they precede: where
 * their text goes. */
typedef struct {
    char **text;
    size_t *length, *capacity;
} text_sink;

/* The reply to what was just sent, O packets put in sink (or the program's
 * output when NULL), waiting up to timeout_ms (none when -1 ...). */
static long reply_of(struct remote_target *r, char *reply, size_t size, long long timeout_ms, const text_sink *sink,
                     const char *what, char *err, size_t err_size)
{
    r->deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        long n = receive_packet(r, reply, size, err, err_size);
        if (n == GOT_TIMEOUT)
            return broke(r, err, err_size, "did not answer %s within %u ms", what, r->timeout_ms);
        if (n < 0)
            return n;
        if (reply[0] == 'O' && reply[1] && is_hex(reply + 1)) {
            if (sink)
                append_hex(sink->text, sink->length, sink->capacity, reply + 1);
            else
                append_hex(&r->output, &r->output_length, &r->output_capacity, reply + 1);
            continue;
        }
        return n;
    }
}

/* One request and its reply (timeout_ms). */
static long request(struct remote_target *r, const char *packet, char *reply, size_t size, char *err, size_t err_size)
{
    if (check_connection(r, err, err_size) < 0 || send_packet(r, packet, err, err_size) < 0)
        return -1;
    char what[48];
    snprintf(what, sizeof what, "'%.*s'", (int)strcspn(packet, ":,;"), packet);
    return reply_of(r, reply, size, r->timeout_ms, NULL, what, err, err_size);
}

/* "E NN" or "E.text" (error-message+): the reason, for err. */
static bool is_error(const char *reply)
{
    return reply[0] == 'E' && ((isxdigit((unsigned char)reply[1]) && isxdigit((unsigned char)reply[2]) && !reply[3]) ||
                               reply[1] == '.');
}

static void error_text(const char *reply, char *out, size_t size)
{
    if (reply[1] == '.')
        snprintf(out, size, "%s", reply + 2);
    else
        snprintf(out, size, "error %s", reply + 1);
}

/* ==== The target description ===================================================== */

/* The value of attribute name="..." inside one tag (tag .. end). */
static bool attribute(const char *tag, const char *end, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *p = tag; p + n + 2 < end; p++) {
        if ((p == tag || isspace((unsigned char)p[-1])) && strncmp(p, name, n) == 0 && p[n] == '=' &&
            (p[n + 1] == '"' || p[n + 1] == '\'')) {
            char quote = p[n + 1];
            const char *value = p + n + 2, *close = memchr(value, quote, (size_t)(end - value));
            if (!close)
                return false;
            snprintf(out, size, "%.*s", (int)(close - value), value);
            return true;
        }
    }
    return false;
}

/* Reads an annex of qXfer:features:read (target.xml, or one it includes)
 * into a malloc'd string; NULL with err when the server has none. */
static char *read_annex(struct remote_target *r, const char *annex, char *err, size_t err_size)
{
    char *text = NULL, *reply = malloc(PACKET_MAX);
    size_t length = 0;
    if (!reply) {
        snprintf(err, err_size, "out of memory for the target description");
        return NULL;
    }
    size_t chunk = r->packet_size > 64 ? r->packet_size - 32 : 256;
    for (;;) {
        char packet[160];
        snprintf(packet, sizeof packet, "qXfer:features:read:%.100s:%zx,%zx", annex, length, chunk);
        long n = request(r, packet, reply, PACKET_MAX, err, err_size);
        if (n < 0)
            goto failed;
        if (n == 0 || (reply[0] != 'm' && reply[0] != 'l')) {
            char why[80];
            error_text(reply, why, sizeof why);
            snprintf(err, err_size, "the remote at %s gave no %s (%s)", r->where, annex, n == 0 ? "no reply" : why);
            goto failed;
        }
        if (length + (size_t)n > DESCRIPTION_MAX) {
            snprintf(err, err_size, "the remote at %s sent a description %s longer than %d KiB", r->where, annex,
                     DESCRIPTION_MAX / 1024);
            goto failed;
        }
        char *bigger = realloc(text, length + (size_t)n);
        if (!bigger) {
            snprintf(err, err_size, "out of memory for the target description");
            goto failed;
        }
        text = bigger;
        memcpy(text + length, reply + 1, (size_t)n - 1);
        length += (size_t)n - 1;
        text[length] = '\0';
        if (reply[0] == 'l')
            break;
    }
    free(reply);
    return text;

failed:
    free(reply);
    free(text);
    return NULL;
}

static const char *group_of(const char *name)
{
    static const char *const segments[] = { "cs", "ss", "ds", "es", "fs", "gs" };
    for (size_t i = 0; i < sizeof segments / sizeof segments[0]; i++)
        if (strcmp(name, segments[i]) == 0)
            return "segment";
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, "_base") == 0)  /* fs_base, k_gs_base (QEMU's) */
        return "segment";
    if ((name[0] == 'c' && name[1] == 'r' && isdigit((unsigned char)name[2])) || strcmp(name, "efer") == 0)
        return "control";
    return "general";
}

static int add_register(struct remote_target *r, const char *name, unsigned bits, unsigned number, bool shown,
                        char *err, size_t err_size)
{
    if (r->nregs == MAX_REGISTERS) {
        snprintf(err, err_size, "the remote at %s describes more than %d registers", r->where, MAX_REGISTERS);
        return -1;
    }
    if (bits == 0 || bits % 8 != 0 || bits > 1024) {
        snprintf(err, err_size, "the remote at %s describes register %s of %u bits", r->where, name, bits);
        return -1;
    }
    struct remote_register *reg = &r->regs[r->nregs++];
    /* vdb calls the flags rflags, as its hypervisor target does. */
    snprintf(reg->name, sizeof reg->name, "%s", strcmp(name, "eflags") == 0 && r->regs[0].bytes == 8 ? "rflags" : name);
    reg->number = number;
    reg->bytes = bits / 8;
    reg->shown = shown && bits <= 64;
    const char *group = group_of(reg->name);
    unsigned shown_bits = strcmp(group, "segment") == 0 && bits <= 32 ? 16 : strcmp(reg->name, "rflags") == 0 ? 64 : bits;
    reg->info = (vdb_register){ reg->name, shown_bits, group };
    return 0;
}

/* gdb's amd64 'g' layout, for a server that names the architecture and no
 * registers (as vdb --gdbserver does): the registers vdb shows, then the
 * x87 and SSE state (sizes only: offsets of nothing after them). */
static int default_registers(struct remote_target *r, char *err, size_t err_size)
{
    static const char *const core[] = {
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip",
    };
    static const char *const thirty_two[] = { "eflags", "cs", "ss", "ds", "es", "fs", "gs" };
    unsigned number = 0;
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
        if (add_register(r, core[i], 64, number++, true, err, err_size) < 0)
            return -1;
    for (size_t i = 0; i < sizeof thirty_two / sizeof thirty_two[0]; i++)
        if (add_register(r, thirty_two[i], 32, number++, true, err, err_size) < 0)
            return -1;
    return 0;
}

/* Parses one description (and what it includes, to a depth of four):
 * the architecture and each <reg>. */
static int parse_description(struct remote_target *r, const char *xml, unsigned *number, int depth, char *err,
                             size_t err_size)
{
    for (const char *p = xml; (p = strchr(p, '<')) != NULL; p++) {
        if (strncmp(p, "<!--", 4) == 0) {   /* a comment: QEMU's hides registers in one */
            const char *close = strstr(p + 4, "-->");
            if (!close)
                break;
            p = close + 2;
            continue;
        }
        const char *end = strchr(p, '>');
        if (!end)
            break;
        char value[128];
        if (strncmp(p, "<architecture>", 14) == 0) {
            const char *close = strstr(p, "</architecture>");
            if (close)
                snprintf(r->architecture, sizeof r->architecture, "%.*s", (int)(close - p - 14), p + 14);
        } else if (strncmp(p, "<xi:include", 11) == 0 && attribute(p, end, "href", value, sizeof value)) {
            if (depth >= 4) {
                snprintf(err, err_size, "the remote at %s nests its description's includes too deep", r->where);
                return -1;
            }
            char *included = read_annex(r, value, err, err_size);
            if (!included)
                return -1;
            int status = parse_description(r, included, number, depth + 1, err, err_size);
            free(included);
            if (status < 0)
                return -1;
        } else if (strncmp(p, "<reg", 4) == 0 && isspace((unsigned char)p[4])) {
            char name[32], bits[16], regnum[16], group[32] = "", type[32] = "";
            if (!attribute(p, end, "name", name, sizeof name) || !attribute(p, end, "bitsize", bits, sizeof bits)) {
                snprintf(err, err_size, "the remote at %s describes a register without name or bitsize", r->where);
                return -1;
            }
            if (attribute(p, end, "regnum", regnum, sizeof regnum))
                *number = (unsigned)strtoul(regnum, NULL, 10);
            attribute(p, end, "group", group, sizeof group);
            attribute(p, end, "type", type, sizeof type);
            bool shown = strcmp(group, "float") != 0 && strcmp(group, "vector") != 0 && strncmp(type, "vec", 3) != 0 &&
                         strcmp(type, "i387_ext") != 0;
            if (add_register(r, name, (unsigned)strtoul(bits, NULL, 10), (*number)++, shown, err, err_size) < 0)
                return -1;
        }
        p = end;
    }
    return 0;
}

static int find_register(struct remote_target *r, const char *name)
{
    for (size_t i = 0; i < r->nregs; i++)
        if (strcmp(r->regs[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The registers from the server's description, or gdb's amd64 layout;
 * their offsets in 'g' (registers in number order), and which vdb shows. */
static int describe_registers(struct remote_target *r, bool has_description, char *err, size_t err_size)
{
    if (has_description) {
        char *xml = read_annex(r, "target.xml", err, err_size);
        if (!xml)
            return -1;
        unsigned number = 0;
        int status = parse_description(r, xml, &number, 0, err, err_size);
        free(xml);
        if (status < 0)
            return -1;
    }
    if (r->architecture[0] && strncmp(r->architecture, "i386", 4) != 0 && strcmp(r->architecture, "i8086") != 0) {
        snprintf(err, err_size, "the remote at %s is a machine of architecture %s: vdb's remote target knows x86",
                 r->where, r->architecture);
        return -1;
    }
    if (r->nregs == 0 && default_registers(r, err, err_size) < 0)
        return -1;
    /* Offsets: the registers in number order, each after the one before. */
    for (size_t i = 0; i < r->nregs; i++) {
        size_t offset = 0;
        for (size_t j = 0; j < r->nregs; j++)
            if (r->regs[j].number < r->regs[i].number)
                offset += r->regs[j].bytes;
        r->regs[i].offset = offset;
        if (r->regs[i].shown)
            r->shown[r->nshown++] = i;
    }
    r->rip = find_register(r, "rip");
    if (r->rip < 0)
        r->rip = find_register(r, "eip");
    if (r->rip < 0)
        r->rip = find_register(r, "pc");
    if (r->rip < 0) {
        snprintf(err, err_size, "the remote at %s describes no program counter (rip)", r->where);
        return -1;
    }
    r->efer = find_register(r, "efer");
    r->cr0 = find_register(r, "cr0");
    r->cs = find_register(r, "cs");
    return 0;
}

/* ==== Registers ===================================================================== */

/* Forgets what the machine may have changed: after a resume, or a write. */
static void forget_state(struct remote_target *r)
{
    memset(r->state, REG_UNKNOWN, sizeof r->state);
    free(r->g);
    r->g = NULL;
    r->g_length = 0;
    for (size_t i = 0; i < MEMORY_BLOCKS; i++)
        r->blocks[i].valid = false;
    r->code_bits = 0;
    r->real_mode = false;
    r->mode[0] = '\0';
}

/* g: every register it holds, into the cache. */
static int read_all_registers(struct remote_target *r, char *err, size_t err_size)
{
    char *reply = malloc(PACKET_MAX);
    if (!reply) {
        snprintf(err, err_size, "out of memory for the registers");
        return -1;
    }
    long n = request(r, "g", reply, PACKET_MAX, err, err_size);
    if (n < 0) {
        free(reply);
        return -1;
    }
    if (is_error(reply) || n == 0 || n % 2 != 0) {
        char why[80];
        error_text(reply, why, sizeof why);
        snprintf(err, err_size, "the remote at %s gave no registers (%s)", r->where, n == 0 ? "no reply" : n % 2 ? "an odd reply" : why);
        free(reply);
        return -1;
    }
    free(r->g);
    r->g = reply;
    r->g_length = (size_t)n;
    for (size_t i = 0; i < r->nregs; i++) {
        const struct remote_register *reg = &r->regs[i];
        if (2 * (reg->offset + reg->bytes) > r->g_length) {
            r->state[i] = REG_UNKNOWN;   /* not in g: p asks for it */
            continue;
        }
        r->state[i] = vdb_rsp_get_le(r->g + 2 * reg->offset, reg->bytes, &r->value[i]) ? REG_HAVE : REG_UNAVAILABLE;
    }
    return 0;
}

static int register_value(struct remote_target *r, size_t i, uint64_t *value, char *err, size_t err_size)
{
    if (check_connection(r, err, err_size) < 0)
        return -1;
    if (r->state[i] == REG_UNKNOWN && !r->g && read_all_registers(r, err, err_size) < 0)
        return -1;
    if (r->state[i] == REG_UNKNOWN) {
        char packet[24], reply[2 * 128 + 8];
        snprintf(packet, sizeof packet, "p%x", r->regs[i].number);
        long n = request(r, packet, reply, sizeof reply, err, err_size);
        if (n < 0)
            return -1;
        r->state[i] = n >= 2 * (long)r->regs[i].bytes && vdb_rsp_get_le(reply, r->regs[i].bytes, &r->value[i])
                          ? REG_HAVE : REG_UNAVAILABLE;
    }
    if (r->state[i] != REG_HAVE) {
        snprintf(err, err_size, "%s: the remote does not give its value", r->regs[i].name);
        return -1;
    }
    *value = r->value[i];
    return 0;
}

static size_t remote_register_count(vdb_target *base)
{
    return remote_of(base)->nshown;
}

static const vdb_register *remote_register_info(vdb_target *base, size_t i)
{
    struct remote_target *r = remote_of(base);
    return i < r->nshown ? &r->regs[r->shown[i]].info : NULL;
}

static int remote_read_register(vdb_target *base, size_t i, uint64_t *value, char *err, size_t err_size)
{
    struct remote_target *r = remote_of(base);
    if (i >= r->nshown) {
        snprintf(err, err_size, "no register %zu: the remote target has %zu", i, r->nshown);
        return -1;
    }
    return register_value(r, r->shown[i], value, err, err_size);
}

static int remote_write_register(vdb_target *base, size_t i, uint64_t value, char *err, size_t err_size)
{
    struct remote_target *r = remote_of(base);
    if (i >= r->nshown) {
        snprintf(err, err_size, "no register %zu: the remote target has %zu", i, r->nshown);
        return -1;
    }
    if (check_connection(r, err, err_size) < 0)
        return -1;
    const struct remote_register *reg = &r->regs[r->shown[i]];
    if (reg->info.bits < 64 && value >> reg->info.bits) {
        snprintf(err, err_size, "%s: a value of %u bits, 0x%" PRIx64 " does not fit", reg->name, reg->info.bits, value);
        return -1;
    }
    char hex[2 * 128 + 1], packet[2 * 128 + 32], reply[64];
    vdb_rsp_put_le(hex, value, reg->bytes);
    snprintf(packet, sizeof packet, "P%x=%s", reg->number, hex);
    long n = request(r, packet, reply, sizeof reply, err, err_size);
    if (n < 0)
        return -1;
    if (n == 0) {
        /* No P: G, with the register replaced in the last 'g'. */
        if (!r->g && read_all_registers(r, err, err_size) < 0)
            return -1;
        if (2 * (reg->offset + reg->bytes) > r->g_length) {
            snprintf(err, err_size, "%s: the remote takes no register writes for it (no P, not in g)", reg->name);
            return -1;
        }
        char *whole = malloc(r->g_length + 2);
        if (!whole) {
            snprintf(err, err_size, "out of memory for the registers");
            return -1;
        }
        whole[0] = 'G';
        memcpy(whole + 1, r->g, r->g_length);
        memcpy(whole + 1 + 2 * reg->offset, hex, 2 * reg->bytes);
        whole[r->g_length + 1] = '\0';
        n = request(r, whole, reply, sizeof reply, err, err_size);
        free(whole);
        if (n < 0)
            return -1;
    }
    if (strcmp(reply, "OK") != 0) {
        char why[80];
        error_text(reply, why, sizeof why);
        snprintf(err, err_size, "%s: the remote refused the value (%s)", reg->name, n == 0 ? "no reply" : why);
        return -1;
    }
    forget_state(r);  /* a control register can change the mode, a segment the code size */
    return 0;
}

/* ==== Memory ======================================================================== */

/* Physical memory through QEMU's Qqemu.PhyMemMode:1, which vdb --gdbserver
 * knows too (its hypervisor target's phys). */
static const char *const memory_spaces[] = { "virt", "phys", NULL };

/* m: up to size bytes at address into bytes; how many came (fewer where
 * reading stopped), or -1: err says why, *refused when the server answered
 * with an error (nothing readable there) rather than breaking. */
static long read_raw(struct remote_target *r, uint64_t address, uint8_t *bytes, size_t size, bool *refused, char *err,
                     size_t err_size)
{
    *refused = false;
    size_t chunk = (r->packet_size - 8) / 2;
    size_t done = 0;
    char *reply = malloc(PACKET_MAX);
    if (!reply) {
        snprintf(err, err_size, "out of memory for reading memory");
        return -1;
    }
    while (done < size) {
        size_t want = size - done < chunk ? size - done : chunk;
        char packet[64];
        snprintf(packet, sizeof packet, "m%" PRIx64 ",%zx", address + done, want);
        long n = request(r, packet, reply, PACKET_MAX, err, err_size);
        if (n < 0) {
            free(reply);
            return -1;
        }
        if (is_error(reply) || n == 0 || !is_hex(reply) || (size_t)n > 2 * want) {
            if (done > 0)
                break;
            *refused = true;
            char why[80];
            error_text(reply, why, sizeof why);
            snprintf(err, err_size, "cannot read memory at 0x%" PRIx64 " (the remote: %s)", address,
                     n == 0 ? "no reply" : is_error(reply) ? why : "a reply that is no memory");
            free(reply);
            return -1;
        }
        for (long i = 0; i < n / 2; i++)
            bytes[done + (size_t)i] = (uint8_t)(vmlab_digit_value((unsigned char)reply[2 * i]) << 4 |
                                                vmlab_digit_value((unsigned char)reply[2 * i + 1]));
        done += (size_t)n / 2;
        if ((size_t)n / 2 < want)
            break;  /* it stopped where memory ends */
    }
    free(reply);
    return (long)done;
}

static struct memory_block *block_at(struct remote_target *r, uint64_t base, char *err, size_t err_size, bool *refused)
{
    for (size_t i = 0; i < MEMORY_BLOCKS; i++)
        if (r->blocks[i].valid && r->blocks[i].base == base)
            return &r->blocks[i];
    struct memory_block *b = &r->blocks[r->next_block];
    r->next_block = (r->next_block + 1) % MEMORY_BLOCKS;
    b->valid = false;
    long n = read_raw(r, base, b->bytes, MEMORY_BLOCK, refused, err, err_size);
    if (n < 0)
        return NULL;
    b->base = base;
    b->length = (size_t)n;
    b->valid = true;
    return b;
}

/* A space there is, and a connection to reach it through. */
static int check_memory_call(struct remote_target *r, int space, char *err, size_t err_size)
{
    if (space != 0 && space != 1) {
        snprintf(err, err_size, "no memory space %d: the remote target has virt (0) and phys (1)", space);
        return -1;
    }
    return check_connection(r, err, err_size);
}

/* Qqemu.PhyMemMode:1 or :0 -- m and M by physical address, or back. */
static int physical_mode(struct remote_target *r, bool on, char *err, size_t err_size)
{
    char reply[64];
    long n = request(r, on ? "Qqemu.PhyMemMode:1" : "Qqemu.PhyMemMode:0", reply, sizeof reply, err, err_size);
    if (n < 0)
        return -1;
    if (strcmp(reply, "OK") != 0) {
        snprintf(err, err_size, "the remote at %s reads no physical memory (no Qqemu.PhyMemMode)", r->where);
        return -1;
    }
    return 0;
}

/* Physical memory: uncached, between the two mode switches. */
static int physical_access(struct remote_target *r, uint64_t address, void *buffer, size_t size, bool write,
                           char *err, size_t err_size);

static int remote_read_memory(vdb_target *base, int space, uint64_t address, void *buffer, size_t size, char *err,
                              size_t err_size)
{
    struct remote_target *r = remote_of(base);
    if (check_memory_call(r, space, err, err_size) < 0)
        return -1;
    if (space == 1)
        return physical_access(r, address, buffer, size, false, err, err_size);
    uint8_t *out = buffer;
    size_t done = 0;
    while (done < size) {
        uint64_t at = address + done;
        uint64_t block_base = at & ~(uint64_t)(MEMORY_BLOCK - 1);
        bool refused;
        struct memory_block *b = block_at(r, block_base, err, err_size, &refused);
        size_t from = (size_t)(at - block_base);
        if (!b || b->length <= from) {
            if (b || refused) {
                /* Part of the block is unreadable: the exact bytes, uncached. */
                long n = read_raw(r, at, out + done, size - done, &refused, err, err_size);
                if (n == (long)(size - done))
                    return 0;
                if (n >= 0)
                    snprintf(err, err_size, "cannot read memory at 0x%" PRIx64 " (the remote reads only 0x%lx bytes)",
                             at, (unsigned long)n);
            }
            return -1;
        }
        size_t n = b->length - from < size - done ? b->length - from : size - done;
        memcpy(out + done, b->bytes + from, n);
        done += n;
    }
    return 0;
}

static int remote_write_memory(vdb_target *base, int space, uint64_t address, const void *buffer, size_t size,
                               char *err, size_t err_size)
{
    struct remote_target *r = remote_of(base);
    if (check_memory_call(r, space, err, err_size) < 0)
        return -1;
    if (space == 1)
        return physical_access(r, address, (void *)buffer, size, true, err, err_size);
    const uint8_t *bytes = buffer;
    size_t chunk = (r->packet_size - 48) / 2;
    char *packet = malloc(2 * chunk + 48);
    if (!packet) {
        snprintf(err, err_size, "out of memory for writing memory");
        return -1;
    }
    int status = 0;
    for (size_t done = 0; done < size && status == 0;) {
        size_t n = size - done < chunk ? size - done : chunk;
        int at = snprintf(packet, 48, "M%" PRIx64 ",%zx:", address + done, n);
        for (size_t i = 0; i < n; i++) {
            packet[at + 2 * (int)i] = hex_digits[bytes[done + i] >> 4];
            packet[at + 2 * (int)i + 1] = hex_digits[bytes[done + i] & 15];
        }
        packet[at + 2 * (int)n] = '\0';
        char reply[64];
        long got = request(r, packet, reply, sizeof reply, err, err_size);
        if (got < 0) {
            status = -1;
        } else if (strcmp(reply, "OK") != 0) {
            char why[80];
            error_text(reply, why, sizeof why);
            snprintf(err, err_size, "cannot write memory at 0x%" PRIx64 " (the remote: %s)", address + done,
                     got == 0 ? "no reply" : why);
            status = -1;
        }
        done += n;
    }
    free(packet);
    forget_state(r);
    return status;
}

static int physical_access(struct remote_target *r, uint64_t address, void *buffer, size_t size, bool write,
                           char *err, size_t err_size)
{
    if (physical_mode(r, true, err, err_size) < 0)
        return -1;
    int status;
    if (write) {
        status = remote_write_memory(&r->base, 0, address, buffer, size, err, err_size);
    } else {
        bool refused;
        long n = read_raw(r, address, buffer, size, &refused, err, err_size);
        status = n == (long)size ? 0 : -1;
        if (n >= 0 && n < (long)size)
            snprintf(err, err_size, "cannot read physical memory at 0x%" PRIx64 " (the remote reads only 0x%lx bytes)",
                     address, (unsigned long)n);
    }
    char ignored[VDB_ERR_SIZE];
    if (physical_mode(r, false, status == 0 ? err : ignored, status == 0 ? err_size : sizeof ignored) < 0)
        return -1;  /* left in physical mode: the next virtual read would be wrong */
    forget_state(r);
    return status;
}

/* ==== Breakpoints =================================================================== */

static bool breakpoint_at(struct remote_target *r, uint64_t address)
{
    for (size_t i = 0; i < r->nbreakpoints; i++)
        if (r->breakpoints[i] == address)
            return true;
    return false;
}

/* Z0 or z0 at address; -1 with err. */
static int plant(struct remote_target *r, uint64_t address, bool insert, char *err, size_t err_size)
{
    char packet[48], reply[64];
    snprintf(packet, sizeof packet, "%c0,%" PRIx64 ",1", insert ? 'Z' : 'z', address);
    long n = request(r, packet, reply, sizeof reply, err, err_size);
    if (n < 0)
        return -1;
    if (strcmp(reply, "OK") == 0)
        return 0;
    if (n == 0)
        snprintf(err, err_size, "the remote at %s has no software breakpoints (Z0)", r->where);
    else {
        char why[80];
        error_text(reply, why, sizeof why);
        snprintf(err, err_size, "the remote could not %s the breakpoint at 0x%" PRIx64 " (%s)",
                 insert ? "set" : "remove", address, why);
    }
    return -1;
}

static int remote_insert_breakpoint(vdb_target *base, uint64_t address, char *err, size_t err_size)
{
    struct remote_target *r = remote_of(base);
    if (breakpoint_at(r, address))
        return 0;
    if (r->nbreakpoints == r->breakpoint_capacity) {
        size_t grown = r->breakpoint_capacity ? 2 * r->breakpoint_capacity : 16;
        uint64_t *bigger = realloc(r->breakpoints, grown * sizeof *bigger);
        if (!bigger) {
            snprintf(err, err_size, "out of memory for breakpoints");
            return -1;
        }
        r->breakpoints = bigger;
        r->breakpoint_capacity = grown;
    }
    if (plant(r, address, true, err, err_size) < 0)
        return -1;
    r->breakpoints[r->nbreakpoints++] = address;
    return 0;
}

static int remote_remove_breakpoint(vdb_target *base, uint64_t address, char *err, size_t err_size)
{
    struct remote_target *r = remote_of(base);
    for (size_t i = 0; i < r->nbreakpoints; i++) {
        if (r->breakpoints[i] == address) {
            if (plant(r, address, false, err, err_size) < 0)
                return -1;
            r->breakpoints[i] = r->breakpoints[--r->nbreakpoints];
            return 0;
        }
    }
    snprintf(err, err_size, "no breakpoint at 0x%" PRIx64, address);
    return -1;
}

/* ==== Running ======================================================================= */

static int program_counter(struct remote_target *r, uint64_t *pc, char *err, size_t err_size);

static const char *signal_name(unsigned number)
{
    /* gdb's signal numbers, which are Linux's for these. */
    static const char *const names[] = {
        [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP", [6] = "SIGABRT",
        [7] = "SIGEMT", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGBUS", [11] = "SIGSEGV", [12] = "SIGSYS",
        [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
    };
    return number < sizeof names / sizeof names[0] && names[number] ? names[number] : "a signal";
}

/* A stop reply into *stop: S/T a signal, W an exit, X a termination. */
static int parse_stop(struct remote_target *r, const char *reply, vdb_resume_kind kind, bool step_timed_out,
                      vdb_stop *stop, char *err, size_t err_size)
{
    *stop = (vdb_stop){ .kind = VDB_STOP_INTERRUPT };
    int high = vmlab_digit_value((unsigned char)reply[1]);
    int low = high < 0 ? -1 : vmlab_digit_value((unsigned char)reply[2]);
    unsigned code = high < 0 || low < 0 ? 0 : (unsigned)(high << 4 | low);
    if ((reply[0] == 'S' || reply[0] == 'T' || reply[0] == 'W' || reply[0] == 'X') && (high < 0 || low < 0))
        return broke(r, err, err_size, "sent the stop reply '%.40s' without its number", reply);
    switch (reply[0]) {
    case 'W':
        stop->kind = VDB_STOP_EXITED;
        stop->exit_status = (int)code;
        break;
    case 'X':
        stop->kind = VDB_STOP_ERROR;
        stop->exit_status = 128 + (int)code;
        snprintf(stop->detail, sizeof stop->detail, "the remote program was terminated by %s", signal_name(code));
        break;
    case 'S':
    case 'T': {
        uint64_t pc = 0;
        char ignored[VDB_ERR_SIZE];
        bool have_pc = program_counter(r, &pc, ignored, sizeof ignored) == 0;
        if (r->broken)
            return check_connection(r, err, err_size);
        if (kind == VDB_RESUME_STEPI && !step_timed_out) {
            stop->kind = VDB_STOP_STEP;
        } else if (have_pc && breakpoint_at(r, pc) && code == SIGNAL_TRAP) {
            stop->kind = VDB_STOP_BREAKPOINT;
            stop->address = pc;
        } else if (step_timed_out) {
            snprintf(stop->detail, sizeof stop->detail, "the step did not end within %u ms, so vdb stopped it",
                     r->timeout_ms);
        } else if (code != SIGNAL_INT && !(code == SIGNAL_TRAP && r->interrupt_sent)) {
            snprintf(stop->detail, sizeof stop->detail, "the remote program received %s", signal_name(code));
        }
        break;
    }
    default:
        return broke(r, err, err_size, "sent '%.40s' where a stop reply (S, T, W, X) belongs", reply);
    }
    if (stop->kind == VDB_STOP_EXITED || stop->kind == VDB_STOP_ERROR) {
        r->ended = true;
        r->end = *stop;
    }
    return 0;
}

/* One s or c, and its stop. */
static int run_once(struct remote_target *r, vdb_resume_kind kind, vdb_stop *stop, char *err, size_t err_size)
{
    bool step = kind == VDB_RESUME_STEPI;
    const char *packet = r->vcont ? (step ? "vCont;s" : "vCont;c") : (step ? "s" : "c");
    forget_state(r);
    r->interrupt_sent = 0;
    if (send_packet(r, packet, err, err_size) < 0)
        return -1;
    r->running = 1;
    if (r->interrupt_pending && !r->interrupt_sent) {
        r->interrupt_pending = 0;
        r->interrupt_sent = 1;
        if (!write_bytes(r, "\003", 1)) {
            r->running = 0;
            return broke(r, err, err_size, "cannot be written to: %s", strerror(errno ? errno : EPIPE));
        }
    }
    char *reply = malloc(PACKET_MAX);
    if (!reply) {
        r->running = 0;
        snprintf(err, err_size, "out of memory for the stop reply");
        return -1;
    }
    bool step_timed_out = false;
    long n;
    /* A step has timeout_ms; then Ctrl-C, and timeout_ms more.  A continue
     * waits until it stops (a Ctrl-C starts the same clock: next_byte). */
    r->deadline = step ? now_ms() + r->timeout_ms : -1;
    for (;;) {
        n = receive_packet(r, reply, PACKET_MAX, err, err_size);
        if (n == GOT_TIMEOUT && step && !r->interrupt_sent) {
            step_timed_out = true;
            r->interrupt_sent = 1;
            if (!write_bytes(r, "\003", 1)) {
                n = broke(r, err, err_size, "cannot be written to: %s", strerror(errno ? errno : EPIPE));
                break;
            }
            r->deadline = now_ms() + r->timeout_ms;
            continue;
        }
        if (n == GOT_TIMEOUT) {
            n = broke(r, err, err_size, "did not stop the program within %u ms of being asked to (Ctrl-C)",
                      r->timeout_ms);
            break;
        }
        if (n < 0)
            break;
        if (reply[0] == 'O' && reply[1] && is_hex(reply + 1)) {
            append_hex(&r->output, &r->output_length, &r->output_capacity, reply + 1);
            continue;
        }
        break;
    }
    r->running = 0;
    r->interrupt_pending = 0;
    int status;
    if (n < 0) {
        status = -1;
    } else if (is_error(reply) || n == 0) {
        char why[VDB_ERR_SIZE - 64];
        error_text(reply, why, sizeof why);
        snprintf(err, err_size, "the remote could not %s: %s", step ? "step" : "continue",
                 n == 0 ? "it does not know the packet" : why);
        status = -1;
    } else {
        status = parse_stop(r, reply, kind, step_timed_out, stop, err, err_size);
    }
    r->interrupt_sent = 0;
    free(reply);
    return status;
}

static int remote_resume(vdb_target *base, vdb_resume_kind kind, vdb_stop *stop, char *err, size_t err_size)
{
    struct remote_target *r = remote_of(base);
    if (kind != VDB_RESUME_CONTINUE && kind != VDB_RESUME_STEPI) {
        static const char *const names[] = {
            [VDB_RESUME_STEP] = "step", [VDB_RESUME_NEXT] = "next", [VDB_RESUME_FINISH] = "finish",
        };
        const char *name = (unsigned)kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "this";
        snprintf(err, err_size, "the remote target has no source lines or frames, so no %s: use stepi or continue",
                 name);
        return -1;
    }
    if (check_connection(r, err, err_size) < 0)
        return -1;
    if (r->ended) {
        *stop = r->end;
        return 0;
    }
    /* From a breakpoint: step off it with it removed (a server may stop on
     * it again at once), then put it back. */
    uint64_t pc;
    char ignored[VDB_ERR_SIZE];
    if (program_counter(r, &pc, ignored, sizeof ignored) == 0 && breakpoint_at(r, pc)) {
        if (plant(r, pc, false, err, err_size) < 0)
            return -1;
        int status = run_once(r, VDB_RESUME_STEPI, stop, err, err_size);
        if (!r->broken && !r->ended && plant(r, pc, true, err, err_size) < 0)
            return -1;
        if (status < 0 || kind == VDB_RESUME_STEPI || stop->kind != VDB_STOP_STEP)
            return status;
        uint64_t now;
        if (program_counter(r, &now, ignored, sizeof ignored) == 0 && breakpoint_at(r, now)) {
            *stop = (vdb_stop){ .kind = VDB_STOP_BREAKPOINT, .address = now };
            return 0;
        }
    }
    return run_once(r, kind, stop, err, err_size);
}

/* From a signal handler: only the flags and send(2). */
static void remote_interrupt(vdb_target *base)
{
    struct remote_target *r = remote_of(base);
    if (!r->running) {
        r->interrupt_pending = 1;
        return;
    }
    if (r->interrupt_sent)
        return;
    r->interrupt_sent = 1;
    uint8_t byte = 0x03;
    int saved = errno;
    ssize_t n = r->is_socket ? send(r->fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) : write(r->fd, &byte, 1);
    (void)n;
    errno = saved;
}

static size_t remote_take_output(vdb_target *base, char **text)
{
    struct remote_target *r = remote_of(base);
    *text = NULL;
    if (r->output_length == 0)
        return 0;
    size_t length = r->output_length;
    *text = r->output;
    r->output = NULL;
    r->output_length = r->output_capacity = 0;
    return length;
}

/* ==== Monitor commands (qRcmd) ====================================================== */

/* Runs command on the server's monitor; its text (malloc'd) in *text.
 * Returns 0, 1 when the server has no monitor, or -1 with err. */
static int monitor(struct remote_target *r, const char *command, char **text, char *err, size_t err_size)
{
    *text = NULL;
    if (check_connection(r, err, err_size) < 0)
        return -1;
    if (r->monitor == 0)
        return 1;
    size_t length = strlen(command);
    char *packet = malloc(2 * length + 8), *reply = malloc(PACKET_MAX);
    if (!packet || !reply) {
        free(packet);
        free(reply);
        snprintf(err, err_size, "out of memory for a monitor command");
        return -1;
    }
    int at = snprintf(packet, 8, "qRcmd,");
    for (size_t i = 0; i < length; i++) {
        packet[at + 2 * (int)i] = hex_digits[(uint8_t)command[i] >> 4];
        packet[at + 2 * (int)i + 1] = hex_digits[(uint8_t)command[i] & 15];
    }
    packet[at + 2 * (int)length] = '\0';
    size_t text_length = 0, text_capacity = 0;
    text_sink sink = { text, &text_length, &text_capacity };
    int status = -1;
    if (send_packet(r, packet, err, err_size) == 0) {
        long n = reply_of(r, reply, PACKET_MAX, r->timeout_ms, &sink, "a monitor command (qRcmd)", err, err_size);
        if (n == 0) {
            r->monitor = 0;
            status = 1;
        } else if (n > 0 && is_error(reply)) {
            r->monitor = 1;
            char why[VDB_ERR_SIZE];
            if (reply[1] == '.')
                error_text(reply, why, sizeof why);
            else  /* the reason may have come as output */
                snprintf(why, sizeof why, "%s", *text && **text ? *text : "it refused");
            why[strcspn(why, "\n")] = '\0';
            snprintf(err, err_size, "%s", why);
        } else if (n > 0) {
            r->monitor = 1;
            if (strcmp(reply, "OK") != 0 && is_hex(reply))
                append_hex(text, &text_length, &text_capacity, reply);
            status = 0;
        }
    }
    free(packet);
    free(reply);
    if (status != 0) {
        free(*text);
        *text = NULL;
    } else if (!*text) {
        *text = calloc(1, 1);
    }
    return status;
}

static const char *const info_topics[] = { "exits", "mode", NULL };

static int remote_info(vdb_target *base, const char *topic, char **text, char *err, size_t err_size)
{
    struct remote_target *r = remote_of(base);
    char command[128];
    snprintf(command, sizeof command, "info %s", topic);
    int status = monitor(r, command, text, err, err_size);
    if (status == 1) {
        snprintf(err, err_size, "no info %s: the remote at %s has no monitor commands (qRcmd)", topic, r->where);
        return -1;
    }
    return status;
}

static int remote_set_option(vdb_target *base, const char *name, const char *value, char *err, size_t err_size)
{
    struct remote_target *r = remote_of(base);
    if (strcmp(name, "remotetimeout") == 0) {
        char *end;
        errno = 0;
        unsigned long seconds = strtoul(value, &end, 10);
        if (!isdigit((unsigned char)value[0]) || *end || errno || seconds < 1 || seconds > 3600) {
            snprintf(err, err_size, "remotetimeout: seconds from 1 to 3600, not '%s'", value);
            return -1;
        }
        r->timeout_ms = (unsigned)seconds * 1000;
        return 0;
    }
    char command[256], *text;
    snprintf(command, sizeof command, "set %s %s", name, value);
    int status = monitor(r, command, &text, err, err_size);
    free(text);
    if (status == 1) {
        snprintf(err, err_size, "no option '%s' for the remote target (it has remotetimeout; the remote at %s has "
                 "no monitor commands)", name, r->where);
        return -1;
    }
    if (status == 0)
        forget_state(r);  /* the option may change what the machine shows */
    return status;
}

/* ==== Code ========================================================================== */

/* The code size at this stop: `info mode` from the server's monitor ("long
 * mode (64-bit)"), else efer and cr0, else the architecture. */
static unsigned code_bits(struct remote_target *r)
{
    if (r->code_bits)
        return r->code_bits;
    char err[VDB_ERR_SIZE], *text = NULL;
    if (!r->broken && !r->ended && monitor(r, "info mode", &text, err, sizeof err) == 0 && text) {
        const char *bits = strstr(text, "-bit)");
        if (bits && bits - text >= 2 && bits[-3] == '(')
            r->code_bits = (unsigned)atoi(bits - 2);
        const char *mode = strstr(text, " mode");
        if (mode)
            snprintf(r->mode, sizeof r->mode, "%.*s", (int)(mode - text + 5), text);
        r->real_mode = strncmp(text, "real mode", 9) == 0;
    }
    free(text);
    if (r->code_bits != 16 && r->code_bits != 32 && r->code_bits != 64) {
        uint64_t efer = 0, cr0 = 0;
        if (r->cr0 >= 0 && register_value(r, (size_t)r->cr0, &cr0, err, sizeof err) == 0) {
            bool long_mode = r->efer >= 0 && register_value(r, (size_t)r->efer, &efer, err, sizeof err) == 0 &&
                             (efer & EFER_LMA);
            r->code_bits = long_mode ? 64 : (cr0 & CR0_PE) ? 32 : 16;
            r->real_mode = !(cr0 & CR0_PE);
        } else {
            r->code_bits = strcmp(r->architecture, "i8086") == 0 ? 16
                           : strcmp(r->architecture, "i386") == 0 ? 32 : 64;
            r->real_mode = r->code_bits == 16;
        }
    }
    return r->code_bits;
}

/* The address of the next instruction, as memory is addressed (linear, as
 * vdb's hypervisor target gives it): in real mode CS * 16 + IP, the
 * register rip alone holding IP; elsewhere rip (flat code segments). */
static int program_counter(struct remote_target *r, uint64_t *pc, char *err, size_t err_size)
{
    if (register_value(r, (size_t)r->rip, pc, err, err_size) < 0)
        return -1;
    uint64_t cs;
    if (r->cs >= 0 && code_bits(r) == 16 && r->real_mode && register_value(r, (size_t)r->cs, &cs, err, err_size) == 0)
        *pc = ((cs & 0xFFFF) << 4) + (*pc & 0xFFFF);
    return 0;
}

static int remote_disassemble(vdb_target *base, uint64_t address, char *text, size_t size, uint64_t *next, char *err,
                              size_t err_size)
{
    struct remote_target *r = remote_of(base);
    uint8_t bytes[VDB_X86_MAX_INSTRUCTION];
    size_t count = sizeof bytes;
    /* Fewer bytes where memory ends sooner. */
    while (count > 0 && remote_read_memory(base, 0, address, bytes, count, err, err_size) < 0) {
        if (r->broken)
            return -1;
        count--;
    }
    if (count == 0)
        return -1;
    return vdb_x86_disassemble(&r->disassembler, code_bits(r), bytes, count, address, text, size, next, err,
                               err_size);
}

static bool remote_source_line(vdb_target *base, uint64_t address, const char **file, uint32_t *line)
{
    return false;  /* the protocol has no source lines: a layer over this target adds them */
}

static bool remote_function_bounds(vdb_target *base, uint64_t address, uint64_t *start, uint64_t *end)
{
    return false;  /* ... nor functions */
}

/* ==== Where it is =================================================================== */

static uint64_t remote_pc(vdb_target *base)
{
    struct remote_target *r = remote_of(base);
    uint64_t pc = 0;
    char ignored[VDB_ERR_SIZE];
    program_counter(r, &pc, ignored, sizeof ignored);
    return pc;
}

static void remote_format_address(vdb_target *base, uint64_t address, char *out, size_t size)
{
    snprintf(out, size, "0x%" PRIx64, address);
}

static void remote_status(vdb_target *base, char *out, size_t size)
{
    struct remote_target *r = remote_of(base);
    if (r->broken) {
        snprintf(out, size, "%s | disconnected", r->where);
        return;
    }
    if (r->ended) {
        snprintf(out, size, "%s", r->where);
        return;
    }
    if (!r->running)
        code_bits(r);
    if (r->mode[0])
        snprintf(out, size, "%s | %s", r->mode, r->where);
    else
        snprintf(out, size, "%u-bit code | %s", r->code_bits ? r->code_bits : 64, r->where);
}

/* "*ADDR" or "ADDR": the protocol has no symbols (a layer over this
 * target adds them). */
static int remote_resolve(vdb_target *base, const char *spec, uint64_t *address, char *err, size_t err_size)
{
    return vdb_x86_resolve("remote", spec, address, err, err_size);
}

/* ==== Opening and closing =========================================================== */

static void remote_destroy(vdb_target *base)
{
    struct remote_target *r = remote_of(base);
    if (!r)
        return;
    if (r->fd >= 0) {
        /* k: the server ends the program (vdb --gdbserver and QEMU end too).
         * No reply comes to it, and none is waited for. */
        if (!r->broken) {
            static const char kill_packet[] = "$k#6b";
            write_bytes(r, kill_packet, sizeof kill_packet - 1);
        }
        if (r->is_socket)
            shutdown(r->fd, SHUT_RDWR);
        close(r->fd);
    }
    vdb_x86_close(&r->disassembler);
    free(r->g);
    free(r->breakpoints);
    free(r->output);
    free(r);
}

/* Connects to HOST:PORT (":PORT": 127.0.0.1), trying again while refused
 * until connect_ms have passed. */
static int connect_to(const char *address, unsigned connect_ms, char *where, size_t where_size, char *err,
                      size_t err_size)
{
    const char *colon = strrchr(address, ':');
    if (!colon || !colon[1]) {
        snprintf(err, err_size, "'%s' is not HOST:PORT (e.g. localhost:1234, or :1234)", address);
        return -1;
    }
    char host[256];
    const char *h = address;
    size_t host_length = (size_t)(colon - address);
    if (host_length >= 2 && h[0] == '[' && h[host_length - 1] == ']') {  /* [::1]:1234 */
        h++;
        host_length -= 2;
    }
    if (host_length >= sizeof host) {
        snprintf(err, err_size, "the host name in '%s' is too long", address);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)host_length, h);
    if (!host[0])
        snprintf(host, sizeof host, "127.0.0.1");
    const char *port = colon + 1;
    char *end;
    unsigned long number = strtoul(port, &end, 10);
    if (!isdigit((unsigned char)port[0]) || *end || number == 0 || number > 65535) {
        snprintf(err, err_size, "'%s' is not a port (1-65535) in '%s'", port, address);
        return -1;
    }
    snprintf(where, where_size, "%.80s:%s", host, port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *list;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        snprintf(err, err_size, "cannot find the host '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    long long give_up = now_ms() + connect_ms;
    int last_error = 0;
    for (;;) {
        for (struct addrinfo *a = list; a; a = a->ai_next) {
            int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
            if (fd < 0) {
                last_error = errno;
                continue;
            }
            int status = connect(fd, a->ai_addr, a->ai_addrlen);
            if (status < 0 && errno == EINPROGRESS) {
                long long left = give_up - now_ms();
                struct pollfd pfd = { fd, POLLOUT, 0 };
                int ready;
                do
                    ready = poll(&pfd, 1, left > 0 ? (int)left : 0);
                while (ready < 0 && errno == EINTR);
                int so_error = ETIMEDOUT;
                socklen_t len = sizeof so_error;
                if (ready > 0)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
                errno = so_error;
                status = so_error == 0 ? 0 : -1;
            }
            if (status == 0) {
                int flags = fcntl(fd, F_GETFL);
                fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
                int yes = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);  /* small packets go at once */
                freeaddrinfo(list);
                return fd;
            }
            last_error = errno;
            close(fd);
        }
        if (last_error != ECONNREFUSED || now_ms() >= give_up)
            break;
        struct timespec pause = { 0, 100 * 1000 * 1000 };
        nanosleep(&pause, NULL);
    }
    freeaddrinfo(list);
    snprintf(err, err_size, "cannot connect to %s: %s%s", where, strerror(last_error),
             last_error == ECONNREFUSED ? " (nothing listens there: is the server started?)" : "");
    return -1;
}

/* qSupported, no-ack mode, the registers, vCont, and why it is stopped. */
static int handshake(struct remote_target *r, char *err, size_t err_size)
{
    char *reply = malloc(PACKET_MAX);
    if (!reply) {
        snprintf(err, err_size, "out of memory for the remote target");
        return -1;
    }
    int status = -1;
    /* vdb-stay-after-exit+: vdb --gdbserver keeps the session after the
     * program ended, so that its registers and memory can still be read
     * (other servers ignore what they do not know). */
    long n = request(r, "qSupported:swbreak+;hwbreak+;xmlRegisters=i386;vContSupported+;error-message+;"
                     "vdb-stay-after-exit+", reply, PACKET_MAX, err, err_size);
    if (n < 0)
        goto done;
    bool description = false, no_ack = false;
    for (char *feature = strtok(reply, ";"); feature; feature = strtok(NULL, ";")) {
        if (strncmp(feature, "PacketSize=", 11) == 0) {
            unsigned long size = strtoul(feature + 11, NULL, 16);
            if (size >= 64)
                r->packet_size = size < PACKET_MAX ? size : PACKET_MAX;
        } else if (strcmp(feature, "QStartNoAckMode+") == 0) {
            no_ack = true;
        } else if (strcmp(feature, "qXfer:features:read+") == 0) {
            description = true;
        } else if (strcmp(feature, "error-message+") == 0) {
            r->error_text = true;
        }
    }
    if (no_ack) {
        if (request(r, "QStartNoAckMode", reply, PACKET_MAX, err, err_size) < 0)
            goto done;
        if (strcmp(reply, "OK") == 0)
            r->no_ack = true;
    }
    if (describe_registers(r, description, err, err_size) < 0)
        goto done;
    n = request(r, "vCont?", reply, PACKET_MAX, err, err_size);
    if (n < 0)
        goto done;
    r->vcont = strncmp(reply, "vCont", 5) == 0 && strstr(reply, ";c") && strstr(reply, ";s");
    n = request(r, "?", reply, PACKET_MAX, err, err_size);
    if (n < 0)
        goto done;
    if (reply[0] == 'W' || reply[0] == 'X') {
        vdb_stop ignored;
        if (parse_stop(r, reply, VDB_RESUME_CONTINUE, false, &ignored, err, err_size) < 0)
            goto done;
    } else if (reply[0] != 'S' && reply[0] != 'T') {
        snprintf(err, err_size, "the remote at %s answered '?' with '%.40s', not a stop reply: is it a gdb server?",
                 r->where, reply);
        goto done;
    }
    forget_state(r);
    status = 0;
done:
    free(reply);
    return status;
}

static const vdb_target_ops remote_target_ops = {
    .name = "remote",
    .caps = VDB_CAP_CPU_MODE | VDB_CAP_EXITS,  /* through the server's monitor (info mode, info exits); no RESTART */
    VDB_TARGET_CORE_OPS(remote),
    .spaces = memory_spaces,
    .set_option = remote_set_option,
    .info = remote_info,
    .info_topics = info_topics,  /* its server's monitor: mhv's */
    /* No frames, variables or symbols: a layer over this target adds them. */
};

vdb_target *vdb_remote_open(const vdb_remote_config *config, char *err, size_t err_size)
{
    struct remote_target *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, err_size, "out of memory for the remote target");
        if (config->use_fd)
            close(config->fd);
        return NULL;
    }
    r->ops = remote_target_ops;
    r->base.ops = &r->ops;
    r->fd = -1;
    r->timeout_ms = config->timeout_ms ? config->timeout_ms : VDB_REMOTE_TIMEOUT_MS;
    r->packet_size = 400;   /* gdb's assumption until the server says */
    r->monitor = -1;
    r->rip = r->efer = r->cr0 = r->cs = -1;
    r->deadline = -1;
    if (config->use_fd) {
        r->fd = config->fd;
        snprintf(r->where, sizeof r->where, "%s", config->address ? config->address : "the other end");
    } else {
        r->fd = connect_to(config->address ? config->address : "", config->connect_timeout_ms ? config->connect_timeout_ms
                                                                                             : VDB_REMOTE_CONNECT_MS,
                           r->where, sizeof r->where, err, err_size);
        if (r->fd < 0) {
            free(r);
            return NULL;
        }
    }
    int type;
    socklen_t length = sizeof type;
    r->is_socket = getsockopt(r->fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0;
    if (handshake(r, err, err_size) < 0) {
        r->broken = true;   /* no k to a server that never spoke properly */
        remote_destroy(&r->base);
        return NULL;
    }
    return &r->base;
}
