/*
 * Forced in front of the widl-generated proxy and dlldata sources of
 * qmgrprxy.dll (gcc -include).  It supplies what mingw's headers lack and
 * fixes the one choice widl leaves to the DLL: the class ID of its
 * proxy/stub factory.
 */
#ifndef QMGRPRXY_PRELUDE_H
#define QMGRPRXY_PRELUDE_H

#include <windef.h>
#include <unknwn.h>

/* rpcrt4 exports these and the generated vtables name them, but mingw's
 * headers declare them for C++ only. */
HRESULT STDMETHODCALLTYPE IUnknown_QueryInterface_Proxy(IUnknown *This, REFIID riid, void **ppvObject);
ULONG STDMETHODCALLTYPE IUnknown_AddRef_Proxy(IUnknown *This);
ULONG STDMETHODCALLTYPE IUnknown_Release_Proxy(IUnknown *This);

/* The factory's CLSID is IID_IBackgroundCopyManager, the one Wine's builtin
 * qmgrprxy uses.  `wineboot -u` re-points the IIDs Wine knows to that CLSID
 * and that CLSID to system32\qmgrprxy.dll; with our DLL in that file (and
 * the qmgrprxy=native override) every re-registration lands on us, and the
 * IIDs only we know keep pointing at the same CLSID. */
#define PROXY_CLSID_IS \
    { 0x5ce34c0d, 0x0dc9, 0x4c1f, { 0x89, 0x7c, 0xda, 0xa1, 0xb7, 0x8c, 0xee, 0x7c } }

#endif
