/* Helpers of the BITS 1.5 conformance programs (see conform.h). */
#include <winsock2.h>
#include <ws2tcpip.h>

#include "conform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

BOOL ct_null_refused(HRESULT hr)
{
    return hr == E_INVALIDARG || hr == HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER) ||
           hr == E_POINTER;
}

IBackgroundCopyJob2 *ct_new_job(IBackgroundCopyManager *mgr, const WCHAR *name, BG_JOB_TYPE type)
{
    IBackgroundCopyJob2 *job = NULL;
    HRESULT hr = bt_create_job(mgr, name, type, &job);

    ok(hr == S_OK, "CreateJob(%ls, type %d): %#lx\n", name, (int)type, hr);
    return hr == S_OK ? job : NULL;
}

BG_JOB_STATE ct_state(IBackgroundCopyJob2 *job)
{
    BG_JOB_STATE state = (BG_JOB_STATE)-1;
    HRESULT hr = IBackgroundCopyJob2_GetState(job, &state);

    ok(hr == S_OK, "GetState: %#lx\n", hr);
    return state;
}

void ct_drop_job(IBackgroundCopyJob2 *job)
{
    BG_JOB_STATE state;

    if (!job)
        return;
    if (SUCCEEDED(IBackgroundCopyJob2_GetState(job, &state)) &&
        state != BG_JOB_STATE_ACKNOWLEDGED && state != BG_JOB_STATE_CANCELLED)
        IBackgroundCopyJob2_Cancel(job);
    IBackgroundCopyJob2_Release(job);
}

WCHAR *ct_repeat(WCHAR c, size_t count)
{
    WCHAR *s = HeapAlloc(GetProcessHeap(), 0, (count + 1) * sizeof(WCHAR));
    size_t i;

    if (!s)
        return NULL;
    for (i = 0; i < count; i++)
        s[i] = c;
    s[count] = 0;
    return s;
}

/* "http://127.0.0.1:PORT" -> PORT */
static int server_port(const struct bt_args *args)
{
    const WCHAR *colon = wcsrchr(args->base_url, ':');

    return colon ? _wtoi(colon + 1) : 0;
}

static BOOL send_all(SOCKET s, const char *data, int len)
{
    while (len > 0) {
        int n = send(s, data, len, 0);
        if (n <= 0)
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

int ct_http_get(const struct bt_args *args, const char *path, char *body, size_t size)
{
    static char response[65536];
    struct sockaddr_in addr;
    WSADATA wsa;
    SOCKET s;
    char request[1024];
    int got = 0, n, status = 0;
    char *start;

    if (size)
        body[0] = 0;
    if (WSAStartup(MAKEWORD(2, 2), &wsa))
        return 0;
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        WSACleanup();
        return 0;
    }
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((u_short)server_port(args));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    snprintf(request, sizeof(request),
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (!connect(s, (struct sockaddr *)&addr, sizeof(addr)) &&
        send_all(s, request, (int)strlen(request))) {
        while (got < (int)sizeof(response) - 1 &&
               (n = recv(s, response + got, (int)sizeof(response) - 1 - got, 0)) > 0)
            got += n;
        response[got] = 0;
        if (sscanf(response, "HTTP/1.%*d %d", &status) != 1)
            status = 0;
        start = strstr(response, "\r\n\r\n");
        if (start && size)
            lstrcpynA(body, start + 4, (int)size);
    }
    closesocket(s);
    WSACleanup();
    return status;
}

BOOL ct_server_control(const struct bt_args *args, const char *query)
{
    char path[512], body[256];
    int status;

    snprintf(path, sizeof(path), "/_control?%s", query);
    status = ct_http_get(args, path, body, sizeof(body));
    ok(status == 200, "bits-server /_control?%s: status %d (%s)\n", query, status, body);
    return status == 200;
}

LONGLONG ct_server_stat(const struct bt_args *args, const char *name)
{
    static char body[16384];
    size_t len = strlen(name);
    const char *line = body;

    if (ct_http_get(args, "/_stats", body, sizeof(body)) != 200)
        return -1;
    while (line && *line) {
        if (!strncmp(line, name, len) && line[len] == ' ')
            return _atoi64(line + len + 1);
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -1;
}

void ct_served_path(WCHAR *out, const struct bt_args *args, const WCHAR *name)
{
    swprintf(out, MAX_PATH, L"%ls\\files\\%ls", args->server_root, name);
}

BG_JOB_STATE ct_wait_for_state(IBackgroundCopyJob2 *job, BG_JOB_STATE want)
{
    DWORD start = GetTickCount();
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;

    for (;;) {
        if (FAILED(IBackgroundCopyJob2_GetState(job, &state)))
            return (BG_JOB_STATE)-1;
        if (state == want || state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR ||
            state == BG_JOB_STATE_ACKNOWLEDGED || state == BG_JOB_STATE_CANCELLED)
            return state;
        if (GetTickCount() - start > BT_WAIT_MS) {
            trace("job still %s after %u ms\n", bt_state_name(state), (unsigned)BT_WAIT_MS);
            return state;
        }
        Sleep(20);
    }
}
