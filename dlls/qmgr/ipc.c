/*
 * The bitsd client: finds the prefix's state directory, connects over TCP
 * on 127.0.0.1 with the token bitsd wrote there, starts bitsd when nobody
 * answers, and runs synchronous requests over one connection.
 *
 * Wire format: common/bitsproto.h.  Runtime layout: HACKING.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ws2tcpip.h>
#include <sddl.h>

#include "qmgr_private.h"

#define IPC_START_TIMEOUT_MS    10000
#define IPC_RETRY_INTERVAL_MS   100
/* bitsd answers every request from its store at once; a reply that takes
 * this long means bitsd hangs, and the connection is given up. */
#define IPC_REPLY_TIMEOUT_MS    120000

static CRITICAL_SECTION request_cs;
static CRITICAL_SECTION_DEBUG request_cs_debug =
{
    0, 0, &request_cs,
    { &request_cs_debug.ProcessLocksList, &request_cs_debug.ProcessLocksList },
    0, 0, 0
};
static CRITICAL_SECTION request_cs = { &request_cs_debug, -1, 0, 0, 0, 0 };
static SOCKET request_sock = INVALID_SOCKET;
static LONG seq_counter;

static INIT_ONCE init_once = INIT_ONCE_STATIC_INIT;
static char state_dir[MAX_PATH * 3];    /* Unix: <prefix>/bitsd */
static char prefix_dir[MAX_PATH * 3];   /* Unix: <prefix> */
static char owner_sid[256];
static BOOL winsock_ready;

/* ---- one-time setup: winsock, prefix, owner ---- */

typedef char * (CDECL *unix_name_fn)(const WCHAR *);
typedef WCHAR * (CDECL *dos_name_fn)(const char *);

