/*
 * test_vdb_remote.c -- the remote target (debugger/targets/target_remote.c)
 * against a fake gdb server: a thread on the other end of a socket pair
 * that keeps a small machine (24 registers in gdb's amd64 layout, 4 KiB of
 * nops at 0x1000, breakpoints) and answers as a server of gdb's remote
 * protocol would -- or, as each test asks, as a broken one would.
 *
 *   talking     the handshake with and without acks; a reply with a bad
 *               checksum is NAKed and sent again; run-length encoding and
 *               escapes in replies; O packets as the program's output
 *   registers   gdb's amd64 layout (no <reg> in target.xml); a description
 *               with xi:include, regnum, a comment around registers (as
 *               QEMU's has), x87/SSE registers left out, p for those past
 *               'g'; P, and G where P is missing
 *   memory      m in blocks, a read past the end of memory, M
 *   running     Z0/z0, continue to a breakpoint, stepping off one (z0, s,
 *               Z0), S/T/W/X stop replies, the end reported again,
 *               Ctrl-C (0x03 while continuing), a step that never ends
 *   monitor     qRcmd's text, and a server without qRcmd
 *   failures    a server that closes, never answers, sends garbage, names
 *               another architecture, answers '?' with nonsense; nothing
 *               listening; every later call says the connection is gone;
 *               destroy sends k
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

/* ==== the fake server ============================================================ */

typedef struct {
    /* how it behaves (set by the test before start) */
    bool acks;                 /* no QStartNoAckMode offered: acks all along */
    bool acking;               /* acks now (until QStartNoAckMode) */
    const char *xml;           /* target.xml; NULL: no qXfer at all */
    const char *include;       /* the annex target.xml includes ("more.xml"), and ... */
    const char *included;      /* ... its text */
    bool bad_checksum_once;    /* the first g reply goes with a wrong checksum */
    bool rle;                  /* g replies run-length encoded */
    bool no_P;                 /* P is not supported: G instead */
    bool spin;                 /* c never stops on its own: only 0x03 stops it */
    bool step_hangs;           /* s never answers (until 0x03) */
    bool monitor;              /* qRcmd supported */
    int close_after;           /* > 0: close the connection after that many packets */
    int silent_after;          /* > 0: never answer again after that many packets */
    const char *garbage;       /* sent instead of the first reply */
    const char *question;      /* the reply to '?' (default S05) */
    const char *stop_after_c;  /* the reply to c when no breakpoint is ahead (default W07) */
    const char *arch;          /* the architecture in a default target.xml */

    /* the machine */
    uint64_t regs[24];
    uint8_t memory[4096];      /* at 0x1000 */
    uint64_t breakpoints[8];
    int nbreakpoints;

    /* what happened (read by the test after stop) */
    char log[8192];            /* every packet received, one a line */
    bool got_kill, got_interrupt;

    int fd;
    pthread_t thread;
} fake;

static const char hex[] = "0123456789abcdef";

static void fake_log(fake *f, const char *packet)
{
    size_t n = strlen(f->log);
    snprintf(f->log + n, sizeof f->log - n, "%s\n", packet);
}

