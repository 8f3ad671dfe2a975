/*
 * Notifications: the process-wide table of callback sinks (set with
 * IBackgroundCopyJob::SetNotifyInterface) and the events connection to
 * bitsd that carries BP_SUBSCRIBE and BP_EVENT.
 *
 * Three parties share the connection:
 *  - callers send BP_SUBSCRIBE and wait for its reply;
 *  - the reader thread reads every frame: replies wake their waiter,
 *    events are queued (it never blocks on a program's callback, so a
 *    callback may itself call SetNotifyInterface);
 *  - the dispatcher thread calls the sinks in event order and answers each
 *    event with BP_EVENT_RESULT.
 * Windows does not persist callback pointers either: the table lives only
 * in memory, and after a reconnect the reader subscribes its jobs again.
 *
 * BP_EVENT_SERVER_CERT needs no subscription: bitsd asks every events
 * connection, so a process that holds server certificate validation
 * callbacks (httpopts3.c) keeps the connection open with events_hold.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"

#define SUBSCRIBE_TIMEOUT_MS    15000
#define RECONNECT_DELAY_MS      1000

struct sink_entry
{
    GUID job;
    IUnknown *sink;
};

struct waiter
{
    uint32_t seq;
    HRESULT hr;
    HANDLE done;
    struct waiter *next;
};

struct queued_event
{
    GUID job;
    uint32_t event;
    uint32_t file;
    BYTE *extra;            /* BP_EVENT_SERVER_CERT: the rest of the frame */
    size_t extra_len;
    struct queued_event *next;
};

/* events_cs guards everything below, including writes to the socket. */
static CRITICAL_SECTION events_cs;
static CRITICAL_SECTION_DEBUG events_cs_debug =
{
    0, 0, &events_cs,
    { &events_cs_debug.ProcessLocksList, &events_cs_debug.ProcessLocksList },
    0, 0, 0
};
static CRITICAL_SECTION events_cs = { &events_cs_debug, -1, 0, 0, 0, 0 };

static struct sink_entry *sinks;
static size_t sink_count, sink_capacity;
static SOCKET events_sock = INVALID_SOCKET;
static BOOL reader_running;
static struct waiter *waiters;
static struct queued_event *queue_head, *queue_tail;
static HANDLE queue_semaphore;
static LONG holds;          /* events_hold: the connection is wanted without sinks */

/* ---- sink table (events_cs held) ---- */

static struct sink_entry *find_sink(const GUID *job)
{
    size_t i;

    for (i = 0; i < sink_count; i++)
        if (IsEqualGUID(&sinks[i].job, job))
            return &sinks[i];
    return NULL;
}

/* Stores sink (may be NULL to remove) and returns the previous pointer,
 * whose reference passes to the caller. */
static HRESULT swap_sink(const GUID *job, IUnknown *sink, IUnknown **previous)
{
    struct sink_entry *entry = find_sink(job);

    *previous = NULL;
    if (entry)
    {
        *previous = entry->sink;
        if (sink)
            entry->sink = sink;
        else
            *entry = sinks[--sink_count];
        return S_OK;
    }
    if (!sink)
        return S_OK;
    if (sink_count == sink_capacity)
    {
        size_t capacity = sink_capacity ? sink_capacity * 2 : 8;
        struct sink_entry *grown = realloc(sinks, capacity * sizeof(*sinks));
        if (!grown)
            return E_OUTOFMEMORY;
        sinks = grown;
        sink_capacity = capacity;
    }
    sinks[sink_count].job = *job;
    sinks[sink_count].sink = sink;
    sink_count++;
    return S_OK;
}

IUnknown *events_get_sink(const GUID *job)
{
    struct sink_entry *entry;
    IUnknown *sink = NULL;

    EnterCriticalSection(&events_cs);
    if ((entry = find_sink(job)))
    {
        sink = entry->sink;
        IUnknown_AddRef(sink);
    }
    LeaveCriticalSection(&events_cs);
    return sink;
}