static void *kernel32_proc(const char *name)
{
    return (void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"), name);
}

static BOOL strip_suffix(char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    if (n < m || strcmp(s + n - m, suffix))
        return FALSE;
    s[n - m] = 0;
    return TRUE;
}

/* wine_get_unix_file_name(L"C:\\") gives "<prefix>/dosdevices/c:/" (the
 * symlink is not resolved); a resolved "<prefix>/drive_c/" is accepted too. */
static BOOL find_prefix(void)
{
    unix_name_fn to_unix = kernel32_proc("wine_get_unix_file_name");
    char *c_drive;
    size_t len;

    if (!to_unix || !(c_drive = to_unix(L"C:\\")))
    {
        WARN("cannot map C:\\ to a Unix path; not running under Wine?\n");
        return FALSE;
    }
    len = strlen(c_drive);
    if (len >= sizeof(prefix_dir))
    {
        HeapFree(GetProcessHeap(), 0, c_drive);
        return FALSE;
    }
    strcpy(prefix_dir, c_drive);
    HeapFree(GetProcessHeap(), 0, c_drive);
    while (len > 1 && prefix_dir[len - 1] == '/')
        prefix_dir[--len] = 0;
    if (!strip_suffix(prefix_dir, "/dosdevices/c:") && !strip_suffix(prefix_dir, "/drive_c"))
    {
        WARN("unexpected C: mapping %s\n", prefix_dir);
        return FALSE;
    }
    snprintf(state_dir, sizeof(state_dir), "%s/bitsd", prefix_dir);
    TRACE("prefix %s\n", prefix_dir);
    return TRUE;
}

static void find_owner_sid(void)
{
    BYTE buf[256];
    TOKEN_USER *user = (TOKEN_USER *)buf;
    DWORD size;
    HANDLE token;
    char *text;

    strcpy(owner_sid, "S-1-5-18");  /* LocalSystem if the token cannot be read */
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return;
    if (GetTokenInformation(token, TokenUser, buf, sizeof(buf), &size)
            && ConvertSidToStringSidA(user->User.Sid, &text))
    {
        lstrcpynA(owner_sid, text, sizeof(owner_sid));
        LocalFree(text);
    }
    CloseHandle(token);
}

static BOOL CALLBACK ipc_init(INIT_ONCE *once, void *param, void **context)
{
    WSADATA wsa;

    winsock_ready = !WSAStartup(MAKEWORD(2, 2), &wsa);
    find_prefix();
    find_owner_sid();
    return TRUE;
}

static BOOL ipc_ready(void)
{
    InitOnceExecuteOnce(&init_once, ipc_init, NULL, NULL);
    return winsock_ready && state_dir[0];
}

const char *ipc_owner_sid(void)
{
    ipc_ready();
    return owner_sid;
}

/* ---- state files ---- */

/* Reads a small file given by its Unix path into buf (NUL-terminated,
 * trailing white space removed). */
static BOOL read_state_file(const char *unix_path, char *buf, DWORD size)
{
    dos_name_fn to_dos = kernel32_proc("wine_get_dos_file_name");
    WCHAR *dos = to_dos ? to_dos(unix_path) : NULL;
    HANDLE file;
    DWORD got = 0;
    BOOL ok;

    if (!dos)
        return FALSE;
    file = CreateFileW(dos, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_EXISTING, 0, NULL);
    HeapFree(GetProcessHeap(), 0, dos);
    if (file == INVALID_HANDLE_VALUE)
        return FALSE;
    ok = ReadFile(file, buf, size - 1, &got, NULL);
    CloseHandle(file);
    if (!ok)
        return FALSE;
    while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r' || buf[got - 1] == ' '))
        got--;
    buf[got] = 0;
    return got > 0;
}

static BOOL read_endpoint(unsigned short *port, char token[BP_TOKEN_LEN + 1])
{
    char path[sizeof(state_dir) + 16], buf[128];
    unsigned long value;
    char *end;

    snprintf(path, sizeof(path), "%s/port", state_dir);
    if (!read_state_file(path, buf, sizeof(buf)))
        return FALSE;
    value = strtoul(buf, &end, 10);
    if (*end || !value || value > 65535)
        return FALSE;
    *port = (unsigned short)value;
    snprintf(path, sizeof(path), "%s/token", state_dir);
    if (!read_state_file(path, buf, sizeof(buf)) || strlen(buf) != BP_TOKEN_LEN)
        return FALSE;
    strcpy(token, buf);
    return TRUE;
}

/* ---- framing ---- */

static BOOL send_all(SOCKET s, const uint8_t *data, size_t len)
{
    while (len)
    {
        int n = send(s, (const char *)data, len > 65536 ? 65536 : (int)len, 0);
        if (n <= 0)
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

static BOOL recv_all(SOCKET s, uint8_t *data, size_t len)
{
    while (len)
    {
        int n = recv(s, (char *)data, len > 65536 ? 65536 : (int)len, 0);
        if (n <= 0)
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

HRESULT ipc_send_frame(SOCKET s, const struct bp_writer *w)
{
    if (w->failed)
        return E_OUTOFMEMORY;
    return send_all(s, w->data, w->len) ? S_OK : BP_E_SERVICE_UNAVAILABLE;
}

HRESULT ipc_recv_frame(SOCKET s, struct ipc_frame *frame)
{
    uint8_t header[BP_HEADER_SIZE];

    memset(frame, 0, sizeof(*frame));
    if (!recv_all(s, header, sizeof(header)))
        return BP_E_SERVICE_UNAVAILABLE;
    if (bp_parse_header(header, &frame->len, &frame->type, &frame->seq))
    {
        WARN("malformed frame header from bitsd\n");
        return BP_E_SERVICE_UNAVAILABLE;
    }
    if (!(frame->payload = malloc(frame->len ? frame->len : 1)))
        return E_OUTOFMEMORY;
    if (!recv_all(s, frame->payload, frame->len))
    {
        free(frame->payload);
        frame->payload = NULL;
        return BP_E_SERVICE_UNAVAILABLE;
    }
    return S_OK;
}

void ipc_begin(struct bp_writer *w, uint16_t type)
{
    bp_writer_init(w);
    bp_begin_frame(w, type, 0);
}

void ipc_set_seq(struct bp_writer *w, uint32_t seq)
{
    if (w->failed || w->len < BP_HEADER_SIZE)
        return;
    w->data[8] = (uint8_t)seq;
    w->data[9] = (uint8_t)(seq >> 8);
    w->data[10] = (uint8_t)(seq >> 16);
    w->data[11] = (uint8_t)(seq >> 24);
}

uint32_t ipc_next_seq(void)
{
    uint32_t seq;

    /* 0 is reserved for events pushed by bitsd. */
    while (!(seq = (uint32_t)InterlockedIncrement(&seq_counter)))
        ;
    return seq;
}

/* ---- connecting ---- */

static HRESULT say_hello(SOCKET s, const char *token, uint32_t flags)
{
    struct bp_writer w;
    struct ipc_frame reply;
    struct bp_reader rd;
    uint32_t seq = ipc_next_seq();
    HRESULT hr;

    ipc_begin(&w, BP_HELLO);
    bp_put_str(&w, token);
    bp_put_u32(&w, BP_VERSION);
    bp_put_u32(&w, GetCurrentProcessId());
    bp_put_str(&w, owner_sid);
    bp_put_u32(&w, flags);
    bp_end_frame(&w);
    ipc_set_seq(&w, seq);
    hr = ipc_send_frame(s, &w);
    bp_writer_free(&w);
    if (FAILED(hr))
        return hr;
    if (FAILED(hr = ipc_recv_frame(s, &reply)))
        return hr;
    bp_reader_init(&rd, reply.payload, reply.len);
    hr = bp_get_i32(&rd);
    if (rd.failed || reply.seq != seq)
        hr = BP_E_SERVICE_UNAVAILABLE;
    free(reply.payload);
    return hr;
}

static HRESULT try_connect(uint32_t flags, SOCKET *out)
{
    char token[BP_TOKEN_LEN + 1];
    struct sockaddr_in addr;
    unsigned short port;
    SOCKET s;
    HRESULT hr;
    BOOL nodelay = TRUE;

    if (!read_endpoint(&port, token))
        return BP_E_SERVICE_UNAVAILABLE;
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET)
        return BP_E_SERVICE_UNAVAILABLE;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)))
    {
        closesocket(s);
        return BP_E_SERVICE_UNAVAILABLE;
    }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&nodelay, sizeof(nodelay));
    hr = say_hello(s, token, flags);
    SecureZeroMemory(token, sizeof(token));
    if (FAILED(hr))
    {
        TRACE("HELLO refused: %#lx\n", hr);
        closesocket(s);
        return hr == E_OUTOFMEMORY ? hr : BP_E_SERVICE_UNAVAILABLE;
    }
    *out = s;
    return S_OK;
}

