/*
 * jit_mem.c -- installing machine code in W^X pages (see jit_mem.h).
 *
 * One mapping per installed piece of code keeps the rule simple to check:
 * its pages are writable only between mmap and mprotect, before its
 * address is handed to anyone.  Compiled functions are few and small, so a
 * page each costs little; an allocator packing several into one page would
 * have to make that page writable again, with code in it, to add more.
 */
#include "jit_mem.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

bool bvm_jit_code_install(bvm_jit_code *code, const uint8_t *bytes, size_t size, const char **why)
{
    *code = (bvm_jit_code){ 0 };
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (size == 0 || size > SIZE_MAX - page) {
        *why = "no code to install";
        return false;
    }
    size_t mapped = (size + page - 1) / page * page;
    void *pages = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        *why = "cannot map memory for compiled code";
        return false;
    }
    memcpy(pages, bytes, size);
    /* The rest of the last page: int3, so a stray jump past the end traps. */
    memset((uint8_t *)pages + size, 0xCC, mapped - size);
    if (mprotect(pages, mapped, PROT_READ | PROT_EXEC) != 0) {
        munmap(pages, mapped);
        *why = "the system refuses executable memory (mprotect PROT_EXEC)";
        return false;
    }
    code->entry = pages;
    code->size = size;
    code->mapped = mapped;
    return true;
}

void bvm_jit_code_free(bvm_jit_code *code)
{
    if (code->entry)
        munmap(code->entry, code->mapped);
    *code = (bvm_jit_code){ 0 };
}