/* ---- sending (events_cs held) ---- */

static HRESULT send_subscribe(const GUID *job, BOOL subscribe, uint32_t seq)
{
    struct bp_writer w;
    HRESULT hr;

    if (events_sock == INVALID_SOCKET)
        return BP_E_SERVICE_UNAVAILABLE;
    ipc_begin(&w, BP_SUBSCRIBE);
    bp_put_guid(&w, (const uint8_t *)job);
    bp_put_u32(&w, subscribe ? 1 : 0);
    bp_end_frame(&w);
    ipc_set_seq(&w, seq);
    hr = ipc_send_frame(events_sock, &w);
    bp_writer_free(&w);
    return hr;
}

static void send_event_result(const GUID *job, uint32_t event, HRESULT result)
{
    struct bp_writer w;

    if (events_sock == INVALID_SOCKET)
        return;
    ipc_begin(&w, BP_EVENT_RESULT);
    bp_put_guid(&w, (const uint8_t *)job);
    bp_put_u32(&w, event);
    bp_put_i32(&w, result);
    bp_end_frame(&w);
    ipc_set_seq(&w, ipc_next_seq());
    ipc_send_frame(events_sock, &w);
    bp_writer_free(&w);
}

static void fail_waiters(void)
{
    struct waiter *w;

    for (w = waiters; w; w = w->next)
    {
        w->hr = BP_E_SERVICE_UNAVAILABLE;
        SetEvent(w->done);
    }
}

static void connection_lost(SOCKET s)
{
    EnterCriticalSection(&events_cs);
    if (events_sock == s)
    {
        closesocket(events_sock);
        events_sock = INVALID_SOCKET;
        fail_waiters();
    }
    LeaveCriticalSection(&events_cs);
}

/* ---- dispatcher thread ---- */

static void enqueue_event(const GUID *job, uint32_t event, uint32_t file, const BYTE *extra,
                          size_t extra_len)
{
    struct queued_event *ev = malloc(sizeof(*ev));

    if (!ev)
        return;     /* bitsd gets no answer and treats the event as failed */
    ev->job = *job;
    ev->event = event;
    ev->file = file;
    ev->extra = NULL;
    ev->extra_len = 0;
    if (extra_len && (ev->extra = malloc(extra_len)))
    {
        memcpy(ev->extra, extra, extra_len);
        ev->extra_len = extra_len;
    }
    ev->next = NULL;
    EnterCriticalSection(&events_cs);
    if (queue_tail)
        queue_tail->next = ev;
    else
        queue_head = ev;
    queue_tail = ev;
    LeaveCriticalSection(&events_cs);
    ReleaseSemaphore(queue_semaphore, 1, NULL);
}

static struct queued_event *dequeue_event(void)
{
    struct queued_event *ev;

    WaitForSingleObject(queue_semaphore, INFINITE);
    EnterCriticalSection(&events_cs);
    if ((ev = queue_head) && !(queue_head = ev->next))
        queue_tail = NULL;
    LeaveCriticalSection(&events_cs);
    return ev;
}

static HRESULT call_job_error(IBackgroundCopyCallback *callback, const GUID *id,
                              IBackgroundCopyJob *job)
{
    struct bp_job_info info;
    IBackgroundCopyError *error;
    HRESULT hr;

    if (FAILED(hr = ipc_job_info(id, &info)))
        return hr;
    hr = error_create(id, &info, &error);
    bp_job_info_free(&info);
    if (FAILED(hr))
        return hr;
    hr = IBackgroundCopyCallback_JobError(callback, job, error);
    IBackgroundCopyError_Release(error);
    return hr;
}

