/*
 * IBackgroundCopyJobHttpOptions (BITS 2.5) on the job object: custom
 * headers, security flags and the client certificate.
 *
 * The certificate is looked up here, in the prefix's certificate stores
 * (crypt32), because only the Windows side can see them; bitsd stores what
 * identifies it (store location and name, and either the SHA-1 thumbprint
 * or the subject).  The getter completes the other half from the store.
 * The certificate and its private key go to bitsd too (clientcert.c), for
 * libcurl, in memory only.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"
#include <wincrypt.h>

#define STORE_NAME_MAX      255     /* characters; 256 with the terminator (documented) */
#define CERT_ENCODINGS      (X509_ASN_ENCODING | PKCS_7_ASN_ENCODING)

static inline struct job *impl_from_IBackgroundCopyJobHttpOptions(IBackgroundCopyJobHttpOptions *iface)
{
    return CONTAINING_RECORD(iface, struct job, IBackgroundCopyJobHttpOptions_iface);
}

static HRESULT WINAPI http_QueryInterface(IBackgroundCopyJobHttpOptions *iface, REFIID riid,
                                          void **obj)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    return IBackgroundCopyJob2_QueryInterface(&job->IBackgroundCopyJob2_iface, riid, obj);
}

static ULONG WINAPI http_AddRef(IBackgroundCopyJobHttpOptions *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    return IBackgroundCopyJob2_AddRef(&job->IBackgroundCopyJob2_iface);
}

static ULONG WINAPI http_Release(IBackgroundCopyJobHttpOptions *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    return IBackgroundCopyJob2_Release(&job->IBackgroundCopyJob2_iface);
}

/* ---- certificate stores ---- */

/* BG_CERT_STORE_LOCATION -> CERT_SYSTEM_STORE_*; 0 for a value the
 * enumeration does not define. */
static DWORD system_store_flags(BG_CERT_STORE_LOCATION location)
{
    switch (location)
    {
    case BG_CERT_STORE_LOCATION_CURRENT_USER: return CERT_SYSTEM_STORE_CURRENT_USER;
    case BG_CERT_STORE_LOCATION_LOCAL_MACHINE: return CERT_SYSTEM_STORE_LOCAL_MACHINE;
    case BG_CERT_STORE_LOCATION_CURRENT_SERVICE: return CERT_SYSTEM_STORE_CURRENT_SERVICE;
    case BG_CERT_STORE_LOCATION_SERVICES: return CERT_SYSTEM_STORE_SERVICES;
    case BG_CERT_STORE_LOCATION_USERS: return CERT_SYSTEM_STORE_USERS;
    case BG_CERT_STORE_LOCATION_CURRENT_USER_GROUP_POLICY:
        return CERT_SYSTEM_STORE_CURRENT_USER_GROUP_POLICY;
    case BG_CERT_STORE_LOCATION_LOCAL_MACHINE_GROUP_POLICY:
        return CERT_SYSTEM_STORE_LOCAL_MACHINE_GROUP_POLICY;
    case BG_CERT_STORE_LOCATION_LOCAL_MACHINE_ENTERPRISE:
        return CERT_SYSTEM_STORE_LOCAL_MACHINE_ENTERPRISE;
    }
    return 0;
}

/* The documented argument errors of both setters, in the documented order. */
static HRESULT check_store(BG_CERT_STORE_LOCATION location, const WCHAR *store, const void *key)
{
    if (!system_store_flags(location))
        return E_NOTIMPL;
    if (!store || !key)
        return HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER);
    if (wcslen(store) > STORE_NAME_MAX)
        return BG_E_STRING_TOO_LONG;
    return S_OK;
}

/* The system stores every Windows installation has.  Wine creates their
 * registry keys only when something is first stored, so in a fresh prefix
 * "must exist" would wrongly refuse them. */
static BOOL is_predefined_store(const WCHAR *name)
{
    static const WCHAR *const names[] = { L"MY", L"ROOT", L"CA", L"SPC", L"TRUST", L"Disallowed",
                                          L"AuthRoot", L"TrustedPeople", L"TrustedPublisher" };
    size_t i;

    for (i = 0; i < ARRAYSIZE(names); i++)
        if (!_wcsicmp(name, names[i]))
            return TRUE;
    return FALSE;
}

static HRESULT open_store(BG_CERT_STORE_LOCATION location, const WCHAR *name, HCERTSTORE *store)
{
    DWORD flags = system_store_flags(location) | CERT_STORE_READONLY_FLAG;

    if (!is_predefined_store(name))
        flags |= CERT_STORE_OPEN_EXISTING_FLAG;
    *store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, flags, name);
    if (*store)
        return S_OK;
    TRACE("no store %s: %lu\n", debugstr_w(name), GetLastError());
    if (GetLastError() == ERROR_ACCESS_DENIED)
        return E_ACCESSDENIED;
    return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
}

