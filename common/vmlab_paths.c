/*
 * vmlab_paths.c -- finding a guest image by name (vmlab_paths.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmlab_paths.h"

/* Paths from the program's folder, passed by the Makefile (vmlab_paths.h). */
#ifndef VMLAB_INSTALLED_GUESTS
#define VMLAB_INSTALLED_GUESTS "../share/vmlab/guests"
#endif

static int is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* DIR/REL, with the "BIN/.." of REL's leading "../" taken off DIR, so a
 * message names /usr/local/share/vmlab/guests, not /usr/local/bin/../share/...
 * (DIR comes from /proc/self/exe: it holds no symbolic links or dots). */
static void add_dir(struct vmlab_guest_dirs *dirs, const char *dir, const char *rel, const char *what)
{
    char base[VMLAB_PATH_MAX];
    snprintf(base, sizeof base, "%s", dir);
    while (strncmp(rel, "../", 3) == 0 || strcmp(rel, "..") == 0) {
        char *slash = strrchr(base, '/');
        if (!slash || slash == base || strcmp(slash, "/..") == 0)
            break;
        *slash = '\0';
        rel += rel[2] == '/' ? 3 : 2;
    }
    int n = dirs->count;
    if (n == VMLAB_GUEST_DIRS_MAX)
        return;
    int written = *rel ? snprintf(dirs->dir[n], VMLAB_PATH_MAX, "%s/%s", base, rel)
                       : snprintf(dirs->dir[n], VMLAB_PATH_MAX, "%s", base);
    if (written < 0 || written >= VMLAB_PATH_MAX)
        return;
    dirs->what[n] = what;
    dirs->count = n + 1;
}

void vmlab_guest_dirs_find(const char *exe_dir, struct vmlab_guest_dirs *dirs)
{
    dirs->count = 0;
    const char *env = getenv("VMLAB_GUESTS");
    if (env && *env)
        add_dir(dirs, env, "", "$VMLAB_GUESTS");

    char exe[VMLAB_PATH_MAX];
    if (!exe_dir) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
            return;
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (!slash)
            return;
        *slash = '\0';
        exe_dir = exe[0] ? exe : "/";
    }
    add_dir(dirs, exe_dir, VMLAB_INSTALLED_GUESTS, "installed");
#ifdef VMLAB_BUILD_GUESTS
    add_dir(dirs, exe_dir, VMLAB_BUILD_GUESTS, "build tree");
#endif
}

const char *vmlab_guest_lookup(const char *image, const struct vmlab_guest_dirs *dirs,
                               char *path, size_t path_size, char *err, size_t err_size)
{
    struct stat st;
    if (image[0] == '\0' || strchr(image, '/') || stat(image, &st) == 0)
        return image;

    static const char *const suffixes[] = { "", ".bin", ".elf" };
    for (int d = 0; d < dirs->count; d++) {
        for (size_t s = 0; s < sizeof suffixes / sizeof suffixes[0]; s++) {
            int n = snprintf(path, path_size, "%s/%s%s", dirs->dir[d], image, suffixes[s]);
            if (n > 0 && (size_t)n < path_size && is_regular_file(path))
                return path;
        }
    }

    size_t used = (size_t)snprintf(err, err_size,
                                   "no guest image '%s': not a file here, and no %s, %s.bin or %s.elf in",
                                   image, image, image, image);
    if (dirs->count == 0 && used < err_size)
        used += (size_t)snprintf(err + used, err_size - used, " any folder (set VMLAB_GUESTS)");
    for (int d = 0; d < dirs->count && used < err_size; d++) {
        /* A folder that is not there (an installed copy has no build tree
         * beside it) is named as such, not as a place that was searched. */
        bool there = stat(dirs->dir[d], &st) == 0 && S_ISDIR(st.st_mode);
        used += (size_t)snprintf(err + used, err_size - used, "\n  %s (%s%s)", dirs->dir[d], dirs->what[d],
                                 there ? "" : ": no such folder");
    }
    return NULL;
}

const char *vmlab_guest_image(const char *image, char *path, size_t path_size, char *err, size_t err_size)
{
    struct vmlab_guest_dirs dirs;
    vmlab_guest_dirs_find(NULL, &dirs);
    const char *found = vmlab_guest_lookup(image, &dirs, path, path_size, err, err_size);
    const char *env = getenv("VMLAB_GUESTS");
    if (!found && !(env && *env)) {
        size_t used = strlen(err);
        snprintf(err + used, err_size - used, "\n  ($VMLAB_GUESTS, a folder of guest images, is not set)");
    }
    return found;
}
