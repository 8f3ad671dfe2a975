/*
 * Asking the prefix's bitsd how it is, for `winebits status`: HELLO with the
 * token from the state directory and count the jobs, through the daemon's
 * own native IPC client (service/ipcclient.h).
 */
#include "winebits.h"
#include "ipcclient.h"

#include <stdio.h>

#define IO_TIMEOUT_MS   3000
/* The SID Wine gives the prefix's user; it only names the caller. */
#define WINE_USER_SID   "S-1-5-21-0-0-0-1000"
#define ENUM_ALL_USERS  1u  /* BG_JOB_ENUM_ALL_USERS */

/* Jobs of every user when bitsd allows that, else the caller's; -1 when
 * bitsd will not say. */
static long count_jobs(struct ipc_client *c)
{
    static const uint32_t flags[] = { ENUM_ALL_USERS, 0 };
    unsigned i;

    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        struct bp_reader reply;
        uint32_t count;
        int32_t hr;

        ipc_begin(c, BP_ENUM_JOBS);
        bp_put_u32(&c->req, flags[i]);
        if (ipc_call(c, &reply, &hr) < 0)
            return -1;
        if (hr < 0)
            continue;
        count = bp_get_u32(&reply);
        return reply.failed ? -1 : (long)count;
    }
    return -1;
}

int wb_daemon_hello(const char *prefix, int port, long *job_count)
{
    char statedir[WB_PATH_MAX], token[BP_TOKEN_LEN + 1];
    struct ipc_client c;
    unsigned file_port;

    *job_count = -1;
    if (wb_path(statedir, sizeof(statedir), prefix, "bitsd") < 0)
        return -1;
    if (ipc_read_port_token(statedir, &file_port, token) < 0)
        return -1;
    if (ipc_connect_to(&c, (unsigned)port, token, WINE_USER_SID, 0) < 0)
        return -1;
    c.timeout_ms = IO_TIMEOUT_MS;
    *job_count = count_jobs(&c);
    ipc_close(&c);
    return 0;
}
