/*
 * source.c -- source files as lines, read once per session and kept
 * (source.h).
 */
#include "source.h"

#include "session_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vdb_source_file {
    vdb_source_file *next;
    char *path;
    char *text;       /* the file, with each '\n' replaced by '\0' */
    char **lines;     /* [count]: into text                        */
    size_t count;
};

static vdb_source_file *load(const char *path)
{
    vdb_source_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->path = strdup(path);
    FILE *in = fopen(path, "rb");
    size_t size = 0, capacity = 0;
    if (in) {
        for (;;) {
            if (size + 4096 + 1 > capacity) {
                capacity = capacity ? capacity * 2 : 8192;
                char *bigger = realloc(f->text, capacity);
                if (!bigger)
                    break;
                f->text = bigger;
            }
            size_t got = fread(f->text + size, 1, capacity - size - 1, in);
            size += got;
            if (got == 0)
                break;
        }
        fclose(in);
    }
    if (f->text) {
        f->text[size] = '\0';
        size_t lines = 0;
        for (size_t i = 0; i < size; i++)
            lines += f->text[i] == '\n';
        if (size && f->text[size - 1] != '\n')
            lines++;
        f->lines = calloc(lines ? lines : 1, sizeof *f->lines);
        char *p = f->text;
        for (size_t i = 0; f->lines && i < lines; i++) {
            f->lines[i] = p;
            char *nl = strchr(p, '\n');
            if (!nl)
                break;
            *nl = '\0';
            if (nl > p && nl[-1] == '\r')
                nl[-1] = '\0';
            p = nl + 1;
        }
        f->count = f->lines ? lines : 0;
    }
    return f;
}

static vdb_source_file *find(vdb_session *s, const char *path)
{
    for (vdb_source_file *f = s->sources; f; f = f->next)
        if (f->path && strcmp(f->path, path) == 0)
            return f;
    vdb_source_file *f = load(path);
    if (f) {
        f->next = s->sources;
        s->sources = f;
    }
    return f;
}

const char *vdb_source_line(vdb_session *s, const char *path, uint32_t line)
{
    vdb_source_file *f = find(s, path);
    if (!f || line == 0 || line > f->count)
        return NULL;
    return f->lines[line - 1];
}

size_t vdb_source_line_count(vdb_session *s, const char *path)
{
    vdb_source_file *f = find(s, path);
    return f ? f->count : 0;
}

void vdb_source_free(vdb_session *s)
{
    while (s->sources) {
        vdb_source_file *next = s->sources->next;
        free(s->sources->path);
        free(s->sources->text);
        free(s->sources->lines);
        free(s->sources);
        s->sources = next;
    }
}