static HRESULT call_file_transferred(IUnknown *sink, const GUID *id, IBackgroundCopyJob *job,
                                     uint32_t index)
{
    IBackgroundCopyCallback2 *callback2;
    IBackgroundCopyFile *file;
    struct bp_job_info info;
    HRESULT hr;

    if (FAILED(hr = IUnknown_QueryInterface(sink, &IID_IBackgroundCopyCallback2,
                                            (void **)&callback2)))
        return hr;
    if (SUCCEEDED(hr = ipc_job_info(id, &info)))
    {
        if (index < info.file_count)
            hr = file_create(id, index, &info.files[index], &file);
        else
            hr = BG_E_FILE_NOT_AVAILABLE;
        bp_job_info_free(&info);
        if (SUCCEEDED(hr))
        {
            hr = IBackgroundCopyCallback2_FileTransferred(callback2, job, file);
            IBackgroundCopyFile_Release(file);
        }
    }
    IBackgroundCopyCallback2_Release(callback2);
    return hr;
}

static HRESULT call_sink(IUnknown *sink, const struct queued_event *ev)
{
    IBackgroundCopyCallback *callback;
    IBackgroundCopyJob2 *job2;
    IBackgroundCopyJob *job;
    HRESULT hr;

    if (FAILED(hr = job_create(&ev->job, (ULONG)-1, &job2)))
        return hr;
    job = (IBackgroundCopyJob *)job2;
    if (ev->event == BP_EVENT_FILE_TRANSFERRED)
        hr = call_file_transferred(sink, &ev->job, job, ev->file);
    else if (SUCCEEDED(hr = IUnknown_QueryInterface(sink, &IID_IBackgroundCopyCallback,
                                                    (void **)&callback)))
    {
        switch (ev->event)
        {
        case BP_EVENT_TRANSFERRED:
            hr = IBackgroundCopyCallback_JobTransferred(callback, job);
            break;
        case BP_EVENT_ERROR:
            hr = call_job_error(callback, &ev->job, job);
            break;
        case BP_EVENT_MODIFICATION:
            hr = IBackgroundCopyCallback_JobModification(callback, job, 0);
            break;
        default:
            hr = E_INVALIDARG;
            break;
        }
        IBackgroundCopyCallback_Release(callback);
    }
    IBackgroundCopyJob2_Release(job2);
    return hr;
}

/* The program behind the sink is gone: COM says so with these codes.
 * RPC_S_UNKNOWN_IF is Wine's answer for an object its program disconnected
 * (CoDisconnectObject): the server no longer knows the interface pointer. */
BOOL events_peer_gone(HRESULT hr)
{
    return hr == RPC_E_DISCONNECTED || hr == CO_E_OBJNOTCONNECTED
        || hr == HRESULT_FROM_WIN32(RPC_S_UNKNOWN_IF)
        || hr == HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)
        || hr == HRESULT_FROM_WIN32(RPC_S_CALL_FAILED)
        || hr == RPC_E_SERVER_DIED || hr == RPC_E_SERVER_DIED_DNE;
}

static void forget_dead_sink(const GUID *job, IUnknown *sink)
{
    struct sink_entry *entry;
    IUnknown *previous = NULL;

    EnterCriticalSection(&events_cs);
    if ((entry = find_sink(job)) && entry->sink == sink)
    {
        swap_sink(job, NULL, &previous);
        send_subscribe(job, FALSE, ipc_next_seq());
    }
    LeaveCriticalSection(&events_cs);
    if (previous)
        IUnknown_Release(previous);
}

static void dispatch_event(const struct queued_event *ev)
{
    IUnknown *sink;
    HRESULT hr;

    if (ev->event == BP_EVENT_SERVER_CERT)
    {
        hr = httpopts3_validate(&ev->job, ev->file, ev->extra, ev->extra_len);
        EnterCriticalSection(&events_cs);
        send_event_result(&ev->job, ev->event, hr);
        LeaveCriticalSection(&events_cs);
        return;
    }
    sink = events_get_sink(&ev->job);
    if (!sink)
        hr = RPC_E_DISCONNECTED;
    else
    {
        hr = call_sink(sink, ev);
        TRACE("event %u for %s -> %#lx\n", ev->event, debugstr_guid(&ev->job), hr);
        if (events_peer_gone(hr))
            forget_dead_sink(&ev->job, sink);
        IUnknown_Release(sink);
    }
    EnterCriticalSection(&events_cs);
    send_event_result(&ev->job, ev->event, hr);
    LeaveCriticalSection(&events_cs);
}

