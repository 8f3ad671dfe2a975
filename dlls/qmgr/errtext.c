/*
 * Texts for GetErrorDescription and GetErrorContextDescription.
 *
 * BITS codes (facility 0x20) and HTTP status codes (0x8019xxxx) are
 * described from the table below, in English: this implementation has no
 * translations, so every LanguageId gets the English text rather than
 * ERROR_RESOURCE_LANG_NOT_FOUND (programs pass the thread's language).
 * Everything else goes to the system message table.
 */
#include <stdio.h>

#include "qmgr_private.h"

struct error_text
{
    HRESULT code;
    const WCHAR *text;
};

static const struct error_text bits_texts[] =
{
    { BG_S_PARTIAL_COMPLETE, L"Some of the job's files were not transferred; only the completed files were kept." },
    { BG_S_UNABLE_TO_DELETE_FILES, L"The job finished, but some of its temporary files could not be deleted." },
    { BG_E_NOT_FOUND, L"The requested job was not found in the transfer queue." },
    { BG_E_INVALID_STATE, L"This operation is not allowed in the job's current state." },
    { BG_E_EMPTY, L"The job has no files to transfer." },
    { BG_E_FILE_NOT_AVAILABLE, L"The error is not associated with a file." },
    { BG_E_PROTOCOL_NOT_AVAILABLE, L"The error did not occur while a protocol was in use." },
    { BG_S_ERROR_CONTEXT_NONE, L"No error has occurred." },
    { BG_E_ERROR_CONTEXT_UNKNOWN, L"The error occurred in an unknown location." },
    { BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, L"The error occurred in the Background Intelligent Transfer Service (BITS) queue manager." },
    { BG_E_ERROR_CONTEXT_LOCAL_FILE, L"The error occurred while the local file was being processed. Verify that the file is not in use and try again." },
    { BG_E_ERROR_CONTEXT_REMOTE_FILE, L"The error occurred while the remote file was being processed." },
    { BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT, L"The error occurred in the transport layer, while talking to the server." },
    { BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION, L"The error occurred while the notification callback was being processed. BITS will try again later." },
    { BG_E_DESTINATION_LOCKED, L"The destination file is locked by another program." },
    { BG_E_VOLUME_CHANGED, L"The volume that holds the destination file has changed." },
    { BG_E_ERROR_INFORMATION_UNAVAILABLE, L"No error information is available: the job has not failed." },
    { BG_E_NETWORK_DISCONNECTED, L"No network connection is active on this computer." },
    { BG_E_MISSING_FILE_SIZE, L"The server did not report the size of the file. The URL might point to dynamic content." },
    { BG_E_INSUFFICIENT_HTTP_SUPPORT, L"The server does not support HTTP 1.1." },
    { BG_E_INSUFFICIENT_RANGE_SUPPORT, L"The server does not support the Content-Range header needed to resume the transfer." },
    { BG_E_REMOTE_NOT_SUPPORTED, L"Remote use of BITS is not supported." },
    { BG_E_NEW_OWNER_DIFF_MAPPING, L"The drive letter mapping of the new owner differs from the current owner's." },
    { BG_E_NEW_OWNER_NO_FILE_ACCESS, L"The new owner cannot access the job's local files." },
    { BG_E_PROXY_LIST_TOO_LARGE, L"The proxy list is longer than 32,000 characters." },
    { BG_E_PROXY_BYPASS_LIST_TOO_LARGE, L"The proxy bypass list is longer than 32,000 characters." },
    { BG_E_INVALID_SERVER_RESPONSE, L"The server's answer did not follow the BITS upload protocol." },
    { BG_E_TOO_MANY_FILES, L"An upload job can hold only one file." },
    { BG_E_LOCAL_FILE_CHANGED, L"The local file changed while it was being uploaded." },
    { BG_E_ERROR_CONTEXT_REMOTE_APPLICATION, L"The error was reported by the server application that processes uploaded files." },
    { BG_E_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK, L"The error occurred while the server certificate validation callback was being processed." },
    { BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED, L"The server certificate validation callback of the job could not be called. Set it again and resume the job." },
    { BG_E_SESSION_NOT_FOUND, L"The server no longer knows the upload session." },
    { BG_E_TOO_LARGE, L"The data is larger than the limit allowed here (the server's upload limit, or 1 MB for reply data)." },
    { BG_E_STRING_TOO_LONG, L"The string is longer than allowed." },
    { BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH, L"The client and the server have no upload protocol version in common." },
    { BG_E_SERVER_EXECUTE_ENABLE, L"Scripting or execute permission is enabled on the server's upload directory; BITS refuses to upload there." },
    { BG_E_NO_PROGRESS, L"The job made no progress within its no-progress timeout." },
    { BG_E_USERNAME_TOO_LARGE, L"The user name is longer than 300 characters." },
    { BG_E_PASSWORD_TOO_LARGE, L"The password is longer than allowed." },
    { BG_E_INVALID_AUTH_TARGET, L"The authentication target is not valid." },
    { BG_E_INVALID_AUTH_SCHEME, L"The authentication scheme is not valid." },
    { BG_E_FILE_NOT_FOUND, L"The file was not found." },
    { BG_S_PROXY_CHANGED, L"The proxy server was changed." },
    { BG_E_INVALID_RANGE, L"A byte range is not valid." },
    { BG_E_OVERLAPPING_RANGES, L"Byte ranges overlap." },
    { BG_E_CONNECT_FAILURE, L"The connection to the server failed." },
    { BG_E_CONNECTION_CLOSED, L"The server closed the connection." },
    { BG_E_KEEP_ALIVE_FAILURE, L"The connection was closed prematurely." },
    { BG_E_MESSAGE_LENGTH_LIMIT_EXCEEDED, L"The server response exceeded the maximum size." },
    { BG_E_NAME_RESOLUTION_FAILURE, L"The server name could not be resolved." },
    { BG_E_PENDING, L"The request is pending." },
    { BG_E_PIPELINE_FAILURE, L"The request failed in the HTTP pipeline." },
    { BG_E_PROTOCOL_ERROR, L"The response received from the server was incomplete." },
    { BG_E_PROXY_NAME_RESOLUTION_FAILURE, L"The proxy server name could not be resolved." },
    { BG_E_RECEIVE_FAILURE, L"A complete response was not received from the server." },
    { BG_E_REQUEST_CANCELED, L"The request was canceled." },
    { BG_E_SECURE_CHANNEL_FAILURE, L"A secure (TLS) connection to the server could not be established." },
    { BG_E_SEND_FAILURE, L"A complete request could not be sent to the server." },
    { BG_E_SERVER_PROTOCOL_VIOLATION, L"The server response was not valid." },
    { BG_E_TIMEOUT, L"The operation timed out." },
    { BG_E_TRUST_FAILURE, L"The server's certificate is not trusted." },
    { BG_E_BLOCKED_BY_POLICY, L"The transfer is blocked by group policy." },
    { BG_E_INVALID_PROXY_INFO, L"The proxy settings are not valid." },
    { BG_E_INVALID_CREDENTIALS, L"The credentials are not valid." },
    { BG_E_UNKNOWN_ERROR, L"An unknown error occurred." },
    { BP_HR(0x00200055), L"The setting was saved but is overridden by group policy." },
    { BP_HR(0x8020003E), L"Group policy blocks this operation." },
    { BP_HR(0x8020003F), L"The proxy information is not valid." },
    { BP_HR(0x80200040), L"The credentials are not valid." },
    { BG_E_TOO_MANY_JOBS_PER_USER, L"The user has reached the maximum number of jobs allowed by policy." },
    { BG_E_TOO_MANY_JOBS_PER_MACHINE, L"The computer has reached the maximum number of jobs allowed by policy." },
    { BG_E_TOO_MANY_FILES_IN_JOB, L"The job has reached the maximum number of files allowed by policy." },
    { BG_E_TOO_MANY_RANGES_IN_FILE, L"The file has reached the maximum number of byte ranges allowed by policy." },
    { BP_E_SERVICE_UNAVAILABLE, L"The BITS daemon (bitsd) is not available." },
};

