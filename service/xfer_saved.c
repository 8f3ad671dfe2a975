/*
 * The owned copy of a transfer checkpoint (struct xfer_saved, transfer.h):
 * the engine keeps its running state in one, the daemon its record of a
 * job's current file.  Both the engine and the daemon core link this file;
 * test_jobs replaces the engine but keeps it.
 */
#include <stdlib.h>
#include <string.h>

#include "transfer_int.h"

/* Replaces *field by a copy of value (NULL allowed); -1 when out of memory. */
int xfer_set_str(char **field, const char *value)
{
    char *copy = NULL;

    if (value && !(copy = strdup(value)))
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

void xfer_saved_clear(struct xfer_saved *s)
{
    free(s->session_id);
    free(s->host_id);
    free(s->reply_url);
    free(s->validator);
    memset(s, 0, sizeof(*s));
    s->total = BP_SIZE_UNKNOWN;
    s->reply_total = BP_SIZE_UNKNOWN;
}

int xfer_saved_assign(struct xfer_saved *s, const struct xfer_checkpoint *cp)
{
    s->acked = cp->acked;
    s->total = cp->total;
    s->upload_done = cp->upload_done;
    s->reply_total = cp->reply_total;
    s->reply_received = cp->reply_received;
    s->source_size = cp->source_size;
    s->source_mtime_ns = cp->source_mtime_ns;
    s->host_fallback = cp->host_fallback;
    s->host_fallback_timeout = cp->host_fallback_timeout;
    s->host_failing_since = cp->host_failing_since;
    if (xfer_set_str(&s->session_id, cp->session_id) || xfer_set_str(&s->host_id, cp->host_id)
        || xfer_set_str(&s->reply_url, cp->reply_url) || xfer_set_str(&s->validator, cp->validator))
        return -1;
    return 0;
}

void xfer_saved_view(const struct xfer_saved *s, struct xfer_checkpoint *cp)
{
    memset(cp, 0, sizeof(*cp));
    cp->session_id = s->session_id;
    cp->host_id = s->host_id;
    cp->acked = s->acked;
    cp->total = s->total;
    cp->upload_done = s->upload_done;
    cp->reply_url = s->reply_url;
    cp->reply_total = s->reply_total;
    cp->reply_received = s->reply_received;
    cp->validator = s->validator;
    cp->source_size = s->source_size;
    cp->source_mtime_ns = s->source_mtime_ns;
    cp->host_fallback = s->host_fallback;
    cp->host_fallback_timeout = s->host_fallback_timeout;
    cp->host_failing_since = s->host_failing_since;
}
