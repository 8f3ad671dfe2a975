/*
 * IEnumBackgroundCopyFiles: a snapshot of file objects taken when the
 * enumerator is made (EnumFiles); Clone shares nothing but copies the
 * snapshot and the position.
 */
#include <stdlib.h>

#include "qmgr_private.h"

struct enum_files
{
    IEnumBackgroundCopyFiles IEnumBackgroundCopyFiles_iface;
    LONG refs;
    IBackgroundCopyFile **files;
    ULONG count;
    ULONG position;
};

static inline struct enum_files *impl_from_IEnumBackgroundCopyFiles(IEnumBackgroundCopyFiles *iface)
{
    return CONTAINING_RECORD(iface, struct enum_files, IEnumBackgroundCopyFiles_iface);
}

static HRESULT WINAPI enum_files_QueryInterface(IEnumBackgroundCopyFiles *iface, REFIID riid,
                                               void **obj)
{
    struct enum_files *enum_files = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p %s\n", enum_files, debugstr_guid(riid));
    if (!obj)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IEnumBackgroundCopyFiles))
    {
        *obj = &enum_files->IEnumBackgroundCopyFiles_iface;
        IEnumBackgroundCopyFiles_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_files_AddRef(IEnumBackgroundCopyFiles *iface)
{
    struct enum_files *enum_files = impl_from_IEnumBackgroundCopyFiles(iface);
    return InterlockedIncrement(&enum_files->refs);
}

static ULONG WINAPI enum_files_Release(IEnumBackgroundCopyFiles *iface)
{
    struct enum_files *enum_files = impl_from_IEnumBackgroundCopyFiles(iface);
    ULONG refs = InterlockedDecrement(&enum_files->refs);
    ULONG i;

    if (!refs)
    {
        for (i = 0; i < enum_files->count; i++)
            IBackgroundCopyFile_Release(enum_files->files[i]);
        free(enum_files->files);
        free(enum_files);
        qmgr_unlock();
    }
    return refs;
}

static HRESULT WINAPI enum_files_Next(IEnumBackgroundCopyFiles *iface, ULONG celt,
                                     IBackgroundCopyFile **files, ULONG *fetched)
{
    struct enum_files *enum_files = impl_from_IEnumBackgroundCopyFiles(iface);
    ULONG n = 0;

    TRACE("%p %lu %p %p\n", enum_files, celt, files, fetched);
    if (!files || (celt > 1 && !fetched))
        return E_INVALIDARG;
    while (n < celt && enum_files->position < enum_files->count)
    {
        files[n] = enum_files->files[enum_files->position++];
        IBackgroundCopyFile_AddRef(files[n]);
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_files_Skip(IEnumBackgroundCopyFiles *iface, ULONG celt)
{
    struct enum_files *enum_files = impl_from_IEnumBackgroundCopyFiles(iface);
    ULONG left = enum_files->count - enum_files->position;

    TRACE("%p %lu\n", enum_files, celt);
    if (celt > left)
    {
        enum_files->position = enum_files->count;
        return S_FALSE;
    }
    enum_files->position += celt;
    return S_OK;
}

static HRESULT WINAPI enum_files_Reset(IEnumBackgroundCopyFiles *iface)
{
    struct enum_files *enum_files = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p\n", enum_files);
    enum_files->position = 0;
    return S_OK;
}

static HRESULT WINAPI enum_files_Clone(IEnumBackgroundCopyFiles *iface, IEnumBackgroundCopyFiles **out)
{
    struct enum_files *enum_files = impl_from_IEnumBackgroundCopyFiles(iface);
    HRESULT hr;

    TRACE("%p %p\n", enum_files, out);
    if (!out)
        return E_INVALIDARG;
    if (SUCCEEDED(hr = enum_files_create(enum_files->files, enum_files->count, out)))
        impl_from_IEnumBackgroundCopyFiles(*out)->position = enum_files->position;
    return hr;
}

static HRESULT WINAPI enum_files_GetCount(IEnumBackgroundCopyFiles *iface, ULONG *count)
{
    struct enum_files *enum_files = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p %p\n", enum_files, count);
    if (!count)
        return E_INVALIDARG;
    *count = enum_files->count;
    return S_OK;
}

static const IEnumBackgroundCopyFilesVtbl enum_files_vtbl =
{
    enum_files_QueryInterface,
    enum_files_AddRef,
    enum_files_Release,
    enum_files_Next,
    enum_files_Skip,
    enum_files_Reset,
    enum_files_Clone,
    enum_files_GetCount,
};

/* Takes its own references on the files. */
HRESULT enum_files_create(IBackgroundCopyFile **files, ULONG count, IEnumBackgroundCopyFiles **out)
{
    struct enum_files *enum_files;
    ULONG i;

    *out = NULL;
    if (!(enum_files = calloc(1, sizeof(*enum_files))))
        return E_OUTOFMEMORY;
    if (!(enum_files->files = calloc(count ? count : 1, sizeof(*files))))
    {
        free(enum_files);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < count; i++)
    {
        enum_files->files[i] = files[i];
        IBackgroundCopyFile_AddRef(files[i]);
    }
    enum_files->IEnumBackgroundCopyFiles_iface.lpVtbl = &enum_files_vtbl;
    enum_files->refs = 1;
    enum_files->count = count;
    qmgr_lock();
    *out = &enum_files->IEnumBackgroundCopyFiles_iface;
    return S_OK;
}
