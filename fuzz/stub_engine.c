/*
 * A transfer engine that never touches the network, for fuzz_ipc: fuzzed
 * URLs must not reach a server.  A started transfer simply stays running
 * until the scheduler aborts it.
 */
#include <stdlib.h>

#include "transfer.h"
#include "bitserr.h"

struct xfer_engine {
    unsigned running;
};

struct xfer {
    struct xfer_engine *e;
};

struct xfer_engine *xfer_engine_new(void)
{
    return calloc(1, sizeof(struct xfer_engine));
}

void xfer_engine_free(struct xfer_engine *e)
{
    free(e);
}

int xfer_engine_wait(struct xfer_engine *e, struct curl_waitfd *extra, unsigned n_extra,
                     int timeout_ms)
{
    return 0;
}

void xfer_engine_run(struct xfer_engine *e)
{
}

long xfer_engine_timeout(struct xfer_engine *e)
{
    return -1;
}

struct xfer *xfer_start(struct xfer_engine *e, const struct xfer_request *req,
                        const struct xfer_callbacks *cb, void *ctx)
{
    struct xfer *x = calloc(1, sizeof(*x));

    if (!x)
        return NULL;
    x->e = e;
    e->running++;
    return x;
}

void xfer_abort(struct xfer *x)
{
    if (!x)
        return;
    x->e->running--;
    free(x);
}

/* Never asks for a verdict (no handshake), so any answer is ignored. */
void xfer_cert_verdict(struct xfer *x, int32_t hr)
{
}

void xfer_cancel_session(struct xfer_engine *e, const char *url, const char *session_id,
                         const char *host_id, const struct xfer_credential *creds, unsigned n,
                         void (*done)(void *ctx, int32_t hr), void *ctx)
{
    if (done)
        done(ctx, S_OK);
}
