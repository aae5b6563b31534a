/*
 * gdbserver.h -- the GDB remote serial protocol over a vdb target, so the
 * real gdb can debug a KVM guest: `vdb --hv --gdbserver PORT IMAGE`, then
 * `target remote :PORT` in gdb (or `target remote | vdb --hv --gdbserver -
 * IMAGE`, over a pipe).
 *
 * What gdb can do through it: read and write the registers (gdb's amd64
 * layout: the general registers, rip, eflags and the segment selectors;
 * the rest reads as unavailable) and guest memory (virtual addresses),
 * set and remove software breakpoints (Z0/z0), single-step, continue, and
 * interrupt a running guest with Ctrl-C.  The guest's end is reported as
 * an exit (W) with its status, a crash as SIGSEGV (X0b).
 *
 * Only the hypervisor target: gdb has no architecture for the bytecode VM.
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
