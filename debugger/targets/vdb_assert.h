/*
 * vdb_assert.h -- VDB_ASSERT(cond): the debugger's invariants, checked in
 * `make asan` and `make debug`, compiled out of the release build
 * (common/vmlab_assert.h says how).  Each states what vdb's own code
 * relies on -- never something a command, a script, a program, a guest
 * or gdb can bring about: those get error messages.
 *
 * Layer: targets/, the bottom one, so that every layer of vdb sees it.
 */
#ifndef VDB_ASSERT_H
#define VDB_ASSERT_H

#include "vmlab_assert.h"

#define VDB_ASSERT(cond) VMLAB_ASSERT("vdb", cond)

#endif