struct http_text
{
    unsigned int status;
    const WCHAR *text;
};

static const struct http_text http_texts[] =
{
    { 400, L"the request was malformed" },
    { 401, L"the server requires authentication" },
    { 402, L"payment is required" },
    { 403, L"access to the resource is forbidden" },
    { 404, L"the requested URL does not exist on the server" },
    { 405, L"the method is not allowed for this URL" },
    { 406, L"no acceptable response could be produced" },
    { 407, L"the proxy requires authentication" },
    { 408, L"the server timed out waiting for the request" },
    { 409, L"the request conflicts with the resource's state" },
    { 410, L"the resource is gone" },
    { 411, L"the server requires a content length" },
    { 412, L"a precondition failed" },
    { 413, L"the request is larger than the server accepts" },
    { 414, L"the URL is longer than the server accepts" },
    { 415, L"the media type is not supported" },
    { 416, L"the requested range cannot be satisfied" },
    { 449, L"the request should be retried" },
    { 500, L"the server hit an internal error" },
    { 501, L"the server does not support the requested function" },
    { 502, L"a gateway received a bad response" },
    { 503, L"the service is temporarily unavailable" },
    { 504, L"a gateway timed out" },
    { 505, L"the HTTP version is not supported" },
};

static const WCHAR *bits_text(HRESULT code)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(bits_texts); i++)
        if (bits_texts[i].code == code)
            return bits_texts[i].text;
    return NULL;
}