static DWORD WINAPI dispatcher_proc(void *arg)
{
    struct queued_event *ev;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (;;)
    {
        if (!(ev = dequeue_event()))
            continue;
        dispatch_event(ev);
        free(ev->extra);
        free(ev);
    }
    return 0;
}

/* ---- reader thread ---- */

static void complete_waiter(uint32_t seq, HRESULT hr)
{
    struct waiter *w;

    EnterCriticalSection(&events_cs);
    for (w = waiters; w; w = w->next)
    {
        if (w->seq == seq)
        {
            w->hr = hr;
            SetEvent(w->done);
            break;
        }
    }
    LeaveCriticalSection(&events_cs);
}

static void handle_frame(const struct ipc_frame *frame)
{
    struct bp_reader rd;
    GUID job;
    uint32_t event, file;
    HRESULT hr;

    bp_reader_init(&rd, frame->payload, frame->len);
    if (frame->type == BP_EVENT && !frame->seq)
    {
        bp_get_guid(&rd, (uint8_t *)&job);
        event = bp_get_u32(&rd);
        file = bp_get_u32(&rd);
        if (!rd.failed)
            enqueue_event(&job, event, file, rd.p, event == BP_EVENT_SERVER_CERT ? rd.left : 0);
        else
            WARN("malformed event\n");
        return;
    }
    hr = bp_get_i32(&rd);
    complete_waiter(frame->seq, rd.failed ? BP_E_SERVICE_UNAVAILABLE : hr);
}

/* events_cs held.  Connects the events connection and, after a reconnect,
 * subscribes every job that has a sink again (replies are not awaited). */
static HRESULT connect_events(void)
{
    HRESULT hr;
    size_t i;

    if (events_sock != INVALID_SOCKET)
        return S_OK;
    if (FAILED(hr = ipc_connect(BP_HELLO_EVENTS, &events_sock)))
        return hr;
    for (i = 0; i < sink_count; i++)
        send_subscribe(&sinks[i].job, TRUE, ipc_next_seq());
    return S_OK;
}

static DWORD WINAPI reader_proc(void *arg)
{
    struct ipc_frame frame;
    SOCKET s;

    for (;;)
    {
        EnterCriticalSection(&events_cs);
        if (events_sock == INVALID_SOCKET && !sink_count && !holds)
        {
            reader_running = FALSE;
            LeaveCriticalSection(&events_cs);
            return 0;
        }
        if (FAILED(connect_events()))
        {
            LeaveCriticalSection(&events_cs);
            Sleep(RECONNECT_DELAY_MS);
            continue;
        }
        s = events_sock;
        LeaveCriticalSection(&events_cs);

        if (FAILED(ipc_recv_frame(s, &frame)))
        {
            TRACE("events connection lost\n");
            connection_lost(s);
            continue;
        }
        handle_frame(&frame);
        free(frame.payload);
    }
}

static BOOL CALLBACK start_dispatcher(INIT_ONCE *once, void *param, void **context)
{
    HANDLE thread;

    if (!(queue_semaphore = CreateSemaphoreW(NULL, 0, LONG_MAX, NULL)))
        return FALSE;
    if (!(thread = CreateThread(NULL, 0, dispatcher_proc, NULL, 0, NULL)))
        return FALSE;
    CloseHandle(thread);
    return TRUE;
}

