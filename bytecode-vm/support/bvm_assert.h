/*
 * bvm_assert.h -- BVM_ASSERT(cond): an invariant of libbvm, checked in the
 * debug and sanitizer builds and compiled out of the release build
 * (common/vmlab_assert.h says how and why).  Only for what the code itself
 * guarantees: what a program or a file can bring about is a diagnostic or
 * a run-time error, never an assertion.
 */
#ifndef BVM_ASSERT_H
#define BVM_ASSERT_H

#include "vmlab_assert.h"

#define BVM_ASSERT(cond) VMLAB_ASSERT("bvm", cond)

#endif
