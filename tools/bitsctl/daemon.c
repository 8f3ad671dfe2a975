/* Finding the prefix and its bitsd; the few requests bitsctl sends. */
#include "bitsctl.h"
#include "bitserr.h"
#include "bitsnames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* bitsctl is the machine's administrator view.  The SID given in the hello
 * only becomes the owner of jobs the connection creates and filters
 * ENUM_JOBS without the all-users flag; bitsctl does neither, so it
 * introduces itself as LocalSystem, like a service would. */
#define CTL_SID "S-1-5-18"

/* A daemon that accepted the connection answers at once; a long wait means
 * it is wedged, and the user is better told so than left hanging. */
#define CTL_TIMEOUT_MS 10000

/* --prefix, then $WINEPREFIX, then ~/.wine: the order Wine itself uses. */
int ctl_find_prefix(struct ctl *ctl, const char *given)
{
    char buf[PATH_MAX];
    const char *env = getenv("WINEPREFIX"), *home = getenv("HOME");
    int n;

    if (given && *given)
        n = snprintf(buf, sizeof(buf), "%s", given);
    else if (env && *env)
        n = snprintf(buf, sizeof(buf), "%s", env);
    else if (home && *home)
        n = snprintf(buf, sizeof(buf), "%s/.wine", home);
    else {
        fprintf(stderr, "bitsctl: no --prefix, WINEPREFIX or HOME\n");
        return CTL_EXIT_USAGE;
    }
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        fprintf(stderr, "bitsctl: prefix path too long\n");
        return CTL_EXIT_USAGE;
    }
    /* A prefix that does not exist keeps its spelling: it is still the
     * prefix the user meant when we say that no bitsd runs there. */
    if (!realpath(buf, ctl->prefix))
        snprintf(ctl->prefix, sizeof(ctl->prefix), "%s", buf);
    snprintf(ctl->statedir, sizeof(ctl->statedir), "%s/bitsd", ctl->prefix);
    return CTL_EXIT_OK;
}

int ctl_connect(struct ctl *ctl)
{
    if (ipc_connect(&ctl->ipc, ctl->statedir, CTL_SID, 0) == 0) {
        ctl->ipc.timeout_ms = CTL_TIMEOUT_MS;
        return CTL_EXIT_OK;
    }
    /* No port file, or nobody listens on it: the ordinary "not running".
     * Anything else (a refused token, no permission to read the state
     * directory) is worth its reason. */
    if (errno == ENOENT || errno == ECONNREFUSED)
        fprintf(stderr, "bitsctl: bitsd is not running for prefix %s\n", ctl->prefix);
    else
        fprintf(stderr, "bitsctl: bitsd is not running for prefix %s (%s)\n", ctl->prefix,
                errno == EACCES ? "it did not accept the token in bitsd/token" : strerror(errno));
    ipc_close(&ctl->ipc);
    return CTL_EXIT_NO_DAEMON;
}

void ctl_disconnect(struct ctl *ctl)
{
    ipc_close(&ctl->ipc);
}

static int lost(struct ctl *ctl)
{
    fprintf(stderr, "bitsctl: lost the connection to bitsd for prefix %s: %s\n", ctl->prefix,
            strerror(errno));
    return CTL_EXIT_NO_DAEMON;
}

static int malformed(struct ctl *ctl, const char *what)
{
    fprintf(stderr, "bitsctl: bitsd sent a malformed %s reply\n", what);
    errno = EPROTO;
    return lost(ctl);
}

int ctl_enum_jobs(struct ctl *ctl, uint8_t (**ids)[16], uint32_t *count, int32_t *hr)
{
    struct bp_reader r;
    uint32_t i, n;

    *ids = NULL;
    *count = 0;
    ipc_begin(&ctl->ipc, BP_ENUM_JOBS);
    bp_put_u32(&ctl->ipc.req, 1);  /* BG_JOB_ENUM_ALL_USERS */
    if (ipc_call(&ctl->ipc, &r, hr) < 0)
        return lost(ctl);
    if (*hr < 0)
        return CTL_EXIT_OK;
    n = bp_get_u32(&r);
    /* Each id is 16 bytes: a count the payload cannot hold is a lie. */
    if (r.failed || n > r.left / 16)
        return malformed(ctl, "ENUM_JOBS");
    *ids = malloc((n ? n : 1) * sizeof(**ids));
    if (!*ids) {
        *hr = E_OUTOFMEMORY;
        return CTL_EXIT_OK;
    }
    for (i = 0; i < n; i++)
        bp_get_guid(&r, (*ids)[i]);
    if (r.failed) {
        free(*ids);
        *ids = NULL;
        return malformed(ctl, "ENUM_JOBS");
    }
    *count = n;
    return CTL_EXIT_OK;
}

int ctl_job_info(struct ctl *ctl, const uint8_t id[16], struct bp_job_info *info, int32_t *hr)
{
    struct bp_reader r;

    memset(info, 0, sizeof(*info));
    ipc_begin(&ctl->ipc, BP_JOB_INFO);
    bp_put_guid(&ctl->ipc.req, id);
    if (ipc_call(&ctl->ipc, &r, hr) < 0)
        return lost(ctl);
    if (*hr < 0)
        return CTL_EXIT_OK;
    if (bp_get_job_info(&r, info) < 0) {
        memset(info, 0, sizeof(*info));
        return malformed(ctl, "JOB_INFO");
    }
    return CTL_EXIT_OK;
}

int ctl_job_action(struct ctl *ctl, const uint8_t id[16], uint32_t action, int32_t *hr)
{
    struct bp_reader r;

    ipc_begin(&ctl->ipc, BP_JOB_ACTION);
    bp_put_guid(&ctl->ipc.req, id);
    bp_put_u32(&ctl->ipc.req, action);
    if (ipc_call(&ctl->ipc, &r, hr) < 0)
        return lost(ctl);
    return CTL_EXIT_OK;
}

int ctl_fail_hr(const char *what, int32_t hr)
{
    char text[BN_HRESULT_TEXT_MAX];

    fprintf(stderr, "bitsctl: %s: %s\n", what, bn_hresult_format(hr, text, sizeof(text)));
    return CTL_EXIT_FAILED;
}
