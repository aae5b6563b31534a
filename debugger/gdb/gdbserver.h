/*
 * gdbserver.h -- the GDB remote serial protocol over a vdb target, so the
 * real gdb can drive either VM: `vdb [--hv] --gdbserver PORT FILE`, then
 * `target remote :PORT` in gdb (or `target remote | vdb [--hv]
 * --gdbserver - FILE`, over a pipe).
 *
 * gdb is told the machine is amd64 (a target description) and can read and
 * write registers in gdb's amd64 layout, read and write memory, set and
 * remove software breakpoints (Z0/z0), single-step, continue, and
 * interrupt with Ctrl-C.  The end is reported as an exit (W) with its
 * status, a crash or uncaught exception as SIGSEGV (X0b).
 *
 *   hypervisor     the real thing: the general registers, rip, eflags and
 *                  the segment selectors (x87/SSE read as unavailable);
 *                  memory by virtual address
 *   bytecode VM    a stand-in: rip is the bytecode address (function << 32
 *                  | pc), rsp the value stack's top, memory the value
 *                  stack; gdb cannot disassemble bytecode, so vdb itself is
 *                  the tool for source-level work
 *
 * Layer: gdb, over targets/target.h alone: gdb drives the target itself,
 * with no session and no commands of vdb's.  Used by vdb.c.
 */
#ifndef VDB_GDBSERVER_H
#define VDB_GDBSERVER_H

#include <stdio.h>

#include "target.h"

/* Serves one gdb connection on in/out (a socket, or stdin/stdout) until gdb
 * detaches or kills, or the connection ends.  Messages for the person (not
 * for gdb) go to log.  Returns 0, or -1 with err set. */
int vdb_gdbserver_serve(vdb_target *t, int in, int out, FILE *log, char *err, size_t err_size);

/* Listens on 127.0.0.1:port, takes one connection and serves it. */
int vdb_gdbserver_listen(vdb_target *t, int port, FILE *log, char *err, size_t err_size);

#endif
