/* list and info: what the queue holds. */
#include "bitsctl.h"
#include "bitserr.h"

#include <stdlib.h>
#include <string.h>

/* Fetches JOB_INFO for every id; jobs that finished since ENUM_JOBS are no
 * longer in the queue and are left out.  Returns an exit status. */
static int fetch_all(struct ctl *ctl, uint8_t (*ids)[16], uint32_t count,
                     struct bp_job_info **infos, size_t *n)
{
    int32_t hr;
    uint32_t i;
    int rc;

    *n = 0;
    *infos = calloc(count ? count : 1, sizeof(**infos));
    if (!*infos)
        return ctl_fail_hr("cannot list jobs", E_OUTOFMEMORY);
    for (i = 0; i < count; i++) {
        rc = ctl_job_info(ctl, ids[i], &(*infos)[*n], &hr);
        if (rc)
            return rc;
        if (hr >= 0)
            (*n)++;
    }
    return CTL_EXIT_OK;
}

int cmd_list(struct ctl *ctl, int argc, char **argv)
{
    struct bp_job_info *infos = NULL;
    uint8_t (*ids)[16];
    uint32_t count;
    struct json j;
    size_t i, n = 0;
    int32_t hr;
    int a, rc;

    /* --all is bitsadmin's /allusers spelled for Linux.  bitsctl is the
     * machine's administrator view, so every owner's jobs are listed with
     * or without it; it is accepted so the habit does not fail. */
    for (a = 0; a < argc; a++)
        if (strcmp(argv[a], "--all"))
            return ctl_usage_error("list: unexpected argument '%s'", argv[a]);
    rc = ctl_connect(ctl);
    if (rc)
        return rc;
    rc = ctl_enum_jobs(ctl, &ids, &count, &hr);
    if (rc)
        return rc;
    if (hr < 0)
        return ctl_fail_hr("cannot list jobs", hr);
    rc = fetch_all(ctl, ids, count, &infos, &n);
    free(ids);
    if (!rc && ctl->json) {
        json_init(&j, stdout);
        json_begin_array(&j);
        for (i = 0; i < n; i++)
            json_job(&j, &infos[i], 0);
        json_end_array(&j);
        json_finish(&j);
    } else if (!rc)
        text_list(stdout, infos, n);
    for (i = 0; i < n; i++)
        bp_job_info_free(&infos[i]);
    free(infos);
    return rc;
}

int cmd_info(struct ctl *ctl, int argc, char **argv)
{
    struct bp_job_info info;
    char guid[39], what[64];
    struct json j;
    uint8_t id[16];
    int32_t hr;
    int rc;

    if (argc != 1)
        return ctl_usage_error("info takes one job: {GUID}, GUID or display name");
    rc = ctl_connect(ctl);
    if (rc)
        return rc;
    rc = ctl_resolve_job(ctl, argv[0], id);
    if (rc)
        return rc;
    rc = ctl_job_info(ctl, id, &info, &hr);
    if (rc)
        return rc;
    if (hr < 0) {
        bp_guid_format(id, guid);
        snprintf(what, sizeof(what), "info %s", guid);
        return ctl_fail_hr(what, hr);
    }
    if (ctl->json) {
        json_init(&j, stdout);
        json_job(&j, &info, 1);
        json_finish(&j);
    } else
        text_info(stdout, &info);
    bp_job_info_free(&info);
    return CTL_EXIT_OK;
}
