/* Turning what the user typed into a job id: {GUID}, GUID, or a display
 * name that exactly one job has. */
#include "bitsctl.h"
#include "bitserr.h"

#include <stdlib.h>
#include <string.h>

/* Finds the jobs whose display name is 'name'.  Returns an exit status;
 * *matches counts them and 'id' holds the first. */
static int find_by_name(struct ctl *ctl, const char *name, uint8_t id[16], uint32_t *matches)
{
    struct bp_job_info info;
    uint8_t (*ids)[16];
    uint32_t i, count;
    int32_t hr;
    int rc;

    *matches = 0;
    rc = ctl_enum_jobs(ctl, &ids, &count, &hr);
    if (rc)
        return rc;
    if (hr < 0)
        return ctl_fail_hr("cannot list jobs", hr);
    for (i = 0; i < count; i++) {
        rc = ctl_job_info(ctl, ids[i], &info, &hr);
        if (rc)
            break;
        /* a job that finished between the two requests is simply gone */
        if (hr < 0)
            continue;
        if (info.display_name && !strcmp(info.display_name, name)) {
            char guid[39], clean[300];

            if (*matches == 0)
                memcpy(id, ids[i], 16);
            else {
                if (*matches == 1) {
                    bp_guid_format(id, guid);
                    text_clean(name, clean, sizeof(clean));
                    fprintf(stderr, "bitsctl: more than one job is named \"%s\":\n  %s\n",
                            clean, guid);
                }
                bp_guid_format(ids[i], guid);
                fprintf(stderr, "  %s\n", guid);
            }
            (*matches)++;
        }
        bp_job_info_free(&info);
    }
    free(ids);
    return rc;
}

int ctl_resolve_job(struct ctl *ctl, const char *ref, uint8_t id[16])
{
    uint32_t matches;
    char clean[300];
    int rc;

    if (!*ref)
        return ctl_usage_error("empty job name");
    if (bp_guid_parse(ref, id) == 0)
        return CTL_EXIT_OK;
    rc = find_by_name(ctl, ref, id, &matches);
    if (rc)
        return rc;
    if (matches == 1)
        return CTL_EXIT_OK;
    if (matches == 0) {
        text_clean(ref, clean, sizeof(clean));
        fprintf(stderr, "bitsctl: no job has the id or display name \"%s\"\n", clean);
        return ctl_fail_hr("job lookup", BG_E_NOT_FOUND);
    }
    fprintf(stderr, "bitsctl: give the job's GUID instead\n");
    return CTL_EXIT_FAILED;
}
