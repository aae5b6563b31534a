/*
 * gdbserver.c -- the GDB remote serial protocol over a vdb target
 * (gdbserver.h).
 *
 * The protocol, as much of it as gdb needs to debug a program:
 *
 *   $DATA#CS        a packet: DATA, then the modulo-256 sum of its bytes
 *                   in two hex digits; the receiver answers + (or - to
 *                   have it sent again), until QStartNoAckMode turns that off
 *   0x03            outside a packet: stop the running program (Ctrl-C)
 *
 *   ?               why it stopped           S05 (SIGTRAP), S02 (SIGINT) after Ctrl-C
 *   g / G           all registers, in gdb's amd64 order, little-endian hex
 *   p n / P n=v     one register
 *   m a,l / M a,l:x memory at a virtual address (a physical one after
 *                   QEMU's Qqemu.PhyMemMode:1, on the hypervisor)
 *   Z0,a,k / z0     insert / remove a software breakpoint
 *   s / c, vCont    step one instruction / continue: answered when it
 *                   stops (S05; S02 when Ctrl-C stopped it), exits (Wxx:
 *                   its status) or crashes (X0b), after the program's
 *                   console output of the while in O packets (gdb prints
 *                   them; vdb --remote shows them in its output pane)
 *   qRcmd,HEX       a monitor command (gdb's `monitor ...`): `info TOPIC`
 *                   and `set NAME VALUE` of the target (info mode, info
 *                   exits, set breakpoint-route hlt), its text in O packets
 *   k, D            kill / detach: the session ends; so does the end of
 *                   the program (W, X), as with gdbserver, unless the
 *                   client's qSupported asked vdb-stay-after-exit+ (vdb
 *                   --remote, which shows the state after the end)
 *
 * Anything else gets the empty reply, which tells gdb it is not supported.
 *
 * Registers are matched by name (gdb's amd64 names), with the bytecode
 * VM's stand-ins for rip and rsp (target_register_for).
 *
 * Invariants: one connection, served in order; while the target runs, a
 * watcher thread reads only the interrupt byte; nothing is written to the
 * connection but protocol.  Packets stay inside their buffers (PACKET_MAX
 * bytes, the NUL included): one gdb sends longer is cut and refused (-),
 * and a reply is made no longer than the buffer it goes in -- asserted
 * where each is filled.
 */
#include "gdbserver.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rsp.h"
#include "vdb_assert.h"

#define PACKET_MAX 16384
#define SIGINT_NUMBER 2
#define SIGTRAP_NUMBER 5
#define SIGSEGV_NUMBER 11
#define TARGET_XML "qXfer:features:read:target.xml:"
#define STAY_AFTER_EXIT "vdb-stay-after-exit+"  /* a client's qSupported feature: vdb's own (target_remote.c) */

/* The registers gdb is told of (target.xml), numbered in this order,
 * which is the order of 'g': gdb's amd64 core registers and the control
 * registers (described as QEMU's gdbstub describes them, which gdb
 * takes), with values from the target's register of that name; then the
 * x87 and SSE state that gdb's amd64 wants described and vdb's targets do
 * not have (unavailable, and left out of 'g'); last the IDT register, for
 * `p` alone, which a client's `catch exception` reads the gates through
 * (vdb --remote's DWARF layer; gdb lists it under `info registers system`). */