static void send_raw(fake *f, const char *bytes)
{
    size_t n = strlen(bytes);
    while (n > 0) {
        ssize_t w = send(f->fd, bytes, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        bytes += w;
        n -= (size_t)w;
    }
}

static void send_framed(fake *f, const char *data, bool bad_sum)
{
    uint8_t sum = 0;
    for (const char *p = data; *p; p++)
        sum = (uint8_t)(sum + (uint8_t)*p);
    if (bad_sum)
        sum ^= 0x55;
    char *frame = malloc(strlen(data) + 8);
    sprintf(frame, "$%s#%c%c", data, hex[sum >> 4], hex[sum & 15]);
    send_raw(f, frame);
    free(frame);
}

/* One byte, -1 at the end. */
static int get_byte(fake *f)
{
    uint8_t c;
    ssize_t n = recv(f->fd, &c, 1, 0);
    return n == 1 ? c : -1;
}

/* The next packet (acked when acks are on); "\003" for a Ctrl-C byte. */
static bool get_packet(fake *f, char *out, size_t size)
{
    int c;
    do
        c = get_byte(f);
    while (c >= 0 && c != '$' && c != 0x03);
    if (c < 0)
        return false;
    if (c == 0x03) {
        strcpy(out, "\003");
        return true;
    }
    size_t n = 0;
    while ((c = get_byte(f)) >= 0 && c != '#')
        if (n + 1 < size)
            out[n++] = (char)c;
    out[n] = '\0';
    get_byte(f);
    get_byte(f);
    if (f->acking)
        send_raw(f, "+");
    return c >= 0;
}

/* Waits for the + after a reply when acks are on; a - has it sent again. */
static void reply(fake *f, const char *data)
{
    send_framed(f, data, false);
    while (f->acking) {
        int c = get_byte(f);
        if (c == '+' || c < 0)
            break;
        if (c == '-')
            send_framed(f, data, false);
    }
}

static void put_le(char *out, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        out[2 * i] = hex[(v >> (8 * i + 4)) & 15];
        out[2 * i + 1] = hex[(v >> (8 * i)) & 15];
    }
    out[2 * bytes] = '\0';
}

