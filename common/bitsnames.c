/* Names for BITS enum values and HRESULTs (see bitsnames.h). */
#include "bitsnames.h"
#include "bitserr.h"

#include <stdio.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const state_names[] = {
    "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
    "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED",
};

static const char *const type_names[] = { "DOWNLOAD", "UPLOAD", "UPLOAD_REPLY" };

static const char *const priority_names[] = { "FOREGROUND", "HIGH", "NORMAL", "LOW" };

/* SERVER_CERTIFICATE_CALLBACK (8) came with later SDKs; bitsd never sets it,
 * but a name costs nothing if a future peer does. */
static const char *const context_names[] = {
    "NONE", "UNKNOWN", "GENERAL_QUEUE_MANAGER", "QUEUE_MANAGER_NOTIFICATION",
    "LOCAL_FILE", "REMOTE_FILE", "GENERAL_TRANSPORT", "REMOTE_APPLICATION",
    "SERVER_CERTIFICATE_CALLBACK",
};

static const char *const proxy_usage_names[] = { "PRECONFIG", "NO_PROXY", "OVERRIDE", "AUTODETECT" };

static const char *pick(const char *const *names, size_t count, uint32_t value)
{
    return value < count ? names[value] : NULL;
}

const char *bn_state_name(uint32_t state)
{
    return pick(state_names, COUNT(state_names), state);
}

const char *bn_type_name(uint32_t type)
{
    return pick(type_names, COUNT(type_names), type);
}

const char *bn_priority_name(uint32_t priority)
{
    return pick(priority_names, COUNT(priority_names), priority);
}

const char *bn_context_name(uint32_t context)
{
    return pick(context_names, COUNT(context_names), context);
}

const char *bn_proxy_usage_name(uint32_t usage)
{
    return pick(proxy_usage_names, COUNT(proxy_usage_names), usage);
}

int bn_state_is_resting(uint32_t state)
{
    return state == BP_STATE_TRANSFERRED || state == BP_STATE_ERROR
        || state == BP_STATE_ACKNOWLEDGED || state == BP_STATE_CANCELLED;
}

struct hr_name {
    int32_t hr;
    const char *name;
};

/* NAME(x) takes the value from bitserr.h so the text can never drift from the
 * constant the daemon uses; VALUE() lists documented bitsmsg.h codes that
 * bitserr.h has no macro for (bitsd does not produce them, but a store
 * written by another implementation or a future bitsd may). */
#define NAME(x)       { x, #x }
#define VALUE(v, n)   { BP_HR(v), n }

