/*
 * Interface pins: one table-strong marshalled stub for every interface the
 * service hands out, kept from service start to service stop.
 *
 * Why this exists (Wine 8 combase/rpcrt4, seen as bitsadmin hanging):
 * combase registers an interface with rpcrt4 each time it marshals an
 * object for it and unregisters it when a stub for that IID is destroyed;
 * when the count reaches zero it calls RpcServerUnregisterIf(..., TRUE)
 * while holding its interface-registration lock.  rpcrt4 sends the reply
 * of a call before it drops the interface's count of running calls, and
 * that drop does not synchronise with the unregistration.  So a client
 * that calls a method on the only live object of an interface and releases
 * it at once (bitsadmin: GetDisplayName, then Release) can make the
 * RemRelease in svchost see one running call, miss its completion and wait
 * forever, still holding the registration lock.  From then on every marshal
 * in svchost (each CreateInstance, EnumJobs, GetJob ...) waits on that lock:
 * every BITS client hangs until svchost is restarted.
 *
 * A pinned stub keeps each interface's registration count above zero, so
 * the service never unregisters an interface and never enters that wait.
 * The marshal data is never given to anyone: the pinned objects receive no
 * calls.  They are real objects of this DLL (a job with the nil GUID, empty
 * enumerators, ...), so even a stray call would get a documented error.
 * The pins are never released: releasing one could start exactly the
 * unregistration they prevent, and CoUninitialize at service stop tears
 * the stubs down anyway.
 */
#include <string.h>

#include "qmgr_private.h"

struct pin
{
    const IID *iid;
    IStream *stream;    /* holds the table-strong marshal data */
};

static struct pin pins[] =
{
    { &IID_IBackgroundCopyManager },
    { &IID_IBackgroundCopyJob },
    { &IID_IBackgroundCopyJob2 },
    { &IID_IBackgroundCopyJob3 },
    { &IID_IBackgroundCopyJob4 },
    { &IID_IBackgroundCopyJob5 },
    { &IID_IBackgroundCopyJobHttpOptions },
    { &IID_IBackgroundCopyJobHttpOptions2 },
    { &IID_IBackgroundCopyJobHttpOptions3 },
    { &IID_IEnumBackgroundCopyJobs },
    { &IID_IEnumBackgroundCopyFiles },
    { &IID_IBackgroundCopyFile },
    { &IID_IBackgroundCopyFile2 },
    { &IID_IBackgroundCopyFile3 },
    { &IID_IBackgroundCopyFile4 },
    { &IID_IBackgroundCopyFile5 },
    { &IID_IBackgroundCopyFile6 },
    { &IID_IBackgroundCopyError },
};

/* Job and file interfaces of every version come from the same objects. */
static BOOL is_job_iid(const IID *iid)
{
    return IsEqualGUID(iid, &IID_IBackgroundCopyJob) || IsEqualGUID(iid, &IID_IBackgroundCopyJob2)
        || IsEqualGUID(iid, &IID_IBackgroundCopyJob3) || IsEqualGUID(iid, &IID_IBackgroundCopyJob4)
        || IsEqualGUID(iid, &IID_IBackgroundCopyJob5)
        || IsEqualGUID(iid, &IID_IBackgroundCopyJobHttpOptions)
        || IsEqualGUID(iid, &IID_IBackgroundCopyJobHttpOptions2)
        || IsEqualGUID(iid, &IID_IBackgroundCopyJobHttpOptions3);
}

static BOOL is_file_iid(const IID *iid)
{
    return IsEqualGUID(iid, &IID_IBackgroundCopyFile) || IsEqualGUID(iid, &IID_IBackgroundCopyFile2)
        || IsEqualGUID(iid, &IID_IBackgroundCopyFile3) || IsEqualGUID(iid, &IID_IBackgroundCopyFile4)
        || IsEqualGUID(iid, &IID_IBackgroundCopyFile5) || IsEqualGUID(iid, &IID_IBackgroundCopyFile6);
}

/* The object a pin keeps a stub of; a new reference. */
static HRESULT pin_object(const IID *iid, IUnknown **out)
{
    static const struct bp_file_info no_file;
    IBackgroundCopyJob2 *job;
    struct bp_job_info info;

    *out = NULL;
    if (IsEqualGUID(iid, &IID_IBackgroundCopyManager))
    {
        IBackgroundCopyManager_AddRef(&qmgr_manager);
        *out = (IUnknown *)&qmgr_manager;
        return S_OK;
    }
    if (is_job_iid(iid))
    {
        HRESULT hr = job_create(&GUID_NULL, (ULONG)-1, &job);
        *out = (IUnknown *)job;
        return hr;
    }
    if (IsEqualGUID(iid, &IID_IEnumBackgroundCopyJobs))
        return enum_jobs_create(NULL, 0, (IEnumBackgroundCopyJobs **)out);
    if (IsEqualGUID(iid, &IID_IEnumBackgroundCopyFiles))
        return enum_files_create(NULL, 0, (IEnumBackgroundCopyFiles **)out);
    if (is_file_iid(iid))
        return file_create(&GUID_NULL, 0, &no_file, (IBackgroundCopyFile **)out);
    if (IsEqualGUID(iid, &IID_IBackgroundCopyError))
    {
        memset(&info, 0, sizeof(info));
        info.error_context = BP_CONTEXT_UNKNOWN;
        info.error_code = E_FAIL;
        info.error_file = BP_NO_FILE;
        return error_create(&GUID_NULL, &info, (IBackgroundCopyError **)out);
    }
    return E_NOINTERFACE;
}

/* S_FALSE when the object does not serve the interface: nothing to pin. */
static HRESULT pin_create(struct pin *pin)
{
    IUnknown *object, *iface;
    HRESULT hr;

    if (FAILED(hr = pin_object(pin->iid, &object)))
        return hr;
    if (FAILED(IUnknown_QueryInterface(object, pin->iid, (void **)&iface)))
    {
        IUnknown_Release(object);
        return S_FALSE;
    }
    IUnknown_Release(iface);
    if (SUCCEEDED(hr = CreateStreamOnHGlobal(NULL, TRUE, &pin->stream)))
    {
        hr = CoMarshalInterface(pin->stream, pin->iid, object, MSHCTX_LOCAL, NULL,
                                MSHLFLAGS_TABLESTRONG);
        if (FAILED(hr))
        {
            IStream_Release(pin->stream);
            pin->stream = NULL;
        }
    }
    /* The stub holds its own reference while the marshal data lives. */
    IUnknown_Release(object);
    return hr;
}

/* Called in the service's apartment before the class object is registered.
 * A pin that cannot be made is only traced: the service still works, it is
 * just exposed to the Wine race again for that interface. */
void pins_create(void)
{
    HRESULT hr;
    size_t i;

    for (i = 0; i < ARRAYSIZE(pins); i++)
    {
        if (pins[i].stream)
            continue;
        if (FAILED(hr = pin_create(&pins[i])))
            WARN("cannot pin %s: %#lx\n", debugstr_guid(pins[i].iid), hr);
    }
}