/* Runs the bitsd named in <state>/daemon with --prefix.  bitsd keeps one
 * instance per prefix, so a second start while one is coming up is
 * harmless. */
static BOOL start_daemon(void)
{
    dos_name_fn to_dos = kernel32_proc("wine_get_dos_file_name");
    char path[sizeof(state_dir) + 16], daemon[MAX_PATH * 3];
    WCHAR *dos, *cmdline;
    STARTUPINFOW si = { sizeof(si) };
    PROCESS_INFORMATION pi;
    size_t len;
    BOOL started;
    int n;

    snprintf(path, sizeof(path), "%s/daemon", state_dir);
    if (!read_state_file(path, daemon, sizeof(daemon)))
    {
        WARN("no %s: run `winebits install`\n", path);
        return FALSE;
    }
    dos = to_dos ? to_dos(daemon) : NULL;
    if (!dos)
        return FALSE;
    len = wcslen(dos) + strlen(prefix_dir) + 32;
    if (!(cmdline = malloc(len * sizeof(WCHAR))))
    {
        HeapFree(GetProcessHeap(), 0, dos);
        return FALSE;
    }
    n = _snwprintf(cmdline, len, L"\"%s\" --prefix \"", dos);
    HeapFree(GetProcessHeap(), 0, dos);
    if (n < 0 || !MultiByteToWideChar(CP_UTF8, 0, prefix_dir, -1, cmdline + n, len - n - 2))
    {
        free(cmdline);
        return FALSE;
    }
    wcscat(cmdline, L"\"");
    TRACE("starting %s\n", debugstr_w(cmdline));
    started = CreateProcessW(NULL, cmdline, NULL, NULL, FALSE,
                             CREATE_NO_WINDOW | DETACHED_PROCESS, NULL, NULL, &si, &pi);
    if (started)
    {
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
    }
    else
        WARN("cannot start bitsd %s: error %lu\n", daemon, GetLastError());
    free(cmdline);
    return started;
}

HRESULT ipc_connect(uint32_t hello_flags, SOCKET *out)
{
    DWORD waited;

    *out = INVALID_SOCKET;
    if (!ipc_ready())
        return BP_E_SERVICE_UNAVAILABLE;
    if (SUCCEEDED(try_connect(hello_flags, out)))
        return S_OK;
    /* Nothing to wait for when no bitsd could be started. */
    if (!start_daemon())
        return BP_E_SERVICE_UNAVAILABLE;
    for (waited = 0; waited < IPC_START_TIMEOUT_MS; waited += IPC_RETRY_INTERVAL_MS)
    {
        Sleep(IPC_RETRY_INTERVAL_MS);
        if (SUCCEEDED(try_connect(hello_flags, out)))
            return S_OK;
    }
    WARN("bitsd did not answer within %u ms\n", IPC_START_TIMEOUT_MS);
    return BP_E_SERVICE_UNAVAILABLE;
}

/* ---- requests ---- */

/* An idle request connection has nothing to read; if it has, bitsd closed
 * it (it was restarted) and the connection is replaced before use. */