static const struct hr_name hr_names[] = {
    NAME(S_OK),
    NAME(S_FALSE),
    NAME(E_NOTIMPL),
    NAME(E_INVALIDARG),
    NAME(E_OUTOFMEMORY),
    NAME(E_ACCESSDENIED),
    NAME(E_FAIL),
    NAME(E_POINTER),
    { BP_E_DISK_FULL, "ERROR_DISK_FULL" },
    { BP_E_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND" },
    { BP_E_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND" },
    { BP_E_SERVICE_UNAVAILABLE, "RPC_S_SERVER_UNAVAILABLE" },
    VALUE(0x80070032, "ERROR_NOT_SUPPORTED"),
    VALUE(0x80070020, "ERROR_SHARING_VIOLATION"),
    VALUE(0x80070050, "ERROR_FILE_EXISTS"),
    VALUE(0x800700B7, "ERROR_ALREADY_EXISTS"),
    VALUE(0x8007007B, "ERROR_INVALID_NAME"),
    VALUE(0x80070006, "E_HANDLE"),
    VALUE(0x80004002, "E_NOINTERFACE"),
    VALUE(0x80004004, "E_ABORT"),
    VALUE(0x8000FFFF, "E_UNEXPECTED"),
    VALUE(0x80010108, "RPC_E_DISCONNECTED"),
    VALUE(0x800706BE, "RPC_S_CALL_FAILED"),
    NAME(BG_S_PARTIAL_COMPLETE),
    NAME(BG_S_UNABLE_TO_DELETE_FILES),
    NAME(BG_E_NOT_FOUND),
    NAME(BG_E_INVALID_STATE),
    NAME(BG_E_EMPTY),
    NAME(BG_E_FILE_NOT_AVAILABLE),
    NAME(BG_E_PROTOCOL_NOT_AVAILABLE),
    NAME(BG_S_ERROR_CONTEXT_NONE),
    NAME(BG_E_ERROR_CONTEXT_UNKNOWN),
    NAME(BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER),
    NAME(BG_E_ERROR_CONTEXT_LOCAL_FILE),
    NAME(BG_E_ERROR_CONTEXT_REMOTE_FILE),
    NAME(BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT),
    NAME(BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION),
    NAME(BG_E_DESTINATION_LOCKED),
    NAME(BG_E_VOLUME_CHANGED),
    NAME(BG_E_ERROR_INFORMATION_UNAVAILABLE),
    NAME(BG_E_NETWORK_DISCONNECTED),
    NAME(BG_E_MISSING_FILE_SIZE),
    NAME(BG_E_INSUFFICIENT_HTTP_SUPPORT),
    NAME(BG_E_INSUFFICIENT_RANGE_SUPPORT),
    NAME(BG_E_REMOTE_NOT_SUPPORTED),
    NAME(BG_E_NEW_OWNER_DIFF_MAPPING),
    NAME(BG_E_NEW_OWNER_NO_FILE_ACCESS),
    NAME(BG_E_PROXY_LIST_TOO_LARGE),
    NAME(BG_E_PROXY_BYPASS_LIST_TOO_LARGE),
    NAME(BG_E_INVALID_SERVER_RESPONSE),
    NAME(BG_E_TOO_MANY_FILES),
    NAME(BG_E_LOCAL_FILE_CHANGED),
    NAME(BG_E_ERROR_CONTEXT_REMOTE_APPLICATION),
    NAME(BG_E_SESSION_NOT_FOUND),
    NAME(BG_E_TOO_LARGE),
    NAME(BG_E_STRING_TOO_LONG),
    NAME(BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH),
    NAME(BG_E_SERVER_EXECUTE_ENABLE),
    NAME(BG_E_NO_PROGRESS),
    NAME(BG_E_USERNAME_TOO_LARGE),
    NAME(BG_E_PASSWORD_TOO_LARGE),
    NAME(BG_E_INVALID_AUTH_TARGET),
    NAME(BG_E_INVALID_AUTH_SCHEME),
    NAME(BG_E_FILE_NOT_FOUND),
    NAME(BG_S_PROXY_CHANGED),
    NAME(BG_E_INVALID_RANGE),
    NAME(BG_E_OVERLAPPING_RANGES),
    NAME(BG_E_CONNECT_FAILURE),
    NAME(BG_E_CONNECTION_CLOSED),
    NAME(BG_E_KEEP_ALIVE_FAILURE),
    NAME(BG_E_MESSAGE_LENGTH_LIMIT_EXCEEDED),
    NAME(BG_E_NAME_RESOLUTION_FAILURE),
    NAME(BG_E_PENDING),
    NAME(BG_E_PIPELINE_FAILURE),
    NAME(BG_E_PROTOCOL_ERROR),
    NAME(BG_E_PROXY_NAME_RESOLUTION_FAILURE),
    NAME(BG_E_RECEIVE_FAILURE),
    NAME(BG_E_REQUEST_CANCELED),
    NAME(BG_E_SECURE_CHANNEL_FAILURE),
    NAME(BG_E_SEND_FAILURE),
    NAME(BG_E_SERVER_PROTOCOL_VIOLATION),
    NAME(BG_E_TIMEOUT),
    NAME(BG_E_TRUST_FAILURE),
    NAME(BG_E_UNKNOWN_ERROR),
    NAME(BG_E_BLOCKED_BY_POLICY),
    NAME(BG_E_INVALID_PROXY_INFO),
    NAME(BG_E_INVALID_CREDENTIALS),
    VALUE(0x80200041, "BG_E_INVALID_HASH_ALGORITHM"),
    VALUE(0x80200042, "BG_E_RECORD_DELETED"),
    VALUE(0x80200043, "BG_E_COMMIT_IN_PROGRESS"),
    VALUE(0x80200044, "BG_E_DISCOVERY_IN_PROGRESS"),
    VALUE(0x80200045, "BG_E_UPNP_ERROR"),
    VALUE(0x80200046, "BG_E_TEST_OPTION_BLOCKED_DOWNLOAD"),
    VALUE(0x80200047, "BG_E_PEERCACHING_DISABLED"),
    VALUE(0x80200048, "BG_E_BUSYCACHERECORD"),
    NAME(BG_E_TOO_MANY_JOBS_PER_USER),
    NAME(BG_E_TOO_MANY_JOBS_PER_MACHINE),
    NAME(BG_E_TOO_MANY_FILES_IN_JOB),
    NAME(BG_E_TOO_MANY_RANGES_IN_FILE),
    VALUE(0x80200053, "BG_E_VALIDATION_FAILED"),
    VALUE(0x80200054, "BG_E_MAXDOWNLOAD_TIMEOUT"),
    VALUE(0x00200055, "BG_S_OVERRIDDEN_BY_POLICY"),
    VALUE(0x80200056, "BG_E_TOKEN_REQUIRED"),
    VALUE(0x80200057, "BG_E_UNKNOWN_PROPERTY_ID"),
    VALUE(0x80200058, "BG_E_READ_ONLY_PROPERTY"),
    VALUE(0x80200059, "BG_E_BLOCKED_BY_COST_TRANSFER_POLICY"),
    VALUE(0x80200060, "BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY"),
    VALUE(0x80200061, "BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE"),
    VALUE(0x80200062, "BG_E_READ_ONLY_PROPERTY_AFTER_RESUME"),
    VALUE(0x80200063, "BG_E_MAX_DOWNLOAD_SIZE_INVALID_VALUE"),
    VALUE(0x80200064, "BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED"),
    VALUE(0x80200065, "BG_E_STANDBY_MODE"),
    VALUE(0x80200066, "BG_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED"),
    VALUE(0x80200067, "BG_E_BLOCKED_BY_BATTERY_POLICY"),
    VALUE(0x80200068, "BG_E_BLOCKED_BY_BATTERY_SAVER"),
    VALUE(0x80200069, "BG_E_WATCHDOG_TIMEOUT"),
    VALUE(0x8020006A, "BG_E_APP_PACKAGE_NOT_FOUND"),
    VALUE(0x8020006B, "BG_E_APP_PACKAGE_SCENARIO_NOT_SUPPORTED"),
    VALUE(0x8020006C, "BG_E_DATABASE_CORRUPT"),
    VALUE(0x8020006D, "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"),
    VALUE(0x8020006E, "BG_E_BLOCKED_BY_BACKGROUND_ACCESS_POLICY"),
    VALUE(0x8020006F, "BG_E_BLOCKED_BY_GAME_MODE"),
    VALUE(0x80200070, "BG_E_BLOCKED_BY_SYSTEM_POLICY"),
    VALUE(0x80200071, "BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD"),
    VALUE(0x80200072, "BG_E_UNSUPPORTED_JOB_CONFIGURATION"),
    VALUE(0x80200073, "BG_E_REMOTE_FILE_CHANGED"),
    VALUE(0x80200074, "BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED"),
    VALUE(0x80200075, "BG_E_READ_ONLY_WHEN_JOB_ACTIVE"),
    VALUE(0x80200076, "BG_E_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK"),
};

#undef NAME
#undef VALUE

const char *bn_hresult_name(int32_t hr)
{
    size_t i;

    for (i = 0; i < COUNT(hr_names); i++)
        if (hr_names[i].hr == hr)
            return hr_names[i].name;
    return NULL;
}

/* BG_E_HTTP_ERROR_nnn is 0x80190000 + the status; any three-digit status
 * a server can send gets its name, not only the ones bitsmsg.h spells out. */
static int http_status_of(int32_t hr, unsigned *status)
{
    uint32_t v = (uint32_t)hr;

    if (v < 0x80190000u + 100 || v > 0x80190000u + 599)
        return 0;
    *status = v - 0x80190000u;
    return 1;
}

char *bn_hresult_symbol(int32_t hr, char *out, size_t size)
{
    const char *name = bn_hresult_name(hr);
    unsigned status;

    if (!size)
        return NULL;
    if (name)
        snprintf(out, size, "%s", name);
    else if (http_status_of(hr, &status))
        snprintf(out, size, "BG_E_HTTP_ERROR_%u", status);
    else
        return NULL;
    return out;
}

char *bn_hresult_format(int32_t hr, char *out, size_t size)
{
    char symbol[64];

    if (!size)
        return out;
    if (bn_hresult_symbol(hr, symbol, sizeof(symbol)))
        snprintf(out, size, "0x%08lX (%s)", (unsigned long)(uint32_t)hr, symbol);
    else
        snprintf(out, size, "0x%08lX", (unsigned long)(uint32_t)hr);
    return out;
}