#define GENERAL(name, type) { #name, #name, 64, type, NULL }
#define SEGMENT(name) { #name, #name, 32, "int32", NULL }
#define CONTROL(name) { #name, #name, 64, "int64", "system" }
#define ABSENT(name, bits, type, group) { name, NULL, bits, type, group }
static const struct {
    const char *name;      /* gdb's */
    const char *target;    /* the target's register of it; NULL: none */
    unsigned bits;
    const char *type, *group;
} amd64_registers[] = {
    GENERAL(rax, "int64"), GENERAL(rbx, "int64"), GENERAL(rcx, "int64"), GENERAL(rdx, "int64"),
    GENERAL(rsi, "int64"), GENERAL(rdi, "int64"), GENERAL(rbp, "data_ptr"), GENERAL(rsp, "data_ptr"),
    GENERAL(r8, "int64"), GENERAL(r9, "int64"), GENERAL(r10, "int64"), GENERAL(r11, "int64"),
    GENERAL(r12, "int64"), GENERAL(r13, "int64"), GENERAL(r14, "int64"), GENERAL(r15, "int64"),
    GENERAL(rip, "code_ptr"), { "eflags", "rflags", 32, "int32", NULL },
    SEGMENT(cs), SEGMENT(ss), SEGMENT(ds), SEGMENT(es), SEGMENT(fs), SEGMENT(gs),
    CONTROL(cr0), CONTROL(cr2), CONTROL(cr3), CONTROL(cr4), CONTROL(cr8), CONTROL(efer),
    ABSENT("st0", 80, "i387_ext", NULL), ABSENT("st1", 80, "i387_ext", NULL), ABSENT("st2", 80, "i387_ext", NULL),
    ABSENT("st3", 80, "i387_ext", NULL), ABSENT("st4", 80, "i387_ext", NULL), ABSENT("st5", 80, "i387_ext", NULL),
    ABSENT("st6", 80, "i387_ext", NULL), ABSENT("st7", 80, "i387_ext", NULL),
    ABSENT("fctrl", 32, "int", "float"), ABSENT("fstat", 32, "int", "float"), ABSENT("ftag", 32, "int", "float"),
    ABSENT("fiseg", 32, "int", "float"), ABSENT("fioff", 32, "int", "float"), ABSENT("foseg", 32, "int", "float"),
    ABSENT("fooff", 32, "int", "float"), ABSENT("fop", 32, "int", "float"),
    ABSENT("xmm0", 128, "vec128", NULL), ABSENT("xmm1", 128, "vec128", NULL), ABSENT("xmm2", 128, "vec128", NULL),
    ABSENT("xmm3", 128, "vec128", NULL), ABSENT("xmm4", 128, "vec128", NULL), ABSENT("xmm5", 128, "vec128", NULL),
    ABSENT("xmm6", 128, "vec128", NULL), ABSENT("xmm7", 128, "vec128", NULL), ABSENT("xmm8", 128, "vec128", NULL),
    ABSENT("xmm9", 128, "vec128", NULL), ABSENT("xmm10", 128, "vec128", NULL), ABSENT("xmm11", 128, "vec128", NULL),
    ABSENT("xmm12", 128, "vec128", NULL), ABSENT("xmm13", 128, "vec128", NULL), ABSENT("xmm14", 128, "vec128", NULL),
    ABSENT("xmm15", 128, "vec128", NULL), ABSENT("mxcsr", 32, "int", "vector"),
    CONTROL(idtr), { "idtr_limit", "idtr_limit", 16, "int16", "system" },
};
#define AMD64_IN_G 30    /* the registers 'g' carries: those up to efer */
#define AMD64_REGISTERS (sizeof amd64_registers / sizeof amd64_registers[0])

typedef struct {
    vdb_target *t;
    int in, out;
    FILE *log;
    bool no_ack;
    int map[AMD64_REGISTERS];   /* gdb's register i is the target's map[i] */
    uint8_t buffer[4096];       /* bytes read and not yet used */
    size_t have, used;
    bool ended;                 /* the program ended: stays reported so */
    vdb_stop end;
    bool error_text;            /* the client takes E.TEXT (error-message+) */
    int space;                  /* m and M: the target's space 0 (virtual), or 1 (Qqemu.PhyMemMode:1) */
    bool stay_after_exit;       /* the client reads the state after the end (vdb --remote) */
} server;

/* ==== bytes in and out ============================================================ */