static BOOL connection_alive(SOCKET s)
{
    fd_set readable;
    struct timeval zero = { 0, 0 };

    FD_ZERO(&readable);
    FD_SET(s, &readable);
    return select(0, &readable, NULL, NULL, &zero) == 0;
}

static void drop_request_connection(void)
{
    if (request_sock != INVALID_SOCKET)
        closesocket(request_sock);
    request_sock = INVALID_SOCKET;
}

static HRESULT ensure_request_connection(void)
{
    DWORD timeout = IPC_REPLY_TIMEOUT_MS;
    HRESULT hr;

    if (request_sock != INVALID_SOCKET && connection_alive(request_sock))
        return S_OK;
    drop_request_connection();
    if (FAILED(hr = ipc_connect(0, &request_sock)))
        return hr;
    setsockopt(request_sock, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof(timeout));
    return S_OK;
}

/* Requests that must not be sent twice when bitsd may already have acted
 * on the first copy. */
static BOOL safe_to_resend(uint16_t type)
{
    return type != BP_CREATE_JOB && type != BP_ADD_FILE;
}

/* One round trip.  *retry tells whether trying again on a new connection
 * makes sense: not when connecting failed (that already waited for bitsd),
 * nor when bitsd may have acted on a request that must not run twice. */
static HRESULT round_trip(struct bp_writer *w, struct ipc_frame *frame, BOOL *retry)
{
    uint32_t seq = ipc_next_seq();
    uint16_t type = (uint16_t)(w->data[4] | w->data[5] << 8);
    HRESULT hr;

    *retry = FALSE;
    if (FAILED(hr = ensure_request_connection()))
        return hr;
    *retry = TRUE;
    ipc_set_seq(w, seq);
    if (FAILED(hr = ipc_send_frame(request_sock, w)))
        return hr;
    *retry = safe_to_resend(type);
    if (FAILED(hr = ipc_recv_frame(request_sock, frame)))
        return hr;
    if (frame->seq != seq)
    {
        WARN("reply seq %u for request %u\n", frame->seq, seq);
        free(frame->payload);
        return BP_E_SERVICE_UNAVAILABLE;
    }
    return S_OK;
}

HRESULT ipc_call(struct bp_writer *w, struct ipc_reply *reply)
{
    struct ipc_frame frame;
    uint16_t type = w->len >= 6 ? (uint16_t)(w->data[4] | w->data[5] << 8) : 0;
    BOOL retry;
    HRESULT hr;

    memset(reply, 0, sizeof(*reply));
    bp_end_frame(w);
    if (w->failed)
    {
        bp_writer_free(w);
        return E_OUTOFMEMORY;
    }
    EnterCriticalSection(&request_cs);
    hr = round_trip(w, &frame, &retry);
    if (hr == BP_E_SERVICE_UNAVAILABLE && retry)
    {
        TRACE("bitsd connection lost, reconnecting\n");
        drop_request_connection();
        hr = round_trip(w, &frame, &retry);
    }
    if (FAILED(hr))
        drop_request_connection();
    LeaveCriticalSection(&request_cs);
    bp_writer_free(w);
    if (FAILED(hr))
        return hr;

    reply->buf = frame.payload;
    bp_reader_init(&reply->rd, frame.payload, frame.len);
    hr = bp_get_i32(&reply->rd);
    if (reply->rd.failed)
    {
        ipc_reply_free(reply);
        return BP_E_SERVICE_UNAVAILABLE;
    }
    TRACE("request %u -> %#lx\n", type, hr);
    return hr;
}

void ipc_reply_free(struct ipc_reply *reply)
{
    free(reply->buf);
    memset(reply, 0, sizeof(*reply));
}

HRESULT ipc_call_simple(struct bp_writer *w)
{
    struct ipc_reply reply;
    HRESULT hr = ipc_call(w, &reply);

    ipc_reply_free(&reply);
    return hr;
}

HRESULT ipc_job_info(const GUID *id, struct bp_job_info *info)
{
    struct bp_writer w;
    struct ipc_reply reply;
    HRESULT hr;

    ipc_begin(&w, BP_JOB_INFO);
    bp_put_guid(&w, (const uint8_t *)id);
    if (FAILED(hr = ipc_call(&w, &reply)))
    {
        ipc_reply_free(&reply);
        return hr;
    }
    if (bp_get_job_info(&reply.rd, info))
    {
        WARN("malformed JOB_INFO reply\n");
        hr = BP_E_SERVICE_UNAVAILABLE;
    }
    ipc_reply_free(&reply);
    return hr;
}

void ipc_shutdown(void)
{
    EnterCriticalSection(&request_cs);
    drop_request_connection();
    LeaveCriticalSection(&request_cs);
}
