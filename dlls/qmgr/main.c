/*
 * DLL entry points: DllMain, DllGetClassObject, DllCanUnloadNow, and the
 * object count that decides whether the DLL may be unloaded.
 */
#include "qmgr_private.h"

HINSTANCE qmgr_instance;
static LONG object_locks;

void qmgr_lock(void)
{
    InterlockedIncrement(&object_locks);
}

void qmgr_unlock(void)
{
    InterlockedDecrement(&object_locks);
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, void *reserved)
{
    if (reason == DLL_PROCESS_ATTACH)
    {
        qmgr_instance = instance;
        DisableThreadLibraryCalls(instance);
        qmgr_debug_init();
    }
    return TRUE;
}

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID riid, void **obj)
{
    TRACE("%s %s\n", debugstr_guid(clsid), debugstr_guid(riid));
    if (!obj)
        return E_POINTER;
    *obj = NULL;
    if (!IsEqualGUID(clsid, &CLSID_BackgroundCopyManager))
        return CLASS_E_CLASSNOTAVAILABLE;
    return IClassFactory_QueryInterface(&qmgr_factory, riid, obj);
}

/* Threads of events.c run code of this DLL once started, so the DLL stays
 * once anything was handed out. */
HRESULT WINAPI DllCanUnloadNow(void)
{
    return object_locks > 0 || events_started() ? S_FALSE : S_OK;
}