static uint64_t get_le(const char *text, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        unsigned b;
        sscanf(text + 2 * i, "%2x", &b);
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static int reg_bytes(int i) { return i < 17 ? 8 : 4; }

static void g_reply(fake *f, char *out)
{
    char *p = out;
    for (int i = 0; i < 24; i++) {
        put_le(p, f->regs[i], reg_bytes(i));
        p += 2 * reg_bytes(i);
    }
    if (f->rle) {
        /* Runs of 4 or more of a byte as X*N (N - 29 more): gdbserver's way. */
        char packed[1024], *q = packed;
        for (char *s = out; *s;) {
            char c = *s;
            int run = 1;
            while (s[run] == c && run < 90)
                run++;
            if (run >= 4 && (run - 1 + 29) != '#' && (run - 1 + 29) != '$' && (run - 1 + 29) != '+' &&
                (run - 1 + 29) != '-') {
                *q++ = c;
                *q++ = '*';
                *q++ = (char)(run - 1 + 29);
            } else {
                for (int k = 0; k < run; k++)
                    *q++ = c;
            }
            s += run;
        }
        *q = '\0';
        strcpy(out, packed);
    }
}

static bool at_breakpoint(fake *f, uint64_t a)
{
    for (int i = 0; i < f->nbreakpoints; i++)
        if (f->breakpoints[i] == a)
            return true;
    return false;
}

/* The output sent before a stop reply: "hi\n" as an O packet. */
static void say_hi(fake *f) { reply(f, "O68690a"); }

static void *serve(void *arg)
{
    fake *f = arg;
    char packet[8192], out[8192];
    int count = 0;
    bool no_ack_next = false;
    while (get_packet(f, packet, sizeof packet)) {
        count++;
        fake_log(f, packet[0] == 0x03 ? "^C" : packet);
        if (f->close_after && count > f->close_after)
            break;
        if (f->silent_after && count > f->silent_after)
            continue;
        if (f->garbage) {
            send_raw(f, f->garbage);
            f->garbage = NULL;
            continue;
        }
        out[0] = '\0';
        if (packet[0] == 0x03) {
            f->got_interrupt = true;
            continue;  /* stopped already: no reply */
        } else if (strncmp(packet, "qSupported", 10) == 0) {
            snprintf(out, sizeof out, "PacketSize=1000%s%s", f->acks ? "" : ";QStartNoAckMode+",
                     f->xml || f->arch ? ";qXfer:features:read+" : "");
        } else if (strcmp(packet, "QStartNoAckMode") == 0) {
            strcpy(out, "OK");
            no_ack_next = true;
        } else if (strncmp(packet, "qXfer:features:read:", 20) == 0) {
            char annex[64];
            unsigned offset, length;
            sscanf(packet + 20, "%63[^:]:%x,%x", annex, &offset, &length);
            char arch_xml[256];
            snprintf(arch_xml, sizeof arch_xml, "<target><architecture>%s</architecture></target>",
                     f->arch ? f->arch : "");
            const char *text = strcmp(annex, "target.xml") == 0 ? (f->xml ? f->xml : arch_xml)
                               : f->include && strcmp(annex, f->include) == 0 ? f->included : NULL;
            if (!text) {
                strcpy(out, "E00");
            } else {
                size_t size = strlen(text);
                /* In pieces of at most 40 bytes, to test the reassembly. */
                size_t n = offset >= size ? 0 : size - offset < 40 ? size - offset : 40;
                if (n > length)
                    n = length;
                snprintf(out, sizeof out, "%c%.*s", offset + n >= size ? 'l' : 'm', (int)n, text + offset);
            }
        } else if (strcmp(packet, "vCont?") == 0) {
            strcpy(out, "vCont;c;C;s;S");
        } else if (strcmp(packet, "?") == 0) {
            strcpy(out, f->question ? f->question : "S05");
        } else if (strcmp(packet, "g") == 0) {
            g_reply(f, out);
            if (f->bad_checksum_once) {
                f->bad_checksum_once = false;
                send_framed(f, out, true);
                int c = get_byte(f);  /* the client's - */
                if (c != '-')
                    fake_log(f, "(no NAK)");
            }
        } else if (packet[0] == 'p') {
            unsigned n = (unsigned)strtoul(packet + 1, NULL, 16);
            if (n < 24)
                put_le(out, f->regs[n], reg_bytes((int)n));
            else if (n == 30)
                put_le(out, 0x80000011, 8);     /* cr0 in the description test */
            else
                strcpy(out, "E01");
        } else if (packet[0] == 'P' && !f->no_P) {
            unsigned n = (unsigned)strtoul(packet + 1, NULL, 16);
            char *eq = strchr(packet, '=');
            if (n < 24 && eq) {
                f->regs[n] = get_le(eq + 1, reg_bytes((int)n));
                strcpy(out, "OK");
            } else {
                strcpy(out, "E01");
            }
        } else if (packet[0] == 'G') {
            const char *p = packet + 1;
            for (int i = 0; i < 24; i++) {
                f->regs[i] = get_le(p, reg_bytes(i));
                p += 2 * reg_bytes(i);
            }
            strcpy(out, "OK");
        } else if (packet[0] == 'm') {
            unsigned long a, n;
            sscanf(packet + 1, "%lx,%lx", &a, &n);
            if (a < 0x1000 || a >= 0x2000) {
                strcpy(out, "E14");
            } else {
                if (a + n > 0x2000)
                    n = 0x2000 - a;  /* as far as memory goes */
                for (unsigned long i = 0; i < n; i++) {
                    out[2 * i] = hex[f->memory[a - 0x1000 + i] >> 4];
                    out[2 * i + 1] = hex[f->memory[a - 0x1000 + i] & 15];
                }
                out[2 * n] = '\0';
                /* A } in the reply: the escape of a ] (0x5d ^ 0x20 = 0x7d) */
            }
        } else if (packet[0] == 'M') {
            unsigned long a, n;
            sscanf(packet + 1, "%lx,%lx", &a, &n);
            const char *data = strchr(packet, ':') + 1;
            for (unsigned long i = 0; i < n; i++)
                f->memory[a - 0x1000 + i] = (uint8_t)get_le(data + 2 * i, 1);
            strcpy(out, "OK");
        } else if (packet[0] == 'Z' || packet[0] == 'z') {
            unsigned long a;
            sscanf(packet + 3, "%lx", &a);
            if (packet[0] == 'Z') {
                f->breakpoints[f->nbreakpoints++] = a;
            } else {
                for (int i = 0; i < f->nbreakpoints; i++)
                    if (f->breakpoints[i] == a)
                        f->breakpoints[i] = f->breakpoints[--f->nbreakpoints];
            }
            strcpy(out, "OK");
        } else if (strcmp(packet, "vCont;s") == 0 || strcmp(packet, "s") == 0) {
            if (f->step_hangs) {
                char again[16];
                while (get_packet(f, again, sizeof again) && again[0] != 0x03) {
                }
                f->got_interrupt = true;
                strcpy(out, "S05");
            } else {
                f->regs[16]++;
                strcpy(out, "T05thread:01;");
            }
        } else if (strcmp(packet, "vCont;c") == 0 || strcmp(packet, "c") == 0) {
            if (f->spin) {
                char again[16];
                while (get_packet(f, again, sizeof again) && again[0] != 0x03) {
                }
                f->got_interrupt = true;
                f->regs[16] = 0x1234;
                strcpy(out, "T02");
            } else {
                uint64_t pc = f->regs[16];
                bool hit = false;
                while (++pc < 0x2000)
                    if (at_breakpoint(f, pc)) {
                        hit = true;
                        break;
                    }
                say_hi(f);
                if (hit) {
                    f->regs[16] = pc;
                    strcpy(out, "S05");
                } else {
                    strcpy(out, f->stop_after_c ? f->stop_after_c : "W07");
                }
            }
        } else if (strncmp(packet, "qRcmd,", 6) == 0 && f->monitor) {
            /* "info mode" in hex: 696e666f206d6f6465 */
            if (strcmp(packet + 6, "696e666f206d6f6465") == 0) {
                reply(f, "O6c6f6e67206d6f6465202836342d62697429" "0a");  /* "long mode (64-bit)\n" */
                strcpy(out, "OK");
            } else {
                strcpy(out, "E.no such monitor command");
            }
        } else if (strcmp(packet, "k") == 0) {
            f->got_kill = true;
            break;
        }
        reply(f, out);
        if (no_ack_next) {
            f->acking = false;
            no_ack_next = false;
        }
    }
    close(f->fd);
    return NULL;
}

static fake *server;

static void fake_reset(void)
{
    server = calloc(1, sizeof *server);
    ck_assert_ptr_nonnull(server);
    memset(server->memory, 0x90, sizeof server->memory);  /* nop */
    server->regs[16] = 0x1000;                              /* rip */
    server->regs[17] = 0x2;                                 /* eflags */
    server->regs[18] = 0x8;                                 /* cs */
    server->regs[0] = 0x1122334455667788ull;                /* rax */
    server->acking = true;                                  /* until QStartNoAckMode */
}

static char err[VDB_ERR_SIZE];

/* Starts the fake and opens the target on the other end. */
static vdb_target *open_fake(unsigned timeout_ms)
{
    int pair[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    server->fd = pair[1];
    ck_assert_int_eq(pthread_create(&server->thread, NULL, serve, server), 0);
    vdb_remote_config config = { .address = "fake:1", .use_fd = true, .fd = pair[0], .timeout_ms = timeout_ms };
    err[0] = '\0';
    return vdb_remote_open(&config, err, sizeof err);
}

static void close_fake(vdb_target *t)
{
    if (t)
        t->ops->destroy(t);
    pthread_join(server->thread, NULL);
    free(server);
    server = NULL;
}

static size_t register_named(vdb_target *t, const char *name)
{
    for (size_t i = 0; i < t->ops->register_count(t); i++)
        if (strcmp(t->ops->register_info(t, i)->name, name) == 0)
            return i;
    ck_abort_msg("no register %s", name);
    return 0;
}

static uint64_t reg(vdb_target *t, const char *name)
{
    uint64_t v = 0;
    ck_assert_msg(t->ops->read_register(t, register_named(t, name), &v, err, sizeof err) == 0, "%s: %s", name, err);
    return v;
}

#define expect_err_has(text) ck_assert_msg(strstr(err, text) != NULL, "err '%s' lacks '%s'", err, text)

/* ==== talking ==================================================================== */

START_TEST(handshake_without_acks)
{
    fake_reset();
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    ck_assert_str_eq(t->ops->name, "remote");
    ck_assert_uint_eq(t->ops->register_count(t), 24);
    ck_assert_str_eq(t->ops->register_info(t, 17)->name, "rflags");  /* gdb's eflags */
    ck_assert_uint_eq(t->ops->register_info(t, 18)->bits, 16);         /* cs */
    ck_assert_str_eq(t->ops->register_info(t, 18)->group, "segment");
    ck_assert_uint_eq(t->ops->pc(t), 0x1000);
    ck_assert_uint_eq(reg(t, "rax"), 0x1122334455667788ull);
    close_fake(t);
}
END_TEST

START_TEST(handshake_with_acks_and_a_bad_checksum)
{
    fake_reset();
    server->acks = true;
    server->bad_checksum_once = true;
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    ck_assert_uint_eq(reg(t, "rax"), 0x1122334455667788ull);  /* after the NAK, the good copy */
    ck_assert_ptr_null(strstr(server->log, "(no NAK)"));
    close_fake(t);
}
END_TEST

START_TEST(run_length_encoded_registers)
{
    fake_reset();
    server->rle = true;
    server->regs[3] = 0;   /* rdx: sixteen zeros, a run */
    server->regs[5] = 0xffffffffffffffffull;
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    ck_assert_uint_eq(reg(t, "rdx"), 0);
    ck_assert_uint_eq(reg(t, "rdi"), 0xffffffffffffffffull);
    ck_assert_uint_eq(reg(t, "rax"), 0x1122334455667788ull);
    ck_assert_uint_eq(reg(t, "rip"), 0x1000);
    close_fake(t);
}
END_TEST

/* ==== registers ================================================================== */

static const char description[] =
    "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
    "<target><architecture>i386:x86-64</architecture>"
    "<feature name=\"org.gnu.gdb.i386.core\">"
    "<reg name=\"rax\" bitsize=\"64\"/><reg name=\"rbx\" bitsize=\"64\"/><reg name=\"rcx\" bitsize=\"64\"/>"
    "<reg name=\"rdx\" bitsize=\"64\"/><reg name=\"rsi\" bitsize=\"64\"/><reg name=\"rdi\" bitsize=\"64\"/>"
    "<reg name=\"rbp\" bitsize=\"64\"/><reg name=\"rsp\" bitsize=\"64\"/><reg name=\"r8\" bitsize=\"64\"/>"
    "<reg name=\"r9\" bitsize=\"64\"/><reg name=\"r10\" bitsize=\"64\"/><reg name=\"r11\" bitsize=\"64\"/>"
    "<reg name=\"r12\" bitsize=\"64\"/><reg name=\"r13\" bitsize=\"64\"/><reg name=\"r14\" bitsize=\"64\"/>"
    "<reg name=\"r15\" bitsize=\"64\"/><reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>"
    "<reg name=\"eflags\" bitsize=\"32\"/><reg name=\"cs\" bitsize=\"32\"/><reg name='ss' bitsize='32'/>"
    "<reg name=\"ds\" bitsize=\"32\"/><reg name=\"es\" bitsize=\"32\"/><reg name=\"fs\" bitsize=\"32\"/>"
    "<reg name=\"gs\" bitsize=\"32\"/><!--reg name=\"cs_base\" bitsize=\"64\"/>"
    "<reg name=\"ss_base\" bitsize=\"64\"/--></feature>"
    "<xi:include href=\"more.xml\"/></target>";
static const char more[] =
    "<feature name=\"org.gnu.gdb.i386.sse\"><reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\" regnum=\"24\"/>"
    "<reg name=\"fctrl\" bitsize=\"32\" group=\"float\"/><reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"mxcsr\" bitsize=\"32\" group=\"vector\"/></feature>"
    "<feature name=\"org.qemu.sys\"><reg name=\"cr0\" bitsize=\"64\" regnum=\"30\"/></feature>";

START_TEST(description_with_include)
{
    fake_reset();
    server->xml = description;
    server->include = "more.xml";
    server->included = more;
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    /* 24 core registers and cr0; st0, fctrl, xmm0 and mxcsr left out. */
    ck_assert_uint_eq(t->ops->register_count(t), 25);
    size_t cr0 = register_named(t, "cr0");
    ck_assert_str_eq(t->ops->register_info(t, cr0)->group, "control");
    ck_assert_uint_eq(reg(t, "cr0"), 0x80000011);   /* past g: p1e */
    ck_assert_ptr_nonnull(strstr(server->log, "p1e\n"));
    ck_assert_uint_eq(reg(t, "rip"), 0x1000);
    ck_assert_ptr_nonnull(strstr(server->log, "qXfer:features:read:more.xml:"));
    close_fake(t);
}
END_TEST

START_TEST(write_registers_with_P_or_G)
{
    fake_reset();
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    ck_assert_int_eq(t->ops->write_register(t, register_named(t, "rbx"), 0xabcdef, err, sizeof err), 0);
    ck_assert_uint_eq(reg(t, "rbx"), 0xabcdef);
    ck_assert_ptr_nonnull(strstr(server->log, "P1=efcdab0000000000\n"));
    ck_assert_int_eq(t->ops->write_register(t, register_named(t, "cs"), 0x12345, err, sizeof err), -1);
    expect_err_has("does not fit");
    close_fake(t);

    fake_reset();
    server->no_P = true;
    t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    ck_assert_int_eq(t->ops->write_register(t, register_named(t, "rcx"), 7, err, sizeof err), 0);
    ck_assert_uint_eq(reg(t, "rcx"), 7);
    ck_assert_ptr_nonnull(strstr(server->log, "\nG"));
    ck_assert_uint_eq(reg(t, "rax"), 0x1122334455667788ull);  /* the others unchanged */
    close_fake(t);
}
END_TEST

/* ==== memory ===================================================================== */

START_TEST(memory_in_blocks)
{
    fake_reset();
    server->memory[0x10] = 0xc3;
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    uint8_t bytes[32];
    ck_assert_int_eq(t->ops->read_memory(t, 0, 0x1008, bytes, 16, err, sizeof err), 0);
    ck_assert_uint_eq(bytes[8], 0xc3);
    ck_assert_int_eq(t->ops->read_memory(t, 0, 0x1000, bytes, 4, err, sizeof err), 0);  /* the same block */
    const char *first = strstr(server->log, "m1000,100\n");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "\nm"));
    /* The last bytes of memory, and past its end. */
    ck_assert_int_eq(t->ops->read_memory(t, 0, 0x1ff8, bytes, 8, err, sizeof err), 0);
    ck_assert_int_eq(t->ops->read_memory(t, 0, 0x1ffc, bytes, 8, err, sizeof err), -1);
    ck_assert_int_eq(t->ops->read_memory(t, 0, 0x5000, bytes, 8, err, sizeof err), -1);
    expect_err_has("cannot read memory at 0x5000");
    ck_assert_int_eq(t->ops->read_memory(t, 1, 0x1000, bytes, 8, err, sizeof err), -1);
    /* M, and the block read again after it. */
    static const uint8_t ret[] = { 0xcc, 0xc3 };
    ck_assert_int_eq(t->ops->write_memory(t, 0, 0x1010, ret, 2, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(server->log, "M1010,2:ccc3\n"));
    ck_assert_int_eq(t->ops->read_memory(t, 0, 0x1010, bytes, 2, err, sizeof err), 0);
    ck_assert_uint_eq(bytes[0], 0xcc);
    char text[64];
    uint64_t next;
    ck_assert_int_eq(t->ops->disassemble(t, 0x1011, text, sizeof text, &next, err, sizeof err), 0);
    ck_assert_str_eq(text, "ret");
    ck_assert_uint_eq(next, 0x1012);
    close_fake(t);
}
END_TEST

/* ==== running ==================================================================== */

START_TEST(continue_to_a_breakpoint_and_off_it)
{
    fake_reset();
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    ck_assert_int_eq(t->ops->insert_breakpoint(t, 0x1020, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(server->log, "Z0,1020,1\n"));
    vdb_stop stop;
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_CONTINUE, &stop, err, sizeof err), 0);
    ck_assert_int_eq(stop.kind, VDB_STOP_BREAKPOINT);
    ck_assert_uint_eq(stop.address, 0x1020);
    ck_assert_uint_eq(t->ops->pc(t), 0x1020);
    char *text;
    ck_assert_uint_eq(t->ops->take_output(t, &text), 3);
    ck_assert_str_eq(text, "hi\n");
    free(text);
    /* From the breakpoint: z0, a step, Z0 again, then on to the end. */
    server->log[0] = '\0';
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_CONTINUE, &stop, err, sizeof err), 0);
    ck_assert_int_eq(stop.kind, VDB_STOP_EXITED);
    ck_assert_int_eq(stop.exit_status, 7);
    ck_assert_ptr_nonnull(strstr(server->log, "z0,1020,1\nvCont;s\n"));
    ck_assert_ptr_nonnull(strstr(server->log, "Z0,1020,1\n"));
    /* The end, again, without asking the server. */
    server->log[0] = '\0';
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_STEPI, &stop, err, sizeof err), 0);
    ck_assert_int_eq(stop.kind, VDB_STOP_EXITED);
    ck_assert_ptr_null(strstr(server->log, "vCont"));
    ck_assert_int_eq(t->ops->remove_breakpoint(t, 0x1020, err, sizeof err), 0);
    ck_assert_int_eq(t->ops->remove_breakpoint(t, 0x1020, err, sizeof err), -1);
    close_fake(t);
    /* (destroy sent k: the server logged it and ended) */
}
END_TEST

