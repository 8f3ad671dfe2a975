/*
 * The "BITS" service entry, run by `svchost.exe -k netsvcs`: registers the
 * manager's class object for LOCAL_SERVER activation and waits for stop.
 * Wine may also end svchost without any stop control; nothing here needs a
 * clean stop, since all state lives in bitsd.
 */
#include "qmgr_private.h"

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;

static void report_state(DWORD state, DWORD wait_hint)
{
    status.dwServiceType = SERVICE_WIN32;
    status.dwCurrentState = state;
    status.dwControlsAccepted = state == SERVICE_RUNNING
                                ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    status.dwWin32ExitCode = NO_ERROR;
    status.dwServiceSpecificExitCode = 0;
    status.dwCheckPoint = 0;
    status.dwWaitHint = wait_hint;
    SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI service_handler(DWORD control, DWORD type, void *data, void *context)
{
    TRACE("control %lu\n", control);
    switch (control)
    {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        report_state(SERVICE_STOP_PENDING, 5000);
        SetEvent(stop_event);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        SetServiceStatus(status_handle, &status);
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

/* Clients and their callbacks run as the same user under Wine; calls are
 * impersonated so a later per-user check can use the caller's token. */
static void init_com_security(void)
{
    HRESULT hr = CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                                      RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
    if (FAILED(hr))
        TRACE("CoInitializeSecurity: %#lx (svchost may have set it already)\n", hr);
}

/* Every manager CLSID activates the same server: programs probe newer
 * BITS versions with CoCreateInstance of the versioned CLSIDs. */
static const CLSID *const manager_clsids[] =
{
    &CLSID_BackgroundCopyManager, &CLSID_BackgroundCopyManager1_5,
    &CLSID_BackgroundCopyManager2_0, &CLSID_BackgroundCopyManager2_5,
    &CLSID_BackgroundCopyManager3_0, &CLSID_BackgroundCopyManager4_0,
    &CLSID_BackgroundCopyManager5_0, &CLSID_BackgroundCopyManager10_1,
    &CLSID_BackgroundCopyManager10_2, &CLSID_BackgroundCopyManager10_3,
};
#define N_MANAGER_CLSIDS (sizeof(manager_clsids) / sizeof(manager_clsids[0]))

static void register_versioned(DWORD *cookies)
{
    HRESULT hr;
    size_t i;

    for (i = 1; i < N_MANAGER_CLSIDS; i++)
        if (FAILED(hr = CoRegisterClassObject(manager_clsids[i], (IUnknown *)&qmgr_factory,
                                              CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookies[i])))
            WARN("CoRegisterClassObject %s failed: %#lx\n", debugstr_guid(manager_clsids[i]), hr);
}

static void revoke_versioned(const DWORD *cookies)
{
    size_t i;

    for (i = 1; i < N_MANAGER_CLSIDS; i++)
        if (cookies[i])
            CoRevokeClassObject(cookies[i]);
}

static void run_service(void)
{
    DWORD cookie, cookies[N_MANAGER_CLSIDS] = {0};
    HRESULT hr;

    if (FAILED(hr = CoInitializeEx(NULL, COINIT_MULTITHREADED)))
    {
        WARN("CoInitializeEx failed: %#lx\n", hr);
        return;
    }
    init_com_security();
    /* Before any client can get an object: see pins.c. */
    pins_create();
    hr = CoRegisterClassObject(&CLSID_BackgroundCopyManager, (IUnknown *)&qmgr_factory,
                               CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
    if (FAILED(hr))
        WARN("CoRegisterClassObject failed: %#lx\n", hr);
    else
    {
        register_versioned(cookies);
        report_state(SERVICE_RUNNING, 0);
        WaitForSingleObject(stop_event, INFINITE);
        revoke_versioned(cookies);
        CoRevokeClassObject(cookie);
    }
    events_shutdown();
    ipc_shutdown();
    CoUninitialize();
}

void WINAPI ServiceMain(DWORD argc, LPWSTR *argv)
{
    TRACE("starting\n");
    status_handle = RegisterServiceCtrlHandlerExW(L"BITS", service_handler, NULL);
    if (!status_handle)
    {
        WARN("RegisterServiceCtrlHandlerEx failed: %lu\n", GetLastError());
        return;
    }
    if (!(stop_event = CreateEventW(NULL, TRUE, FALSE, NULL)))
    {
        status.dwWin32ExitCode = GetLastError();
        report_state(SERVICE_STOPPED, 0);
        return;
    }
    report_state(SERVICE_START_PENDING, 3000);
    run_service();
    CloseHandle(stop_event);
    stop_event = NULL;
    report_state(SERVICE_STOPPED, 0);
    TRACE("stopped\n");
}
