/*
 * Size pass of a download job: Windows BITS learns the size of every file
 * of a job before it transfers the first byte, so the job's BytesTotal
 * goes from BG_SIZE_UNKNOWN to the full sum at once instead of growing
 * file by file.  The daemon hands the files whose size it does not know
 * yet in xfer_request.probes; this asks for each (HEAD for a URL, stat for
 * a local file), one after the other on the transfer's own http_op, and
 * reports what it learned through xfer_callbacks.size_known.
 *
 * A file whose size cannot be learned here (no HEAD support, no
 * Content-Length, an error status, a missing local file) is skipped: its
 * own transfer finds the size or reports the error against the right file
 * when it gets there, so the pass never fails a job by itself.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer_int.h"

static void probe_step(struct xfer *x);

void sizepass_release(struct xfer *x)
{
    unsigned i;

    for (i = 0; i < x->n_probes; i++) {
        free((char *)x->probes[i].url);
        free((char *)x->probes[i].path);
    }
    free(x->probes);
    x->probes = NULL;
    x->n_probes = 0;
    x->probe_pos = 0;
}

static void report_size(struct xfer *x, uint64_t size)
{
    if (x->cb.size_known)
        x->cb.size_known(x->ctx, x->probes[x->probe_pos].index, size);
}

/* The pass is over: the transfer proper starts at the next run. */
static void pass_done(struct xfer *x)
{
    xfer_step_fn next = x->probe_next;

    sizepass_release(x);
    xfer_schedule(x, next);
}

static void advance(struct xfer *x)
{
    x->probe_pos++;
    xfer_schedule(x, probe_step);
}

static void on_head(struct http_op *op, CURLcode rc)
{
    struct xfer *x = op->owner;
    const char *length = http_op_response_header(op, "Content-Length");
    uint64_t size;

    if (rc == CURLE_OK && op->status >= 200 && op->status < 300 && !http_bits_error(op)
        && length && http_parse_u64(length, &size) == 0)
        report_size(x, size);
    advance(x);
}

static void probe_url(struct xfer *x, const char *url)
{
    if (http_op_prepare(&x->op, url, &x->conf) < 0) {
        advance(x);
        return;
    }
    curl_easy_setopt(x->op.easy, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(x->op.easy, CURLOPT_FOLLOWLOCATION, 1L);
    if (http_op_start(&x->op, on_head) < 0)
        advance(x);
}

static void probe_step(struct xfer *x)
{
    const struct xfer_probe *p;
    struct stat sb;

    if (x->probe_pos >= x->n_probes) {
        pass_done(x);
        return;
    }
    p = &x->probes[x->probe_pos];
    if (p->path) {
        if (stat(p->path, &sb) == 0 && S_ISREG(sb.st_mode))
            report_size(x, (uint64_t)sb.st_size);
        advance(x);
        return;
    }
    if (!p->url) {
        advance(x);
        return;
    }
    probe_url(x, p->url);
}

void sizepass_begin(struct xfer *x, xfer_step_fn next)
{
    x->probe_next = next;
    x->probe_pos = 0;
    probe_step(x);
}
