/*
 * dispatch.c -- the dispatcher over commands.def (dispatch.h).
 */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "command_table.h"
#include "handlers.h"
#include "session_state.h"

/* The handler of each command, by its id. */
static vdb_handler *const handlers[VDB_CMD_COUNT] = {
#define CMD(id, name, alias, handler, words, flags, usage, help) [VDB_CMD_##id] = handler,
#include "commands.def"
};

vdb_exec_result vdb_session_execute(vdb_session *s, const char *line)
{
    vdb_parsed p;
    char err[VDB_ERR_SIZE];
    int parsed = vdb_parse_line(vdb_commands, VDB_CMD_COUNT, line, &p, err, sizeof err);
    if (parsed == 0)
        return VDB_EXEC_OK;
    if (parsed < 0)
        return vdb_fail(s, "%s", err);
    if (p.suffix[0] && !(p.command->flags & VDB_TAKES_FORMAT))
        return vdb_fail(s, "%s takes no /FORMAT", p.command->name);
    VDB_ASSERT(p.command >= vdb_commands && p.command < vdb_commands + VDB_CMD_COUNT);
    return handlers[p.command->id](s, &p);
}

/* info's topics, and what a target needs for Tab to offer each. */
static const struct {
    const char *word;
    vdb_topic_kind kind;
    unsigned cap;
} topics[] = {
#define TOPIC(word, handler, kind, cap) { word, kind, cap },
#include "commands.def"
};

/* Whether the session's target has the topic: a target's own where its
 * info_topics list it, the front end's where it has the capability. */
static bool topic_offered(vdb_session *s, size_t i)
{
    const vdb_target_ops *ops = s->t->ops;
    if (topics[i].kind == VDB_TOPIC_TARGET) {
        for (size_t k = 0; ops->info && ops->info_topics && ops->info_topics[k]; k++)
            if (strcmp(ops->info_topics[k], topics[i].word) == 0)
                return true;
        return false;
    }
    return (ops->caps & topics[i].cap) == topics[i].cap;
}

/* The state-th topic starting with prefix that the target has, or NULL. */
static const char *nth_topic(vdb_session *s, const char *prefix, size_t state)
{
    size_t len = strlen(prefix), seen = 0;
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
        if (strncmp(topics[i].word, prefix, len) == 0 && topic_offered(s, i) && seen++ == state)
            return topics[i].word;
    return NULL;
}

/* The state-th of words starting with prefix, or NULL. */
static const char *nth_match(const char *const *words, const char *prefix, size_t state)
{
    size_t len = strlen(prefix), seen = 0;
    for (size_t i = 0; words[i]; i++)
        if (strncmp(words[i], prefix, len) == 0 && seen++ == state)
            return words[i];
    return NULL;
}

const char *vdb_session_complete(vdb_session *s, const char *command, const char *prefix, size_t state)
{
    char err[VDB_ERR_SIZE];
    const vdb_command *c =
        command && command[0] ? vdb_command_find(vdb_commands, VDB_CMD_COUNT, command, err, sizeof err) : NULL;
    if (!command || !command[0] || (c && (c->flags & VDB_NAMES_COMMANDS))) {
        size_t len = strlen(prefix), seen = 0;
        for (size_t i = 0; i < VDB_CMD_COUNT; i++)
            if (strncmp(vdb_commands[i].name, prefix, len) == 0 && seen++ == state)
                return vdb_commands[i].name;
        return NULL;
    }
    if (c && c->id == VDB_CMD_INFO && s)
        return nth_topic(s, prefix, state);  /* without a session: all of them */
    if (c && c->words)
        return nth_match(c->words, prefix, state);
    return vdb_complete_name(s, prefix, state);
}

void vdb_repeat_of(const char *line, char *again, size_t size)
{
    vdb_parsed p;
    char err[VDB_ERR_SIZE];
    again[0] = '\0';
    if (vdb_parse_line(vdb_commands, VDB_CMD_COUNT, line, &p, err, sizeof err) != 1)
        return;
    if (p.command->flags & VDB_REPEATS)
        snprintf(again, size, "%s", line);
    else if (p.command->flags & VDB_GOES_ON)
        snprintf(again, size, "%s", p.command->name);
}
