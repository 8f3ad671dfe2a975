/*
 * Downloads of the newer interfaces (dlranges.c): ranges, maximum size,
 * dynamic content and the response headers for IBackgroundCopyFile5.
 */
#ifndef DLRANGES_H
#define DLRANGES_H

#include <stddef.h>
#include <stdint.h>

struct xfer;

/* The file is fetched range by range (AddFileWithRanges). */
int dlr_ranged(const struct xfer *x);
/* "a-b" or "a-" for the range holding the next byte to fetch. */
void dlr_range_header(struct xfer *x, char *out, size_t size);
/* Judges the head of a ranged answer (sets *handled); 0 or the error. */
int32_t dlr_decide(struct xfer *x, int *need_cp, int *restart, int *handled);
/* BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED when the known size is too large, else 0. */
int32_t dlr_check_size(const struct xfer *x);
/* A ranged request ended at the end of its range and more ranges remain. */
int dlr_more_ranges(const struct xfer *x);
/* DYNAMIC_CONTENT: no size needed, no Range. */
int dlr_dynamic(const struct xfer *x);
/* Hands the last answer's headers to the daemon (from xfer_engine_run). */
void dlr_report_headers(struct xfer *x);

#endif