START_TEST(stepi_and_the_other_resumes)
{
    fake_reset();
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    vdb_stop stop;
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_STEPI, &stop, err, sizeof err), 0);
    ck_assert_int_eq(stop.kind, VDB_STOP_STEP);
    ck_assert_uint_eq(t->ops->pc(t), 0x1001);
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_NEXT, &stop, err, sizeof err), -1);
    expect_err_has("no next: use stepi or continue");
    close_fake(t);
}
END_TEST

START_TEST(a_termination_by_signal)
{
    fake_reset();
    server->stop_after_c = "X0b";
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    vdb_stop stop;
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_CONTINUE, &stop, err, sizeof err), 0);
    ck_assert_int_eq(stop.kind, VDB_STOP_ERROR);
    ck_assert_int_eq(stop.exit_status, 128 + 11);
    ck_assert_msg(strstr(stop.detail, "SIGSEGV") != NULL, "detail: %s", stop.detail);
    close_fake(t);
}
END_TEST

static void *interrupt_later(void *arg)
{
    struct timespec pause = { 0, 200 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    vdb_target *t = arg;
    t->ops->interrupt(t);
    return NULL;
}

START_TEST(ctrl_c_stops_a_continue)
{
    fake_reset();
    server->spin = true;
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    pthread_t thread;
    pthread_create(&thread, NULL, interrupt_later, t);
    vdb_stop stop;
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_CONTINUE, &stop, err, sizeof err), 0);
    pthread_join(thread, NULL);
    ck_assert_int_eq(stop.kind, VDB_STOP_INTERRUPT);
    ck_assert_str_eq(stop.detail, "");
    ck_assert_uint_eq(t->ops->pc(t), 0x1234);
    ck_assert(server->got_interrupt);
    close_fake(t);
}
END_TEST

