/*
 * IBackgroundCopyJobHttpOptions3 (bits10_2.h, bits10_3.h of the SDK) and
 * the server certificate validation callback, which mingw's headers lack.
 * Include after <initguid.h> in exactly one file of a program.
 */
#ifndef WINETEST_HTTPOPTS3_H
#define WINETEST_HTTPOPTS3_H

#include <windows.h>
#include <bits.h>

DEFINE_GUID(IID_IBackgroundCopyJobHttpOptions2, 0xb591a192, 0xa405, 0x4fc3, 0x83,0x23, 0x4c,0x5c,0x54,0x25,0x78,0xfc);
DEFINE_GUID(IID_IBackgroundCopyJobHttpOptions3, 0x8a9263d3, 0xfd4c, 0x4eda, 0x9b,0x28, 0x30,0x13,0x2a,0x4d,0x4e,0x3c);
DEFINE_GUID(IID_IBackgroundCopyServerCertificateValidationCallback, 0x4cec0d02, 0xdef7, 0x4158, 0x81,0x3a, 0xc3,0x2a,0x46,0x94,0x5f,0xf7);

#define BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED  ((HRESULT)0x80200074)
#define BG_E_READ_ONLY_WHEN_JOB_ACTIVE                  ((HRESULT)0x80200075)
#define BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK_   ((BG_ERROR_CONTEXT)8)

/* The HttpOptions methods, then 2's and 3's. */
typedef struct IBackgroundCopyJobHttpOptions3 IBackgroundCopyJobHttpOptions3;
typedef struct {
    HRESULT (WINAPI *QueryInterface)(IBackgroundCopyJobHttpOptions3 *, REFIID, void **);
    ULONG (WINAPI *AddRef)(IBackgroundCopyJobHttpOptions3 *);
    ULONG (WINAPI *Release)(IBackgroundCopyJobHttpOptions3 *);
    HRESULT (WINAPI *SetClientCertificateByID)(IBackgroundCopyJobHttpOptions3 *,
                                               BG_CERT_STORE_LOCATION, LPCWSTR, BYTE *);
    HRESULT (WINAPI *SetClientCertificateByName)(IBackgroundCopyJobHttpOptions3 *,
                                                 BG_CERT_STORE_LOCATION, LPCWSTR, LPCWSTR);
    HRESULT (WINAPI *RemoveClientCertificate)(IBackgroundCopyJobHttpOptions3 *);
    HRESULT (WINAPI *GetClientCertificate)(IBackgroundCopyJobHttpOptions3 *, BG_CERT_STORE_LOCATION *,
                                           LPWSTR *, BYTE **, LPWSTR *);
    HRESULT (WINAPI *SetCustomHeaders)(IBackgroundCopyJobHttpOptions3 *, LPCWSTR);
    HRESULT (WINAPI *GetCustomHeaders)(IBackgroundCopyJobHttpOptions3 *, LPWSTR *);
    HRESULT (WINAPI *SetSecurityFlags)(IBackgroundCopyJobHttpOptions3 *, ULONG);
    HRESULT (WINAPI *GetSecurityFlags)(IBackgroundCopyJobHttpOptions3 *, ULONG *);
    HRESULT (WINAPI *SetHttpMethod)(IBackgroundCopyJobHttpOptions3 *, LPCWSTR);
    HRESULT (WINAPI *GetHttpMethod)(IBackgroundCopyJobHttpOptions3 *, LPWSTR *);
    HRESULT (WINAPI *SetServerCertificateValidationInterface)(IBackgroundCopyJobHttpOptions3 *,
                                                              IUnknown *);
    HRESULT (WINAPI *MakeCustomHeadersWriteOnly)(IBackgroundCopyJobHttpOptions3 *);
} IBackgroundCopyJobHttpOptions3Vtbl;
struct IBackgroundCopyJobHttpOptions3 { const IBackgroundCopyJobHttpOptions3Vtbl *lpVtbl; };
#define H3(http, method, ...) ((http)->lpVtbl->method((http), ##__VA_ARGS__))

/* IBackgroundCopyServerCertificateValidationCallback's method after IUnknown's. */
typedef HRESULT (WINAPI *validate_server_certificate_fn)(IUnknown *callback, IBackgroundCopyJob *job,
                                                         IBackgroundCopyFile *file, DWORD cert_len,
                                                         const BYTE *cert, DWORD encoding,
                                                         DWORD store_len, const BYTE *store);
struct cert_callback_vtbl {
    IUnknownVtbl unknown;
    validate_server_certificate_fn validate;
};

#endif
