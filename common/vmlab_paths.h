/*
 * vmlab_paths.h -- where mhv and vdb find a guest image given by name.
 *
 * `mhv run hello16` and `vdb --hv kernel` work from any directory, in the
 * build tree and in an installed copy alike, by this rule:
 *
 *   1. An IMAGE that exists here (a file, or anything else: mhv then says
 *      what is wrong with it), or that holds a '/', is used as given, so
 *      every path works exactly as before; mhv reports a path it cannot
 *      open.
 *   2. Otherwise IMAGE is a name, looked up -- as IMAGE, IMAGE.bin, then
 *      IMAGE.elf, the first regular file wins -- in these folders, in order:
 *        a. $VMLAB_GUESTS, when it is set and not empty;
 *        b. the installed guests: EXE_DIR/VMLAB_INSTALLED_GUESTS, where
 *           EXE_DIR is the folder of the running program (/proc/self/exe)
 *           and VMLAB_INSTALLED_GUESTS the path from bindir to the guests
 *           that make install uses (../share/vmlab/guests by default);
 *        c. the build tree the program was built in: EXE_DIR/
 *           VMLAB_BUILD_GUESTS, the path from $(BINDIR) to $(BUILD)/guest
 *           (../build/release/guest for bin/mhv, ../guest for
 *           build/asan/bin/mhv).
 *      Both b and c are relative to the program, never a compiled-in
 *      absolute prefix: an installed tree moved elsewhere (or a DESTDIR
 *      staging copy) still finds its guests.  The Makefile passes both
 *      paths when it compiles vmlab_paths.c; without them (a program built
 *      by another build) b falls back to ../share/vmlab/guests and c is
 *      skipped.
 *   3. A name found nowhere is an error whose message lists every place
 *      looked at; the callers exit with VMLAB_EXIT_CANNOT_RUN (125).
 *
 * Library code: nothing here prints or exits; errors go to the caller's
 * buffer.
 */
#ifndef VMLAB_PATHS_H
#define VMLAB_PATHS_H

#include <stddef.h>

#define VMLAB_PATH_MAX 4096
#define VMLAB_GUEST_DIRS_MAX 3
/* Enough for the message of an unknown name that lists every folder. */
#define VMLAB_GUEST_ERR_SIZE (VMLAB_GUEST_DIRS_MAX * (VMLAB_PATH_MAX + 64) + 256)

/* The folders a guest name is looked up in, in order (rule 2). */
struct vmlab_guest_dirs {
    int count;
    char dir[VMLAB_GUEST_DIRS_MAX][VMLAB_PATH_MAX];
    const char *what[VMLAB_GUEST_DIRS_MAX];  /* "$VMLAB_GUESTS", "installed", "build tree" */
};

/* Fills *dirs for a program whose executable lies in EXE_DIR (NULL: the
 * running program's, from /proc/self/exe; when that cannot be read, only
 * $VMLAB_GUESTS is left). */
void vmlab_guest_dirs_find(const char *exe_dir, struct vmlab_guest_dirs *dirs);

/* Rule 1 and 2 against the given folders: returns IMAGE itself when it is
 * used as given, PATH (filled with the file found) when it was found by
 * name, or NULL with the message of rule 3 in ERR. */
const char *vmlab_guest_lookup(const char *image, const struct vmlab_guest_dirs *dirs,
                               char *path, size_t path_size, char *err, size_t err_size);

/* The whole rule for the running program: vmlab_guest_dirs_find(NULL)
 * and vmlab_guest_lookup.  PATH must outlive the result's use. */
const char *vmlab_guest_image(const char *image, char *path, size_t path_size, char *err, size_t err_size);

#endif