START_TEST(a_step_that_never_ends)
{
    fake_reset();
    server->step_hangs = true;
    vdb_target *t = open_fake(300);
    ck_assert_msg(t != NULL, "open: %s", err);
    vdb_stop stop;
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_STEPI, &stop, err, sizeof err), 0);
    ck_assert_int_eq(stop.kind, VDB_STOP_INTERRUPT);
    ck_assert_msg(strstr(stop.detail, "did not end within 300 ms") != NULL, "detail: %s", stop.detail);
    close_fake(t);
}
END_TEST

/* ==== monitor ==================================================================== */

START_TEST(monitor_commands)
{
    fake_reset();
    server->monitor = true;
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    char *text;
    ck_assert_int_eq(t->ops->info(t, "mode", &text, err, sizeof err), 0);
    ck_assert_str_eq(text, "long mode (64-bit)\n");
    free(text);
    ck_assert_int_eq(t->ops->info(t, "exits", &text, err, sizeof err), -1);
    ck_assert_str_eq(err, "no such monitor command");
    ck_assert_int_eq(t->ops->set_option(t, "remotetimeout", "5", err, sizeof err), 0);
    ck_assert_int_eq(t->ops->set_option(t, "remotetimeout", "0", err, sizeof err), -1);
    char status[128];
    t->ops->status(t, status, sizeof status);
    ck_assert_msg(strstr(status, "long mode") != NULL, "status: %s", status);
    close_fake(t);

    fake_reset();
    t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    ck_assert_int_eq(t->ops->info(t, "mode", &text, err, sizeof err), -1);
    expect_err_has("has no monitor commands");
    close_fake(t);
}
END_TEST

