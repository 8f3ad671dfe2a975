/*
 * The class factory for CLSID_BackgroundCopyManager, registered by the
 * service (CLSCTX_LOCAL_SERVER) and returned by DllGetClassObject.
 */
#include "qmgr_private.h"

static HRESULT WINAPI factory_QueryInterface(IClassFactory *iface, REFIID riid, void **obj)
{
    TRACE("%s\n", debugstr_guid(riid));
    if (!obj)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IClassFactory))
    {
        *obj = iface;
        IClassFactory_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI factory_AddRef(IClassFactory *iface)
{
    qmgr_lock();
    return 2;
}

static ULONG WINAPI factory_Release(IClassFactory *iface)
{
    qmgr_unlock();
    return 1;
}

static HRESULT WINAPI factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid,
                                             void **obj)
{
    TRACE("%p %s %p\n", outer, debugstr_guid(riid), obj);
    if (!obj)
        return E_POINTER;
    *obj = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    return IBackgroundCopyManager_QueryInterface(&qmgr_manager, riid, obj);
}

static HRESULT WINAPI factory_LockServer(IClassFactory *iface, BOOL lock)
{
    if (lock)
        qmgr_lock();
    else
        qmgr_unlock();
    return S_OK;
}

static const IClassFactoryVtbl factory_vtbl =
{
    factory_QueryInterface,
    factory_AddRef,
    factory_Release,
    factory_CreateInstance,
    factory_LockServer,
};

IClassFactory qmgr_factory = { &factory_vtbl };
