/*
 * The newer interfaces' side of downloads (download.c calls in here):
 *
 *  - AddFileWithRanges: only the listed ranges of the remote file are
 *    fetched, one "Range: bytes=a-b" request per range, and written to the
 *    temporary file back to back in the order given (the documented
 *    layout).  The checkpoint's byte count (st.acked) counts bytes of that
 *    concatenation, so a resumed transfer knows the range and the offset in
 *    it.  A range beyond the end of the remote file is BG_E_INVALID_RANGE;
 *    a server that answers a range request with the whole file (200) is
 *    BG_E_INSUFFICIENT_RANGE_SUPPORT.
 *  - BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE: a larger file stops the job with
 *    BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED before any byte is written.
 *  - BITS_JOB_PROPERTY_DYNAMIC_CONTENT: no size is needed and no Range is
 *    sent; every run starts the file again from 0.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer_int.h"
#include "dlranges.h"

int dlr_ranged(const struct xfer *x)
{
    return x->n_ranges && x->kind == XFER_DOWNLOAD && x->dl.have == &x->st.acked;
}

/* Length of range i, or BP_SIZE_UNKNOWN while a to-the-end range has no
 * known remote size.  'sum' is the known total of the concatenation (from
 * the checkpoint), which also fixes the open range's length. */
static uint64_t range_len(const struct xfer *x, unsigned i)
{
    const struct bp_range *r = &x->ranges[i];
    uint64_t others = 0;
    unsigned k;

    if (r->length != BP_LENGTH_TO_EOF)
        return r->length;
    if (x->remote_size != BP_SIZE_UNKNOWN)
        return x->remote_size > r->offset ? x->remote_size - r->offset : 0;
    if (*x->dl.total == BP_SIZE_UNKNOWN)
        return BP_SIZE_UNKNOWN;
    for (k = 0; k < x->n_ranges; k++)
        if (k != i)
            others += x->ranges[k].length;
    return *x->dl.total - others;
}

/* Which range the byte 'have' of the concatenation falls in, and where. */
static unsigned range_at(const struct xfer *x, uint64_t have, uint64_t *off)
{
    uint64_t len;
    unsigned i;

    for (i = 0; i + 1 < x->n_ranges; i++) {
        len = range_len(x, i);
        if (len == BP_SIZE_UNKNOWN || have < len)
            break;
        have -= len;
    }
    *off = have;
    return i;
}

static uint64_t ranges_total(const struct xfer *x)
{
    uint64_t sum = 0, len;
    unsigned i;

    for (i = 0; i < x->n_ranges; i++) {
        if ((len = range_len(x, i)) == BP_SIZE_UNKNOWN)
            return BP_SIZE_UNKNOWN;
        sum += len;
    }
    return sum;
}

void dlr_range_header(struct xfer *x, char *out, size_t size)
{
    uint64_t off, len;
    unsigned i = range_at(x, *x->dl.have, &off);
    const struct bp_range *r = &x->ranges[i];

    len = range_len(x, i);
    if (r->length == BP_LENGTH_TO_EOF || len == BP_SIZE_UNKNOWN)
        snprintf(out, size, "%" PRIu64 "-", r->offset + off);
    else
        snprintf(out, size, "%" PRIu64 "-%" PRIu64, r->offset + off, r->offset + len - 1);
}

/* Head of a ranged answer: 0 to go on, or the error to stop with. */
static int32_t decide_ranged(struct xfer *x, int *need_cp, int *restart)
{
    const char *cr = http_op_response_header(&x->op, "Content-Range");
    uint64_t first, last, remote, off, total;
    unsigned i, k;

    if (x->op.status == 416)
        return BG_E_INVALID_RANGE;
    if (x->op.status != 206 || !cr || http_parse_content_range(cr, &first, &last, &remote) < 0)
        return BG_E_INSUFFICIENT_RANGE_SUPPORT;
    i = range_at(x, *x->dl.have, &off);
    if (first != x->ranges[i].offset + off)
        return BG_E_INSUFFICIENT_RANGE_SUPPORT;
    if (remote == BP_SIZE_UNKNOWN)
        return BG_E_MISSING_FILE_SIZE;
    if (x->remote_size != BP_SIZE_UNKNOWN && x->remote_size != remote) {
        *restart = 1;
        return 0;
    }
    x->remote_size = remote;
    for (k = 0; k < x->n_ranges; k++) {
        const struct bp_range *r = &x->ranges[k];
        if (r->offset >= remote
            || (r->length != BP_LENGTH_TO_EOF && r->offset + r->length > remote))
            return BG_E_INVALID_RANGE;
    }
    total = ranges_total(x);
    if (*x->dl.total != BP_SIZE_UNKNOWN && *x->dl.total != total) {
        *restart = 1;       /* the remote file changed size under an open range */
        return 0;
    }
    if (*x->dl.total != total)
        *need_cp = 1;
    *x->dl.total = total;
    return 0;
}

int32_t dlr_decide(struct xfer *x, int *need_cp, int *restart, int *handled)
{
    *handled = 0;
    if (dlr_ranged(x)) {
        *handled = 1;
        return decide_ranged(x, need_cp, restart);
    }
    return 0;
}

int32_t dlr_check_size(const struct xfer *x)
{
    if (x->max_size && x->dl.have == &x->st.acked && *x->dl.total != BP_SIZE_UNKNOWN
        && *x->dl.total > x->max_size)
        return BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED;
    return 0;
}

int dlr_more_ranges(const struct xfer *x)
{
    return dlr_ranged(x) && *x->dl.total != BP_SIZE_UNKNOWN && *x->dl.have < *x->dl.total
           && *x->dl.have > x->dl.request_start;
}

int dlr_dynamic(const struct xfer *x)
{
    return x->dynamic && x->kind == XFER_DOWNLOAD && x->dl.have == &x->st.acked;
}

void dlr_report_headers(struct xfer *x)
{
    char *text;

    if (!x->cb.headers || x->kind != XFER_DOWNLOAD || x->dl.have != &x->st.acked || !x->op.status)
        return;
    text = http_op_headers_text(&x->op);
    if (text)
        x->cb.headers(x->ctx, text);
    free(text);
}
