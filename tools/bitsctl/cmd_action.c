/* suspend, resume, cancel, complete: steering one job. */
#include "bitsctl.h"
#include "bitserr.h"
#include "bitsnames.h"

#include <string.h>

static const struct {
    const char *command;
    uint32_t action;
    const char *done;
} actions[] = {
    { "suspend", BP_ACTION_SUSPEND, "suspended" },
    { "resume", BP_ACTION_RESUME, "resumed" },
    { "cancel", BP_ACTION_CANCEL, "cancelled" },
    { "complete", BP_ACTION_COMPLETE, "completed" },
};

int ctl_is_action(const char *command)
{
    size_t i;

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(actions[i].command, command))
            return 1;
    return 0;
}

/* "{GUID}: suspended, state SUSPENDED"; a success code other than S_OK
 * (Complete's BG_S_PARTIAL_COMPLETE) is worth showing too. */
static void report(struct ctl *ctl, const uint8_t id[16], const char *done, int32_t action_hr)
{
    struct bp_job_info info;
    char guid[39], hr_text[BN_HRESULT_TEXT_MAX], state[32] = "";
    int32_t hr;

    bp_guid_format(id, guid);
    if (ctl_job_info(ctl, id, &info, &hr) == CTL_EXIT_OK && hr >= 0) {
        snprintf(state, sizeof(state), ", state %s",
                 bn_state_name(info.state) ? bn_state_name(info.state) : "?");
        bp_job_info_free(&info);
    }
    if (action_hr == S_OK)
        printf("%s: %s%s\n", guid, done, state);
    else
        printf("%s: %s%s (%s)\n", guid, done, state,
               bn_hresult_format(action_hr, hr_text, sizeof(hr_text)));
}

int cmd_action(struct ctl *ctl, const char *command, int argc, char **argv)
{
    char guid[39], what[64];
    uint8_t id[16];
    int32_t hr;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(actions[i].command, command))
            break;
    if (i == sizeof(actions) / sizeof(actions[0]))
        return ctl_usage_error("unknown command '%s'", command);
    if (argc != 1)
        return ctl_usage_error("%s takes one job: {GUID}, GUID or display name", command);
    rc = ctl_connect(ctl);
    if (rc)
        return rc;
    rc = ctl_resolve_job(ctl, argv[0], id);
    if (rc)
        return rc;
    rc = ctl_job_action(ctl, id, actions[i].action, &hr);
    if (rc)
        return rc;
    if (hr < 0) {
        bp_guid_format(id, guid);
        snprintf(what, sizeof(what), "%s %s", command, guid);
        return ctl_fail_hr(what, hr);
    }
    report(ctl, id, actions[i].done, hr);
    return CTL_EXIT_OK;
}