static HRESULT http_text(HRESULT code, WCHAR **out)
{
    unsigned int status = (unsigned int)code - 0x80190000u;
    const WCHAR *reason = L"the request failed";
    WCHAR buf[160];
    size_t i;

    for (i = 0; i < ARRAYSIZE(http_texts); i++)
        if (http_texts[i].status == status)
            reason = http_texts[i].text;
    _snwprintf(buf, ARRAYSIZE(buf), L"HTTP status %u: %s.", status, reason);
    buf[ARRAYSIZE(buf) - 1] = 0;
    return cotask_strdupW(buf, out);
}

static BOOL is_http_status_code(HRESULT code)
{
    unsigned int value = (unsigned int)code;
    return value >= 0x80190064u && value <= 0x80190257u;   /* 100..599 */
}

/* FormatMessage knows Win32 codes by number and some HRESULTs by value. */
static HRESULT system_text(HRESULT code, WCHAR **out)
{
    DWORD flags = FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS
                  | FORMAT_MESSAGE_ALLOCATE_BUFFER;
    WCHAR *text = NULL;
    DWORD len = FormatMessageW(flags, NULL, code, 0, (WCHAR *)&text, 0, NULL);
    HRESULT hr;

    if (!len && HRESULT_FACILITY(code) == FACILITY_WIN32)
        len = FormatMessageW(flags, NULL, HRESULT_CODE(code), 0, (WCHAR *)&text, 0, NULL);
    if (!len)
        return HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND);
    /* Trailing line break of message-table texts. */
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = 0;
    hr = cotask_strdupW(text, out);
    LocalFree(text);
    return hr;
}

HRESULT error_text(HRESULT code, DWORD langid, WCHAR **out)
{
    const WCHAR *text;

    *out = NULL;
    if ((text = bits_text(code)))
        return cotask_strdupW(text, out);
    if (is_http_status_code(code))
        return http_text(code, out);
    return system_text(code, out);
}

HRESULT error_context_text(ULONG context, DWORD langid, WCHAR **out)
{
    static const HRESULT context_codes[] =
    {
        BG_S_ERROR_CONTEXT_NONE,
        BG_E_ERROR_CONTEXT_UNKNOWN,
        BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER,
        BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION,
        BG_E_ERROR_CONTEXT_LOCAL_FILE,
        BG_E_ERROR_CONTEXT_REMOTE_FILE,
        BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT,
        BG_E_ERROR_CONTEXT_REMOTE_APPLICATION,
        BG_E_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK,
    };

    *out = NULL;
    if (context >= ARRAYSIZE(context_codes))
        return error_text(BG_E_ERROR_CONTEXT_UNKNOWN, langid, out);
    return error_text(context_codes[context], langid, out);
}