/* ==== failures =================================================================== */

START_TEST(a_server_that_closes)
{
    fake_reset();
    server->close_after = 5;  /* qSupported, QStartNoAckMode, vCont?, ?, g: then gone */
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    uint64_t v;
    /* rax is cached from the first g; a step needs the server. */
    vdb_stop stop;
    ck_assert_int_eq(t->ops->resume(t, VDB_RESUME_STEPI, &stop, err, sizeof err), -1);
    expect_err_has("closed the connection");
    ck_assert_int_eq(t->ops->read_register(t, 0, &v, err, sizeof err), -1);
    expect_err_has("is gone (it closed the connection)");
    char status[128];
    t->ops->status(t, status, sizeof status);
    ck_assert_msg(strstr(status, "disconnected") != NULL, "status: %s", status);
    close_fake(t);
}
END_TEST

/* The fake as set up, and an open that fails with text in err. */
static void expect_open_fails(unsigned timeout_ms, const char *text)
{
    vdb_target *t = open_fake(timeout_ms);
    ck_assert_ptr_null(t);
    expect_err_has(text);
    close_fake(NULL);
}

START_TEST(a_server_that_never_answers)
{
    fake_reset();
    server->silent_after = 1;  /* it takes qSupported, then says nothing */
    expect_open_fails(300, "within 300 ms");
}
END_TEST