/* Finds a certificate by thumbprint (hash) or by subject; CRYPT_E_NOT_FOUND
 * when the store has none. */
static HRESULT find_cert(BG_CERT_STORE_LOCATION location, const WCHAR *store_name,
                         const BYTE *hash, const WCHAR *subject, const CERT_CONTEXT **cert)
{
    CRYPT_HASH_BLOB blob;
    HCERTSTORE store;
    HRESULT hr;

    *cert = NULL;
    if (FAILED(hr = open_store(location, store_name, &store)))
        return hr;
    if (hash)
    {
        blob.cbData = BP_CERT_HASH_LEN;
        blob.pbData = (BYTE *)hash;
        *cert = CertFindCertificateInStore(store, CERT_ENCODINGS, 0, CERT_FIND_SHA1_HASH, &blob, NULL);
    }
    else
        *cert = CertFindCertificateInStore(store, CERT_ENCODINGS, 0, CERT_FIND_SUBJECT_STR_W,
                                           subject, NULL);
    CertCloseStore(store, 0);
    return *cert ? S_OK : CRYPT_E_NOT_FOUND;
}

static HRESULT send_cert(struct job *job, BG_CERT_STORE_LOCATION location, const WCHAR *store,
                         const BYTE *hash, const WCHAR *subject)
{
    char *store8 = NULL, *subject8 = NULL;
    struct bp_writer w;
    HRESULT hr;

    if (FAILED(hr = utf8_from_wide(store, &store8)) || FAILED(hr = utf8_from_wide(subject, &subject8)))
    {
        free(store8);
        return hr;
    }
    job_begin(job, &w, BP_JOB_SET);
    bp_put_u32(&w, BP_PROP_CLIENT_CERT);
    bp_put_u32(&w, 1);
    bp_put_u32(&w, location);
    bp_put_str(&w, store8);
    bp_put_bytes(&w, hash, hash ? BP_CERT_HASH_LEN : 0);
    bp_put_str(&w, subject8);
    free(store8);
    free(subject8);
    return ipc_call_simple(&w);
}

static HRESULT WINAPI http_SetClientCertificateByID(IBackgroundCopyJobHttpOptions *iface,
                                                    BG_CERT_STORE_LOCATION location,
                                                    LPCWSTR store, BYTE *hash)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    const CERT_CONTEXT *cert;
    HRESULT hr;

    TRACE("%p %d %s %p\n", job, location, debugstr_w(store), hash);
    if (FAILED(hr = check_store(location, store, hash)))
        return hr;
    if (FAILED(hr = find_cert(location, store, hash, NULL, &cert)))
        return hr;
    if (SUCCEEDED(hr = send_cert(job, location, store, hash, NULL)))
        hr = clientcert_send(job, cert);
    CertFreeCertificateContext(cert);
    return hr;
}

static HRESULT WINAPI http_SetClientCertificateByName(IBackgroundCopyJobHttpOptions *iface,
                                                      BG_CERT_STORE_LOCATION location,
                                                      LPCWSTR store, LPCWSTR subject)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    const CERT_CONTEXT *cert;
    HRESULT hr;

    TRACE("%p %d %s %s\n", job, location, debugstr_w(store), debugstr_w(subject));
    if (FAILED(hr = check_store(location, store, subject)))
        return hr;
    if (!*subject)
        return E_INVALIDARG;
    if (FAILED(hr = find_cert(location, store, NULL, subject, &cert)))
        return hr;
    if (SUCCEEDED(hr = send_cert(job, location, store, NULL, subject)))
        hr = clientcert_send(job, cert);
    CertFreeCertificateContext(cert);
    return hr;
}

static HRESULT WINAPI http_RemoveClientCertificate(IBackgroundCopyJobHttpOptions *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    struct bp_writer w;
    HRESULT hr;

    TRACE("%p\n", job);
    job_begin(job, &w, BP_JOB_SET);
    bp_put_u32(&w, BP_PROP_CLIENT_CERT);
    bp_put_u32(&w, 0);
    bp_put_u32(&w, 0);
    bp_put_str(&w, NULL);
    bp_put_bytes(&w, NULL, 0);
    bp_put_str(&w, NULL);
    if (FAILED(hr = ipc_call_simple(&w)))
        return hr;
    return clientcert_forget(job);
}

/* The half bitsd does not keep: the thumbprint of a certificate chosen by
 * subject, or the subject of one chosen by thumbprint.  A certificate
 * removed from the store since leaves it empty. */
