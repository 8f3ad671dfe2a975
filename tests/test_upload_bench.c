/*
 * Engine-only throughput check (not a ctest test): uploads or downloads one
 * file through the transfer engine and prints the time taken.
 *
 *   test_upload_bench upload|upload-reply|download <url> <file> [reply file]
 *
 * Compare with "curl -T <file> <server>/put/<name>" against the same
 * bits-server; bench/run does the same end to end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer.h"

static int done;
static struct xfer_result result;

static int on_checkpoint(void *ctx, const struct xfer_checkpoint *cp) { return 0; }
static void on_progress(void *ctx, uint64_t a, uint64_t b, uint64_t c, uint64_t d) { }
static void on_finished(void *ctx, const struct xfer_result *r) { result = *r; done = 1; }

int main(int argc, char **argv)
{
    static const struct xfer_callbacks cb = {
        .checkpoint = on_checkpoint, .progress = on_progress, .finished = on_finished,
    };
    struct xfer_request req;
    struct xfer_engine *e;
    struct timespec t0, t1;
    struct rusage ru;
    double secs;

    if (argc < 4) {
        fprintf(stderr, "usage: %s upload|upload-reply|download <url> <file> [reply]\n", argv[0]);
        return 2;
    }
    memset(&req, 0, sizeof(req));
    req.kind = !strcmp(argv[1], "download") ? XFER_DOWNLOAD
             : !strcmp(argv[1], "upload-reply") ? XFER_UPLOAD_REPLY : XFER_UPLOAD;
    req.url = argv[2];
    req.local_path = argv[3];
    req.temp_path = argv[3];
    req.reply_path = argc > 4 ? argv[4] : NULL;
    req.content_name = strrchr(argv[3], '/') ? strrchr(argv[3], '/') + 1 : argv[3];
    req.proxy_usage = BP_PROXY_NO_PROXY;
    req.resume.total = BP_SIZE_UNKNOWN;
    req.resume.reply_total = BP_SIZE_UNKNOWN;

    e = xfer_engine_new();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!e || !xfer_start(e, &req, &cb, NULL))
        return 1;
    while (!done) {
        xfer_engine_wait(e, NULL, 0, 1000);
        xfer_engine_run(e);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    getrusage(RUSAGE_SELF, &ru);
    printf("hr 0x%08x seconds %.3f max_rss_kib %ld\n", (unsigned)result.hr, secs, ru.ru_maxrss);
    xfer_engine_free(e);
    return result.hr == S_OK ? 0 : 1;
}