/* The next byte from gdb, or -1 when the connection ended. */
static int next_byte(server *sv)
{
    if (sv->used == sv->have) {
        ssize_t n;
        do
            n = read(sv->in, sv->buffer, sizeof sv->buffer);
        while (n < 0 && errno == EINTR);
        int on = 1;  /* ack what came at once (no-op where in is no TCP socket) */
        setsockopt(sv->in, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
        if (n <= 0)
            return -1;
        sv->have = (size_t)n;
        sv->used = 0;
    }
    VDB_ASSERT(sv->used < sv->have && sv->have <= sizeof sv->buffer);
    return sv->buffer[sv->used++];
}

static const char hex_digits[] = "0123456789abcdef";


static bool send_packet(server *sv, const char *data)
{
    size_t length;
    char *packet = vdb_rsp_frame(data, &length);
    bool ok = packet && vdb_rsp_write(sv->out, packet, length);
    free(packet);
    return ok;
}

/* The next packet's data into packet (NUL-terminated); 0x03 outside a
 * packet comes back as the one-byte packet "\003".  False when the
 * connection ended. */
static bool receive_packet(server *sv, char *packet, size_t size)
{
    for (;;) {
        int c;
        do
            c = next_byte(sv);
        while (c >= 0 && c != '$' && c != 0x03); /* acks (+, -) and noise */
        if (c < 0)
            return false;
        if (c == 0x03) {
            packet[0] = 0x03;
            packet[1] = '\0';
            return true;
        }
        size_t len = 0;
        uint8_t sum = 0;
        bool too_long = false;
        while ((c = next_byte(sv)) >= 0 && c != '#') {
            sum = (uint8_t)(sum + (uint8_t)c);
            if (len + 1 < size)
                packet[len++] = (char)c;
            else
                too_long = true;
        }
        int high = next_byte(sv), low = next_byte(sv);
        if (c < 0 || high < 0 || low < 0)
            return false;
        VDB_ASSERT(len < size); /* a longer packet was cut, and is refused */
        packet[len] = '\0';
        bool good = !too_long && vdb_rsp_checksum_is(high, low, sum);
        if (!sv->no_ack && !vdb_rsp_write(sv->out, good ? "+" : "-", 1))
            return false;
        if (good)
            return true;
    }
}

/* Text for the person at the other end, in O packets (each at most a
 * PACKET_MAX's worth of hex). */
static bool send_output(server *sv, const char *text, size_t length)
{
    char *packet = malloc(PACKET_MAX);
    if (!packet)
        return false;
    bool ok = true;
    for (size_t done = 0; done < length && ok;) {
        size_t n = length - done < (PACKET_MAX - 2) / 2 ? length - done : (PACKET_MAX - 2) / 2;
        packet[0] = 'O';
        for (size_t i = 0; i < n; i++) {
            packet[1 + 2 * i] = hex_digits[(uint8_t)text[done + i] >> 4];
            packet[2 + 2 * i] = hex_digits[(uint8_t)text[done + i] & 15];
        }
        packet[1 + 2 * n] = '\0';
        ok = send_packet(sv, packet);
        done += n;
    }
    free(packet);
    return ok;
}

/* An error reply: E.TEXT where the client takes it, else Enn. */
static void error_reply(server *sv, char *reply, size_t size, const char *code, const char *text)
{
    if (sv->error_text && text[0]) {
        snprintf(reply, size, "E.%s", text);
        /* $, #, } and * would need escapes in a reply: none in a message. */
        for (char *c = reply + 2; *c; c++)
            if (*c == '$' || *c == '#' || *c == '}' || *c == '*')
                *c = '?';
    } else {
        snprintf(reply, size, "%s", code);
    }
}

/* ==== registers and memory ======================================================== */

static void read_registers(server *sv, char *reply)
{
    char err[VDB_ERR_SIZE];
    size_t at = 0;
    for (size_t i = 0; i < AMD64_IN_G; i++) {
        uint64_t v;
        unsigned bytes = amd64_registers[i].bits / 8;
        VDB_ASSERT(at + 2 * bytes < PACKET_MAX);
        if (sv->map[i] >= 0 && sv->t->ops->read_register(sv->t, (size_t)sv->map[i], &v, err, sizeof err) == 0) {
            vdb_rsp_put_le(reply + at, v, bytes);
        } else {
            memset(reply + at, 'x', 2 * bytes); /* unavailable */
            reply[at + 2 * bytes] = '\0';
        }
        at += 2 * bytes;
    }
}

static const char *write_register(server *sv, size_t i, uint64_t v)
{
    char err[VDB_ERR_SIZE];
    if (i >= AMD64_IN_G || sv->map[i] < 0)
        return "E01";
    if (sv->t->ops->write_register(sv->t, (size_t)sv->map[i], v, err, sizeof err) != 0) {
        fprintf(sv->log, "vdb: gdb wrote %s: %s\n", amd64_registers[i].name, err);
        return "E02";
    }
    return "OK";
}

/* G: every register, in the 'g' layout. */
static const char *write_registers(server *sv, const char *text)
{
    size_t at = 0;
    for (size_t i = 0; i < AMD64_IN_G; i++) {
        uint64_t v;
        unsigned bytes = amd64_registers[i].bits / 8;
        if (strlen(text + at) < 2 * bytes)
            break;
        if (text[at] != 'x' && vdb_rsp_get_le(text + at, bytes, &v)) {
            const char *r = write_register(sv, i, v);
            if (strcmp(r, "OK") != 0 && sv->map[i] >= 0) {
                uint64_t now;
                char err[VDB_ERR_SIZE];
                /* A value the target refuses is fine if it is the one it holds. */
                if (sv->t->ops->read_register(sv->t, (size_t)sv->map[i], &now, err, sizeof err) != 0 || now != v)
                    return r;
            }
        }
        at += 2 * bytes;
    }
    return "OK";
}

/* "a,l" into address and length. */
static bool parse_range(const char *text, uint64_t *address, uint64_t *length, const char **rest)
{
    char *end;
    errno = 0;
    *address = strtoull(text, &end, 16);
    if (end == text || *end != ',' || errno)
        return false;
    const char *l = end + 1;
    *length = strtoull(l, &end, 16);
    if (end == l || errno)
        return false;
    *rest = end;
    return true;
}

static void read_memory(server *sv, const char *args, char *reply, size_t reply_size)
{
    uint64_t address, length;
    const char *rest;
    char err[VDB_ERR_SIZE];
    if (!parse_range(args, &address, &length, &rest) || *rest) {
        snprintf(reply, reply_size, "E01");
        return;
    }
    if (length > (reply_size - 1) / 2)
        length = (reply_size - 1) / 2;
    uint8_t *bytes = malloc(length ? length : 1);
    /* All of it, else as much as can be read from the start (gdb reads
     * across the end of RAM when it shows memory). */
    size_t got = length;
    while (bytes && got > 0 && sv->t->ops->read_memory(sv->t, sv->space, address, bytes, got, err, sizeof err) != 0)
        got /= 2;
    if (!bytes || (got == 0 && length > 0)) {
        free(bytes);
        snprintf(reply, reply_size, "E14"); /* EFAULT */
        return;
    }
    VDB_ASSERT(2 * got < reply_size);
    for (size_t i = 0; i < got; i++) {
        reply[2 * i] = hex_digits[bytes[i] >> 4];
        reply[2 * i + 1] = hex_digits[bytes[i] & 15];
    }
    reply[2 * got] = '\0';
    free(bytes);
}

static const char *write_memory(server *sv, const char *args)
{
    uint64_t address, length;
    const char *rest;
    char err[VDB_ERR_SIZE];
    if (!parse_range(args, &address, &length, &rest) || *rest != ':' || strlen(rest + 1) != 2 * length)
        return "E01";
    uint8_t *bytes = malloc(length ? length : 1);
    if (!bytes)
        return "E0c";
    for (uint64_t i = 0; i < length; i++) {
        uint64_t v;
        if (!vdb_rsp_get_le(rest + 1 + 2 * i, 1, &v)) {
            free(bytes);
            return "E01";
        }
        bytes[i] = (uint8_t)v;
    }
    int rc = length ? sv->t->ops->write_memory(sv->t, sv->space, address, bytes, length, err, sizeof err) : 0;
    free(bytes);
    return rc == 0 ? "OK" : "E14";
}

static const char *breakpoint(server *sv, const char *args, bool insert)
{
    uint64_t address, kind;
    const char *rest;
    char err[VDB_ERR_SIZE];
    if (args[0] != '0')
        return ""; /* only software breakpoints (Z0) */
    if (args[1] != ',' || !parse_range(args + 2, &address, &kind, &rest))
        return "E01";
    int rc = insert ? sv->t->ops->insert_breakpoint(sv->t, address, err, sizeof err)
                    : sv->t->ops->remove_breakpoint(sv->t, address, err, sizeof err);
    if (rc != 0) {
        fprintf(sv->log, "vdb: gdb's breakpoint at 0x%" PRIx64 ": %s\n", address, err);
        return "E01";
    }
    return "OK";
}

/* The description: the architecture, and every register of the table in
 * one feature, org.gnu.gdb.i386.core, with the vector type of xmm (as
 * QEMU's gdbstub gives it).  Made once, into a static buffer. */
static const char *description(void)
{
    static char xml[8192];
    if (xml[0])
        return xml;
    size_t at = (size_t)snprintf(xml, sizeof xml,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
        "<target><architecture>i386:x86-64</architecture>\n<feature name=\"org.gnu.gdb.i386.core\">\n"
        "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/><vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
        "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/><vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
        "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/><vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
        "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>"
        "<field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>"
        "<field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>"
        "<field name=\"uint128\" type=\"uint128\"/></union>\n");
    for (size_t i = 0; i < AMD64_REGISTERS; i++) {
        at += (size_t)snprintf(xml + at, sizeof xml - at, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\"%s%s%s/>\n",
                               amd64_registers[i].name, amd64_registers[i].bits, amd64_registers[i].type,
                               amd64_registers[i].group ? " group=\"" : "",
                               amd64_registers[i].group ? amd64_registers[i].group : "",
                               amd64_registers[i].group ? "\"" : "");
        VDB_ASSERT(at < sizeof xml);
    }
    at += (size_t)snprintf(xml + at, sizeof xml - at, "</feature></target>\n");
    VDB_ASSERT(at < sizeof xml);
    return xml;
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH -- the part asked for of
 * the description, so gdb needs no `set architecture` and knows cr0 ..
 * efer. */
static void target_description(const char *args, char *reply, size_t reply_size)
{
    const char *xml = description();
    uint64_t offset, length;
    const char *rest;
    if (!parse_range(args, &offset, &length, &rest) || *rest) {
        snprintf(reply, reply_size, "E01");
        return;
    }
    size_t size = strlen(xml);
    if (offset >= size) {
        snprintf(reply, reply_size, "l");
        return;
    }
    size_t n = size - offset < length ? size - offset : (size_t)length;
    if (n > reply_size - 2)
        n = reply_size - 2;
    VDB_ASSERT(offset + n <= size && n + 2 <= reply_size);
    snprintf(reply, reply_size, "%c%.*s", offset + n >= size ? 'l' : 'm', (int)n, xml + offset);
}

/* ==== running ===================================================================== */

typedef struct {
    server *sv;
    int wake[2];
} watcher;

/* While the target runs: Ctrl-C from gdb (0x03) interrupts it. */
static void *watch_for_interrupt(void *arg)
{
    watcher *w = arg;
    for (;;) {
        struct pollfd fds[2] = { { w->sv->in, POLLIN, 0 }, { w->wake[0], POLLIN, 0 } };
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        if (fds[1].revents)
            return NULL;
        if (fds[0].revents) {
            uint8_t byte;
            ssize_t n = read(w->sv->in, &byte, 1);
            if (n <= 0)
                return NULL;
            if (byte == 0x03)
                w->sv->t->ops->interrupt(w->sv->t);
        }
    }
}

/* Runs the target and answers with the stop. */
static void resume(server *sv, vdb_resume_kind kind, char *reply, size_t reply_size)
{
    char err[VDB_ERR_SIZE];
    vdb_stop stop;
    if (sv->ended) {
        stop = sv->end;
    } else {
        watcher w = { sv, { -1, -1 } };
        pthread_t thread;
        bool watching = sv->used == sv->have && pipe(w.wake) == 0 &&
                        pthread_create(&thread, NULL, watch_for_interrupt, &w) == 0;
        int rc = sv->t->ops->resume(sv->t, kind, &stop, err, sizeof err);
        if (watching) {
            (void)!write(w.wake[1], "x", 1);
            pthread_join(thread, NULL);
        }
        if (w.wake[0] >= 0) {
            close(w.wake[0]);
            close(w.wake[1]);
        }
        /* The guest's console, for the person at the other end: gdb
         * prints O packets as they come. */
        char *text = NULL;
        size_t len = sv->t->ops->take_output(sv->t, &text);
        if (len)
            send_output(sv, text, len);
        free(text);
        if (rc != 0) {
            fprintf(sv->log, "vdb: %s\n", err);
            error_reply(sv, reply, reply_size, "E01", err);
            return;
        }
        if (stop.kind == VDB_STOP_ERROR) {
            char line[sizeof stop.detail + 8];
            int n = snprintf(line, sizeof line, "vdb: %s\n", stop.detail);
            send_output(sv, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        }
    }
    switch (stop.kind) {
    case VDB_STOP_EXITED:
        sv->ended = true;
        sv->end = stop;
        snprintf(reply, reply_size, "W%02x", stop.exit_status & 0xFF);
        break;
    case VDB_STOP_ERROR:
        sv->ended = true;
        sv->end = stop;
        fprintf(sv->log, "vdb: %s\n", stop.detail);
        snprintf(reply, reply_size, "X%02x", SIGSEGV_NUMBER);
        break;
    case VDB_STOP_INTERRUPT:
        snprintf(reply, reply_size, "S%02x", SIGINT_NUMBER);
        break;
    default:
        snprintf(reply, reply_size, "S%02x", SIGTRAP_NUMBER);
        break;
    }
}

/* qRcmd: `info TOPIC` or `set NAME VALUE`, the target's own; the text in
 * O packets, then OK (or an error). */
static void monitor_command(server *sv, const char *hex, char *reply, size_t reply_size)
{
    char command[256], err[VDB_ERR_SIZE];
    size_t n = strlen(hex) / 2;
    uint64_t byte;
    if (strlen(hex) % 2 || n >= sizeof command) {
        error_reply(sv, reply, reply_size, "E01", "a monitor command is hex, of at most 255 bytes");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!vdb_rsp_get_le(hex + 2 * i, 1, &byte)) {
            error_reply(sv, reply, reply_size, "E01", "a monitor command is hex");
            return;
        }
        command[i] = (char)byte;
    }
    command[n] = '\0';
    char *word = command + strspn(command, " "), *rest = word + strcspn(word, " ");
    if (*rest)
        *rest++ = '\0';
    rest += strspn(rest, " ");
    if (strcmp(word, "info") == 0 && *rest && sv->t->ops->info) {
        char *text = NULL;
        if (sv->t->ops->info(sv->t, rest, &text, err, sizeof err) == 0) {
            send_output(sv, text, strlen(text));
            snprintf(reply, reply_size, "OK");
        } else {
            error_reply(sv, reply, reply_size, "E01", err);
        }
        free(text);
    } else if (strcmp(word, "set") == 0 && *rest && sv->t->ops->set_option) {
        char *value = rest + strcspn(rest, " ");
        if (*value)
            *value++ = '\0';
        value += strspn(value, " ");
        if (sv->t->ops->set_option(sv->t, rest, value, err, sizeof err) == 0)
            snprintf(reply, reply_size, "OK");
        else
            error_reply(sv, reply, reply_size, "E01", err);
    } else {
        static const char help[] = "vdb's monitor commands: info TOPIC (the target's: info mode, info exits), "
                                   "set NAME VALUE (set breakpoint-route hlt)\n";
        send_output(sv, help, sizeof help - 1);
        if (strcmp(word, "help") == 0)
            snprintf(reply, reply_size, "OK");
        else
            error_reply(sv, reply, reply_size, "E01", "unknown monitor command (monitor help lists them)");
    }
}

/* ==== the conversation ============================================================ */

/* The target's register for gdb's amd64 register `name`: the same name, or
 * the bytecode VM's stand-in (its pc as rip, the value stack's top as
 * rsp); -1 when there is none. */
static int target_register_for(vdb_target *t, const char *name)
{
    static const struct {
        const char *gdb, *vm;
    } stand_ins[] = { { "rip", "pc" }, { "rsp", "sp" } };
    for (size_t r = 0; r < t->ops->register_count(t); r++)
        if (strcmp(t->ops->register_info(t, r)->name, name) == 0)
            return (int)r;
    for (size_t i = 0; i < sizeof stand_ins / sizeof stand_ins[0]; i++)
        if (strcmp(stand_ins[i].gdb, name) == 0)
            for (size_t r = 0; r < t->ops->register_count(t); r++)
                if (strcmp(t->ops->register_info(t, r)->name, stand_ins[i].vm) == 0)
                    return (int)r;
    return -1;
}

int vdb_gdbserver_serve(vdb_target *t, int in, int out, FILE *log, char *err, size_t err_size)
{
    server *sv = calloc(1, sizeof *sv);
    char *packet = malloc(PACKET_MAX), *reply = malloc(PACKET_MAX);
    if (!sv || !packet || !reply) {
        free(sv);
        free(packet);
        free(reply);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    *sv = (server){ .t = t, .in = in, .out = out, .log = log };
    for (size_t i = 0; i < AMD64_REGISTERS; i++)
        sv->map[i] = amd64_registers[i].target ? target_register_for(t, amd64_registers[i].target) : -1;
    bool done = false;
    while (!done && receive_packet(sv, packet, PACKET_MAX)) {
        reply[0] = '\0';
        const char *answer = reply;
        bool had_ended = sv->ended;
        switch (packet[0]) {
        case 0x03:
            /* Ctrl-C while stopped: it came too late (the stop it asked
             * for was already on its way), and has no reply. */
            continue;
        case '?':
            snprintf(reply, PACKET_MAX, sv->ended ? "W%02x" : "S%02x",
                     sv->ended ? sv->end.exit_status & 0xFF : SIGTRAP_NUMBER);
            break;
        case 'g':
            read_registers(sv, reply);
            break;
        case 'G':
            answer = write_registers(sv, packet + 1);
            break;
        case 'p': {
            unsigned long i = strtoul(packet + 1, NULL, 16);
            unsigned bytes = i < AMD64_REGISTERS ? amd64_registers[i].bits / 8 : 8;
            uint64_t v;
            if (i < AMD64_REGISTERS && sv->map[i] >= 0 &&
                t->ops->read_register(t, (size_t)sv->map[i], &v, err, err_size) == 0) {
                vdb_rsp_put_le(reply, v, bytes);
            } else if (i < 256) {
                memset(reply, 'x', 2 * bytes); /* a register it does not have: unavailable */
                reply[2 * bytes] = '\0';
            } else {
                answer = "E01";
            }
            break;
        }
        case 'P': {
            char *eq = strchr(packet, '=');
            uint64_t v;
            unsigned long i = strtoul(packet + 1, NULL, 16);
            answer = eq && i < AMD64_IN_G && vdb_rsp_get_le(eq + 1, amd64_registers[i].bits / 8, &v)
                         ? write_register(sv, i, v) : "E01";
            break;
        }
        case 'm':
            read_memory(sv, packet + 1, reply, PACKET_MAX);
            break;
        case 'M':
            answer = write_memory(sv, packet + 1);
            break;
        case 'Z':
        case 'z':
            answer = breakpoint(sv, packet + 1, packet[0] == 'Z');
            break;
        case 's':
        case 'c':
            if (packet[1]) { /* resuming elsewhere: not supported */
                answer = "E01";
                break;
            }
            resume(sv, packet[0] == 's' ? VDB_RESUME_STEPI : VDB_RESUME_CONTINUE, reply, PACKET_MAX);
            break;
        case 'v':
            if (strcmp(packet, "vCont?") == 0)
                answer = "vCont;c;s";
            else if (strncmp(packet, "vCont;c", 7) == 0 || strncmp(packet, "vCont;s", 7) == 0)
                resume(sv, packet[6] == 's' ? VDB_RESUME_STEPI : VDB_RESUME_CONTINUE, reply, PACKET_MAX);
            else if (strncmp(packet, "vKill", 5) == 0) {
                answer = "OK";
                done = true;
            }
            break;
        case 'H':
        case 'T':
            answer = "OK"; /* one thread */
            break;
        case 'q':
            if (strncmp(packet, "qSupported", 10) == 0) {
                sv->error_text = strstr(packet, "error-message+") != NULL;
                sv->stay_after_exit = strstr(packet, STAY_AFTER_EXIT) != NULL;
                snprintf(reply, PACKET_MAX, "PacketSize=%x;QStartNoAckMode+;vContSupported+;qXfer:features:read+%s",
                         PACKET_MAX - 16, sv->error_text ? ";error-message+" : "");
            } else if (strncmp(packet, "qRcmd,", 6) == 0)
                monitor_command(sv, packet + 6, reply, PACKET_MAX);
            else if (strncmp(packet, TARGET_XML, strlen(TARGET_XML)) == 0)
                target_description(packet + strlen(TARGET_XML), reply, PACKET_MAX);
            else if (strcmp(packet, "qAttached") == 0)
                answer = "1";
            else if (strcmp(packet, "qC") == 0)
                answer = "QC1";
            else if (strcmp(packet, "qfThreadInfo") == 0)
                answer = "m1";
            else if (strcmp(packet, "qsThreadInfo") == 0)
                answer = "l";
            break;
        case 'Q':
            if (strcmp(packet, "QStartNoAckMode") == 0) {
                if (!send_packet(sv, "OK"))
                    done = true;
                sv->no_ack = true;
                continue;
            }
            if (strncmp(packet, "Qqemu.PhyMemMode:", 17) == 0) {
                /* QEMU's way to m and M by physical address: the target's
                 * second space ("phys"), where it has one. */
                bool physical = strcmp(packet + 17, "1") == 0;
                if (physical && (!t->ops->spaces[0] || !t->ops->spaces[1] || strcmp(t->ops->spaces[1], "phys") != 0)) {
                    answer = "E01";
                } else {
                    sv->space = physical ? 1 : 0;
                    answer = "OK";
                }
            }
            break;
        case 'k':
            done = true;
            continue; /* no reply to kill */
        case 'D':
            answer = "OK";
            done = true;
            break;
        default:
            break; /* the empty reply: not supported */
        }
        if (!send_packet(sv, answer))
            break;
        /* The program ended (W, X): as gdbserver does, the session ends
         * with it -- gdb leaves without a word then, and a connection
         * through the sandbox's forwarded port would never say it closed.
         * vdb --remote, which shows the state after the end, asks to stay. */
        if (sv->ended && !had_ended && !sv->stay_after_exit)
            break;
    }
    free(packet);
    free(reply);
    free(sv);
    return 0;
}

int vdb_gdbserver_listen(vdb_target *t, int port, FILE *log, char *err, size_t err_size)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) {
        snprintf(err, err_size, "cannot make a socket: %s", strerror(errno));
        return -1;
    }
    int yes = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1) != 0) {
        snprintf(err, err_size, "cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
        close(listener);
        return -1;
    }
    fprintf(log, "vdb: waiting for gdb on 127.0.0.1:%d (target remote :%d)\n", port, port);
    fflush(log);
    int connection;
    do
        connection = accept(listener, NULL, NULL);
    while (connection < 0 && errno == EINTR);
    close(listener);
    if (connection < 0) {
        snprintf(err, err_size, "cannot accept gdb's connection: %s", strerror(errno));
        return -1;
    }
    /* Packets are small and each waits for the one before: none may wait
     * for Nagle's algorithm (the O packets before a stop reply would) or
     * for a delayed ack (a client that writes a packet in pieces, as the
     * sandbox's relay does, would wait 40 ms for each). */
    int on = 1;
    setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    int rc = vdb_gdbserver_serve(t, connection, connection, log, err, err_size);
    close(connection);
    return rc;
}
