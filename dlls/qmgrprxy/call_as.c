/*
 * Hand-written halves of the [call_as] methods in idl/qmgr_bits.idl.
 *
 * IBackgroundCopyFile5::SetProperty/GetProperty carry a union whose only
 * arm is a string.  rpcrt4 cannot marshal such a union as a top-level
 * parameter, so the wire methods (RemoteSetProperty, RemoteGetProperty)
 * carry the string itself.  The *_Proxy functions run in the client and
 * turn the union into the string; the *_Stub functions run in the server
 * and turn it back before calling the real object.
 */
#define COBJMACROS
#include <windows.h>
#include <objbase.h>

#include "qmgr_bits.h"

/* Only the response-headers ID has an arm: for any other ID the union
 * holds nothing the proxy may read, so no string travels and the server
 * answers for the ID itself. */
static BOOL has_string_arm(BITS_FILE_PROPERTY_ID id)
{
    return id == BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS;
}

HRESULT CALLBACK IBackgroundCopyFile5_SetProperty_Proxy(IBackgroundCopyFile5 *This, BITS_FILE_PROPERTY_ID id,
                                                        BITS_FILE_PROPERTY_VALUE value)
{
    return IBackgroundCopyFile5_RemoteSetProperty_Proxy(This, id, has_string_arm(id) ? value.String : NULL);
}

HRESULT __RPC_STUB IBackgroundCopyFile5_SetProperty_Stub(IBackgroundCopyFile5 *This, BITS_FILE_PROPERTY_ID id,
                                                         LPCWSTR string)
{
    BITS_FILE_PROPERTY_VALUE value;

    memset(&value, 0, sizeof(value));
    value.String = (WCHAR *)string;
    return IBackgroundCopyFile5_SetProperty(This, id, value);
}

HRESULT CALLBACK IBackgroundCopyFile5_GetProperty_Proxy(IBackgroundCopyFile5 *This, BITS_FILE_PROPERTY_ID id,
                                                        BITS_FILE_PROPERTY_VALUE *value)
{
    WCHAR *string = NULL;
    HRESULT hr;

    if (!value)
        return E_POINTER;
    hr = IBackgroundCopyFile5_RemoteGetProperty_Proxy(This, id, &string);
    if (has_string_arm(id))
        value->String = string;
    else
        CoTaskMemFree(string);
    return hr;
}

/* A string the object returns for another ID would be a type this
 * proxy does not know; it is dropped rather than misread. */
HRESULT __RPC_STUB IBackgroundCopyFile5_GetProperty_Stub(IBackgroundCopyFile5 *This, BITS_FILE_PROPERTY_ID id,
                                                         LPWSTR *string)
{
    BITS_FILE_PROPERTY_VALUE value;
    HRESULT hr;

    memset(&value, 0, sizeof(value));
    hr = IBackgroundCopyFile5_GetProperty(This, id, &value);
    *string = (SUCCEEDED(hr) && has_string_arm(id)) ? value.String : NULL;
    return hr;
}
