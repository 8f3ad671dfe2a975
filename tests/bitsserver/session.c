/*
 * Upload sessions: a table of reference-counted entries, each with its own
 * lock (BITS is lock-step per session, but a client that lost a connection
 * may retry on a new one while the old request is still being read) and a
 * directory ROOT/sessions/<id>/ holding "data" and "reply".
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct session *table;

int session_path(const struct session *s, const char *file, char out[PATH_MAX])
{
    return path_join(out, s->dir, file);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

struct session *session_create(enum session_kind kind, const char *name, const char *producer,
                               const char *request_url, const char *query)
{
    char sessions[PATH_MAX];
    struct session *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    random_guid_text(s->id);
    s->kind = kind;
    copy_str(s->name, sizeof(s->name), name);
    copy_str(s->producer, sizeof(s->producer), producer);
    copy_str(s->request_url, sizeof(s->request_url), request_url);
    copy_str(s->query, sizeof(s->query), query);
    if (path_join(sessions, config.root, "sessions") < 0 ||
        path_join(s->dir, sessions, s->id) < 0 || mkdir_p(s->dir) < 0) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->refs = 1;                        /* the table's reference */
    pthread_mutex_lock(&table_lock);
    s->next = table;
    table = s;
    pthread_mutex_unlock(&table_lock);
    return s;
}

/* Drops one reference; the last one of a removed session deletes its data. */
static void session_unref(struct session *s)
{
    int last;

    pthread_mutex_lock(&table_lock);
    last = --s->refs == 0;
    pthread_mutex_unlock(&table_lock);
    if (!last)
        return;
    remove_flat_dir(s->dir);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

struct session *session_acquire(const char *id)
{
    struct session *s;
    int dead;

    if (!id)
        return NULL;
    pthread_mutex_lock(&table_lock);
    for (s = table; s; s = s->next)
        if (!strcasecmp(s->id, id))
            break;
    if (s)
        s->refs++;
    pthread_mutex_unlock(&table_lock);
    if (!s)
        return NULL;
    pthread_mutex_lock(&s->lock);
    pthread_mutex_lock(&table_lock);
    dead = s->dead;
    pthread_mutex_unlock(&table_lock);
    if (dead) {
        /* Closed, cancelled or forgotten while we waited for the lock. */
        pthread_mutex_unlock(&s->lock);
        session_unref(s);
        return NULL;
    }
    return s;
}

void session_release(struct session *s)
{
    pthread_mutex_unlock(&s->lock);
    session_unref(s);
}

/* Unlinks 's' from the table; the caller holds table_lock. */
static int unlink_locked(struct session *s)
{
    struct session **pp;

    for (pp = &table; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            s->dead = 1;
            return 1;
        }
    }
    return 0;
}

void session_remove(struct session *s)
{
    int found;

    pthread_mutex_lock(&table_lock);
    found = unlink_locked(s);
    pthread_mutex_unlock(&table_lock);
    if (!found)
        return;
    /* The caller holds the session lock, so no packet of this session is
     * using the files: delete them now, before the Ack goes out. */
    remove_flat_dir(s->dir);
    session_unref(s);                   /* the table's reference */
}

void sessions_forget_all(void)
{
    struct session *list, *s, *next;

    pthread_mutex_lock(&table_lock);
    list = table;
    table = NULL;
    for (s = list; s; s = s->next)
        s->dead = 1;
    pthread_mutex_unlock(&table_lock);
    /* Packets in flight notice 'dead' when they are done; the data goes
     * with the last reference. */
    for (s = list; s; s = next) {
        next = s->next;
        session_unref(s);
    }
}