static void complete_from_store(const struct bp_job_info *info, BYTE **hash, WCHAR **subject)
{
    const CERT_CONTEXT *cert;
    WCHAR *store = NULL, *by_subject = NULL;
    DWORD size = BP_CERT_HASH_LEN, len;

    if (FAILED(cotask_wide_from_utf8(info->cert_store, &store))
            || FAILED(cotask_wide_from_utf8(info->cert_subject, &by_subject)))
    {
        CoTaskMemFree(store);
        return;
    }
    if (SUCCEEDED(find_cert(info->cert_location, store, info->cert_has_hash ? info->cert_hash : NULL,
                            by_subject, &cert)))
    {
        if (!*hash && (*hash = CoTaskMemAlloc(BP_CERT_HASH_LEN))
                && !CertGetCertificateContextProperty(cert, CERT_HASH_PROP_ID, *hash, &size))
        {
            CoTaskMemFree(*hash);
            *hash = NULL;
        }
        if (!*subject && (len = CertGetNameStringW(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL,
                                                   NULL, 0))
                && (*subject = CoTaskMemAlloc(len * sizeof(WCHAR))))
            CertGetNameStringW(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, *subject, len);
        CertFreeCertificateContext(cert);
    }
    CoTaskMemFree(store);
    CoTaskMemFree(by_subject);
}

static HRESULT WINAPI http_GetClientCertificate(IBackgroundCopyJobHttpOptions *iface,
                                                BG_CERT_STORE_LOCATION *location, LPWSTR *store,
                                                BYTE **hash, LPWSTR *subject)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p %p %p %p\n", job, location, store, hash, subject);
    if (!location || !store || !hash || !subject)
        return HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER);
    *store = *subject = NULL;
    *hash = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    if (!info.cert_set)
    {
        /* documented: the job does not specify a certificate */
        bp_job_info_free(&info);
        return HRESULT_FROM_WIN32(RPC_X_BAD_STUB_DATA);
    }
    if (info.cert_has_hash && (*hash = CoTaskMemAlloc(BP_CERT_HASH_LEN)))
        memcpy(*hash, info.cert_hash, BP_CERT_HASH_LEN);
    if (!info.cert_has_hash)
        hr = cotask_wide_from_utf8(info.cert_subject, subject);
    if (SUCCEEDED(hr))
        hr = cotask_wide_from_utf8(info.cert_store, store);
    if (SUCCEEDED(hr) && info.cert_has_hash && !*hash)
        hr = E_OUTOFMEMORY;
    if (SUCCEEDED(hr))
    {
        complete_from_store(&info, hash, subject);
        /* the subject "can be empty", never missing */
        if (!*subject)
            hr = cotask_strdupW(L"", subject);
        *location = info.cert_location;
    }
    if (FAILED(hr))
    {
        CoTaskMemFree(*store);
        CoTaskMemFree(*hash);
        CoTaskMemFree(*subject);
        *store = *subject = NULL;
        *hash = NULL;
    }
    bp_job_info_free(&info);
    return hr;
}

/* ---- headers and flags ---- */

static HRESULT WINAPI http_SetCustomHeaders(IBackgroundCopyJobHttpOptions *iface, LPCWSTR headers)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);

    TRACE("%p %s\n", job, debugstr_w(headers));
    /* NULL removes them; the length limit is bitsd's (BG_E_STRING_TOO_LONG). */
    return job_set_strings(job, BP_PROP_CUSTOM_HEADERS, headers, NULL, 1);
}

static HRESULT WINAPI http_GetCustomHeaders(IBackgroundCopyJobHttpOptions *iface, LPWSTR *headers)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, headers);
    if (!headers)
        return HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER);
    *headers = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    /* documented: E_ACCESSDENIED after MakeCustomHeadersWriteOnly (bitsd no
     * longer sends them), S_FALSE (and NULL) when the job has none */
    if (info.headers_write_only)
        hr = E_ACCESSDENIED;
    else if (!info.custom_headers)
        hr = S_FALSE;
    else
        hr = cotask_wide_from_utf8(info.custom_headers, headers);
    bp_job_info_free(&info);
    return hr;
}

static HRESULT WINAPI http_SetSecurityFlags(IBackgroundCopyJobHttpOptions *iface, ULONG flags)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    TRACE("%p %#lx\n", job, flags);
    return job_set_u32(job, BP_PROP_SECURITY_FLAGS, flags);
}

static HRESULT WINAPI http_GetSecurityFlags(IBackgroundCopyJobHttpOptions *iface, ULONG *flags)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);

    TRACE("%p %p\n", job, flags);
    return job_get_u32(job, offsetof(struct bp_job_info, security_flags), flags);
}

static const IBackgroundCopyJobHttpOptionsVtbl http_vtbl =
{
    http_QueryInterface,
    http_AddRef,
    http_Release,
    http_SetClientCertificateByID,
    http_SetClientCertificateByName,
    http_RemoveClientCertificate,
    http_GetClientCertificate,
    http_SetCustomHeaders,
    http_GetCustomHeaders,
    http_SetSecurityFlags,
    http_GetSecurityFlags,
};

void httpopts_init(struct job *job)
{
    job->IBackgroundCopyJobHttpOptions_iface.lpVtbl = &http_vtbl;
}