/* events_cs held. */
static HRESULT ensure_events_connection(void)
{
    static INIT_ONCE dispatcher_once = INIT_ONCE_STATIC_INIT;
    HANDLE thread;
    HRESULT hr;

    if (!InitOnceExecuteOnce(&dispatcher_once, start_dispatcher, NULL, NULL))
        return E_OUTOFMEMORY;
    if (FAILED(hr = connect_events()))
        return hr;
    if (!reader_running)
    {
        if (!(thread = CreateThread(NULL, 0, reader_proc, NULL, 0, NULL)))
            return HRESULT_FROM_WIN32(GetLastError());
        CloseHandle(thread);
        reader_running = TRUE;
    }
    return S_OK;
}

/* Sends BP_SUBSCRIBE and waits for bitsd's answer. */
static HRESULT subscribe(const GUID *job, BOOL on)
{
    struct waiter self, **link;
    HRESULT hr;

    memset(&self, 0, sizeof(self));
    if (!(self.done = CreateEventW(NULL, TRUE, FALSE, NULL)))
        return HRESULT_FROM_WIN32(GetLastError());
    self.seq = ipc_next_seq();
    self.hr = BP_E_SERVICE_UNAVAILABLE;

    EnterCriticalSection(&events_cs);
    if (SUCCEEDED(hr = ensure_events_connection()))
    {
        self.next = waiters;
        waiters = &self;
        hr = send_subscribe(job, on, self.seq);
    }
    LeaveCriticalSection(&events_cs);

    if (SUCCEEDED(hr))
    {
        if (WaitForSingleObject(self.done, SUBSCRIBE_TIMEOUT_MS) == WAIT_OBJECT_0)
            hr = self.hr;
        else
            hr = BP_E_SERVICE_UNAVAILABLE;
    }
    EnterCriticalSection(&events_cs);
    for (link = &waiters; *link; link = &(*link)->next)
    {
        if (*link == &self)
        {
            *link = self.next;
            break;
        }
    }
    LeaveCriticalSection(&events_cs);
    CloseHandle(self.done);
    return hr;
}

HRESULT events_set_sink(const GUID *job, IUnknown *sink)
{
    IUnknown *previous, *ignored;
    HRESULT hr;

    TRACE("job %s sink %p\n", debugstr_guid(job), sink);
    if (sink)
        IUnknown_AddRef(sink);
    /* The table is updated first so that an event racing the subscription
     * finds the new sink; a refused subscription restores the old one. */
    EnterCriticalSection(&events_cs);
    hr = swap_sink(job, sink, &previous);
    LeaveCriticalSection(&events_cs);
    if (FAILED(hr))
    {
        if (sink)
            IUnknown_Release(sink);
        return hr;
    }

    hr = subscribe(job, sink != NULL);
    if (FAILED(hr))
    {
        EnterCriticalSection(&events_cs);
        swap_sink(job, previous, &ignored);
        LeaveCriticalSection(&events_cs);
        if (ignored)
            IUnknown_Release(ignored);
        return hr;
    }
    if (previous)
        IUnknown_Release(previous);
    return S_OK;
}

HRESULT events_hold(BOOL on)
{
    HRESULT hr = S_OK;

    EnterCriticalSection(&events_cs);
    if (on)
    {
        holds++;
        if (FAILED(hr = ensure_events_connection()))
            holds--;
    }
    else if (holds)
        holds--;
    LeaveCriticalSection(&events_cs);
    return hr;
}

BOOL events_started(void)
{
    return queue_semaphore != NULL;
}

void events_shutdown(void)
{
    IUnknown *sink;

    EnterCriticalSection(&events_cs);
    while (sink_count)
    {
        sink = sinks[--sink_count].sink;
        LeaveCriticalSection(&events_cs);
        IUnknown_Release(sink);
        EnterCriticalSection(&events_cs);
    }
    if (events_sock != INVALID_SOCKET)
    {
        closesocket(events_sock);
        events_sock = INVALID_SOCKET;
        fail_waiters();
    }
    LeaveCriticalSection(&events_cs);
}