static char junk[70 * 1024];

START_TEST(a_server_that_sends_garbage)
{
    fake_reset();
    memset(junk, 'z', sizeof junk - 1);
    server->garbage = junk;
    expect_open_fails(2000, "sends bytes that are no packets");
}
END_TEST

START_TEST(another_architecture)
{
    fake_reset();
    server->arch = "aarch64";
    expect_open_fails(2000, "architecture aarch64");
}
END_TEST

START_TEST(no_gdb_server)
{
    fake_reset();
    server->question = "hello, world";
    expect_open_fails(2000, "is it a gdb server?");
}
END_TEST

START_TEST(nothing_listening)
{
    vdb_remote_config config = { .address = "127.0.0.1:1", .connect_timeout_ms = 300 };
    ck_assert_ptr_null(vdb_remote_open(&config, err, sizeof err));
    expect_err_has("cannot connect to 127.0.0.1:1");
    config.address = "no-port-here";
    ck_assert_ptr_null(vdb_remote_open(&config, err, sizeof err));
    expect_err_has("is not HOST:PORT");
    config.address = ":99999";
    ck_assert_ptr_null(vdb_remote_open(&config, err, sizeof err));
    expect_err_has("is not a port");
}
END_TEST

START_TEST(destroy_sends_k)
{
    fake_reset();
    vdb_target *t = open_fake(2000);
    ck_assert_msg(t != NULL, "open: %s", err);
    t->ops->destroy(t);
    pthread_join(server->thread, NULL);
    ck_assert(server->got_kill);
    free(server);
    server = NULL;
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("vdb_remote");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, handshake_without_acks);
    tcase_add_test(tc, handshake_with_acks_and_a_bad_checksum);
    tcase_add_test(tc, run_length_encoded_registers);
    tcase_add_test(tc, description_with_include);
    tcase_add_test(tc, write_registers_with_P_or_G);
    tcase_add_test(tc, memory_in_blocks);
    tcase_add_test(tc, continue_to_a_breakpoint_and_off_it);
    tcase_add_test(tc, stepi_and_the_other_resumes);
    tcase_add_test(tc, a_termination_by_signal);
    tcase_add_test(tc, ctrl_c_stops_a_continue);
    tcase_add_test(tc, a_step_that_never_ends);
    tcase_add_test(tc, monitor_commands);
    tcase_add_test(tc, a_server_that_closes);
    tcase_add_test(tc, a_server_that_never_answers);
    tcase_add_test(tc, a_server_that_sends_garbage);
    tcase_add_test(tc, another_architecture);
    tcase_add_test(tc, no_gdb_server);
    tcase_add_test(tc, nothing_listening);
    tcase_add_test(tc, destroy_sends_k);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
