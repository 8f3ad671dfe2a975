/*
 * IBackgroundCopyJobHttpOptions2 (BITS 10.2: the HTTP verb) and
 * IBackgroundCopyJobHttpOptions3 (BITS 10.3: write-only custom headers,
 * the server certificate validation callback) on the job object.
 *
 * One vtable serves both (3 extends 2 extends HttpOptions); the methods of
 * IBackgroundCopyJobHttpOptions are those of httpopts.c, reached through
 * the job's HttpOptions interface.
 *
 * The validation callback lives here, in the service process, like the
 * notification sink (events.c): documented, BITS keeps no record of it and
 * a program sets it again after a restart.  It is kept per job until it is
 * replaced or removed, or the job is cancelled or completed through this
 * process.  bitsd records only that the job has one
 * (BP_PROP_CERT_VALIDATION); before an https transfer of the job it sends
 * the server's chain (BP_EVENT_SERVER_CERT) to every events connection,
 * and httpopts3_validate calls the callback with it.  A process without
 * the callback (the service restarted, the program never set it again)
 * answers BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED, as Windows
 * reports a callback it cannot reach.
 */
#include <stdlib.h>

#include "qmgr_private.h"
#include <wincrypt.h>

static inline struct job *impl_from_IBackgroundCopyJobHttpOptions3(IBackgroundCopyJobHttpOptions3 *iface)
{
    return CONTAINING_RECORD(iface, struct job, IBackgroundCopyJobHttpOptions3_iface);
}

static inline IBackgroundCopyJobHttpOptions *http1(IBackgroundCopyJobHttpOptions3 *iface)
{
    return &impl_from_IBackgroundCopyJobHttpOptions3(iface)->IBackgroundCopyJobHttpOptions_iface;
}

/* ---- validation callbacks: job GUID -> callback ---- */

struct validator
{
    GUID job;
    IUnknown *callback;     /* holds IBackgroundCopyServerCertificateValidationCallback */
};

static CRITICAL_SECTION validators_cs;
static CRITICAL_SECTION_DEBUG validators_cs_debug =
{
    0, 0, &validators_cs,
    { &validators_cs_debug.ProcessLocksList, &validators_cs_debug.ProcessLocksList },
    0, 0, 0
};
static CRITICAL_SECTION validators_cs = { &validators_cs_debug, -1, 0, 0, 0, 0 };

static struct validator *validators;
static size_t validator_count, validator_capacity;

/* Stores callback (NULL removes) and hands back the one it replaces, which
 * the caller releases outside the lock: a Release may call into the
 * program. */
static HRESULT swap_validator(const GUID *job, IUnknown *callback, IUnknown **previous)
{
    HRESULT hr = S_OK;
    size_t i;

    *previous = NULL;
    EnterCriticalSection(&validators_cs);
    for (i = 0; i < validator_count; i++)
        if (IsEqualGUID(&validators[i].job, job))
            break;
    if (i < validator_count)
    {
        *previous = validators[i].callback;
        if (callback)
            validators[i].callback = callback;
        else
            validators[i] = validators[--validator_count];
    }
    else if (callback)
    {
        if (validator_count == validator_capacity)
        {
            size_t capacity = validator_capacity ? validator_capacity * 2 : 8;
            struct validator *grown = realloc(validators, capacity * sizeof(*validators));

            if (!grown)
                hr = E_OUTOFMEMORY;
            else
            {
                validators = grown;
                validator_capacity = capacity;
            }
        }
        if (SUCCEEDED(hr))
        {
            validators[validator_count].job = *job;
            validators[validator_count].callback = callback;
            validator_count++;
        }
    }
    LeaveCriticalSection(&validators_cs);
    return hr;
}

void httpopts3_forget_job(const GUID *job)
{
    IUnknown *previous;

    swap_validator(job, NULL, &previous);
    if (previous)
    {
        events_hold(FALSE);
        IUnknown_Release(previous);
    }
}

static IBackgroundCopyServerCertificateValidationCallback *get_validator(const GUID *job)
{
    IBackgroundCopyServerCertificateValidationCallback *callback = NULL;
    size_t i;

    EnterCriticalSection(&validators_cs);
    for (i = 0; i < validator_count; i++)
    {
        if (IsEqualGUID(&validators[i].job, job))
        {
            callback = (IBackgroundCopyServerCertificateValidationCallback *)validators[i].callback;
            IBackgroundCopyServerCertificateValidationCallback_AddRef(callback);
            break;
        }
    }
    LeaveCriticalSection(&validators_cs);
    return callback;
}

/* The chain as a serialized certificate store (CERT_STORE_SAVE_AS_STORE:
 * CertOpenStore(CERT_STORE_PROV_SERIALIZED) or CryptQueryObject read it
 * back), malloc'd. */
static HRESULT chain_store(struct bp_reader *rd, BYTE **out, DWORD *out_len)
{
    CRYPT_DATA_BLOB blob = { 0, NULL };
    const uint8_t *der;
    uint32_t count, len, i;
    HCERTSTORE store;
    HRESULT hr = S_OK;

    *out = NULL;
    *out_len = 0;
    count = bp_get_u32(rd);
    if (rd->failed)
        return E_INVALIDARG;
    if (!(store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL)))
        return HRESULT_FROM_WIN32(GetLastError());
    for (i = 0; i < count && SUCCEEDED(hr); i++)
    {
        der = bp_get_bytes(rd, &len);
        if (rd->failed || !der)
            hr = E_INVALIDARG;
        else if (!CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, len,
                                                   CERT_STORE_ADD_ALWAYS, NULL))
            hr = HRESULT_FROM_WIN32(GetLastError());
    }
    if (SUCCEEDED(hr) && !CertSaveStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
                                        CERT_STORE_SAVE_AS_STORE, CERT_STORE_SAVE_TO_MEMORY,
                                        &blob, 0))
        hr = HRESULT_FROM_WIN32(GetLastError());
    if (SUCCEEDED(hr) && !(blob.pbData = malloc(blob.cbData ? blob.cbData : 1)))
        hr = E_OUTOFMEMORY;
    if (SUCCEEDED(hr) && !CertSaveStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
                                        CERT_STORE_SAVE_AS_STORE, CERT_STORE_SAVE_TO_MEMORY,
                                        &blob, 0))
        hr = HRESULT_FROM_WIN32(GetLastError());
    CertCloseStore(store, 0);
    if (FAILED(hr))
    {
        free(blob.pbData);
        return hr;
    }
    *out = blob.pbData;
    *out_len = blob.cbData;
    return S_OK;
}

static HRESULT call_validator(IBackgroundCopyServerCertificateValidationCallback *callback,
                              const GUID *id, ULONG index, const uint8_t *cert, uint32_t cert_len,
                              const BYTE *store, DWORD store_len)
{
    IBackgroundCopyFile *file = NULL;
    IBackgroundCopyJob2 *job;
    struct bp_job_info info;
    HRESULT hr;

    if (FAILED(hr = job_create(id, (ULONG)-1, &job)))
        return hr;
    if (SUCCEEDED(hr = ipc_job_info(id, &info)))
    {
        if (index < info.file_count)
            hr = file_create(id, index, &info.files[index], &file);
        else
            hr = BG_E_FILE_NOT_AVAILABLE;
        bp_job_info_free(&info);
    }
    if (SUCCEEDED(hr))
    {
        hr = IBackgroundCopyServerCertificateValidationCallback_ValidateServerCertificate(callback,
                (IBackgroundCopyJob *)job, file, cert_len, cert,
                X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, store_len, store);
        IBackgroundCopyFile_Release(file);
    }
    IBackgroundCopyJob2_Release(job);
    return hr;
}

HRESULT httpopts3_validate(const GUID *job, ULONG file, const BYTE *data, size_t len)
{
    IBackgroundCopyServerCertificateValidationCallback *callback = get_validator(job);
    struct bp_reader rd;
    const uint8_t *cert;
    uint32_t cert_len;
    BYTE *store;
    DWORD store_len;
    HRESULT hr;

    if (!callback)
        return BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED;
    bp_reader_init(&rd, data, len);
    cert = bp_get_bytes(&rd, &cert_len);
    if (rd.failed || !cert)
        hr = E_INVALIDARG;
    else if (SUCCEEDED(hr = chain_store(&rd, &store, &store_len)))
    {
        hr = call_validator(callback, job, file, cert, cert_len, store, store_len);
        free(store);
    }
    TRACE("job %s file %lu -> %#lx\n", debugstr_guid(job), file, hr);
    /* the program that set it is gone: documented as "could not be called" */
    if (events_peer_gone(hr))
    {
        httpopts3_forget_job(job);
        hr = BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED;
    }
    IBackgroundCopyServerCertificateValidationCallback_Release(callback);
    return hr;
}

/* ---- IUnknown and IBackgroundCopyJobHttpOptions: the job's ---- */

static HRESULT WINAPI http3_QueryInterface(IBackgroundCopyJobHttpOptions3 *iface, REFIID riid,
                                           void **obj)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    return IBackgroundCopyJob2_QueryInterface(&job->IBackgroundCopyJob2_iface, riid, obj);
}

static ULONG WINAPI http3_AddRef(IBackgroundCopyJobHttpOptions3 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    return IBackgroundCopyJob2_AddRef(&job->IBackgroundCopyJob2_iface);
}

static ULONG WINAPI http3_Release(IBackgroundCopyJobHttpOptions3 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    return IBackgroundCopyJob2_Release(&job->IBackgroundCopyJob2_iface);
}

static HRESULT WINAPI http3_SetClientCertificateByID(IBackgroundCopyJobHttpOptions3 *iface,
                                                     BG_CERT_STORE_LOCATION location,
                                                     LPCWSTR store, BYTE *hash)
{
    return IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http1(iface), location, store,
                                                                  hash);
}

static HRESULT WINAPI http3_SetClientCertificateByName(IBackgroundCopyJobHttpOptions3 *iface,
                                                       BG_CERT_STORE_LOCATION location,
                                                       LPCWSTR store, LPCWSTR subject)
{
    return IBackgroundCopyJobHttpOptions_SetClientCertificateByName(http1(iface), location, store,
                                                                    subject);
}

static HRESULT WINAPI http3_RemoveClientCertificate(IBackgroundCopyJobHttpOptions3 *iface)
{
    return IBackgroundCopyJobHttpOptions_RemoveClientCertificate(http1(iface));
}

static HRESULT WINAPI http3_GetClientCertificate(IBackgroundCopyJobHttpOptions3 *iface,
                                                 BG_CERT_STORE_LOCATION *location, LPWSTR *store,
                                                 BYTE **hash, LPWSTR *subject)
{
    return IBackgroundCopyJobHttpOptions_GetClientCertificate(http1(iface), location, store, hash,
                                                              subject);
}

static HRESULT WINAPI http3_SetCustomHeaders(IBackgroundCopyJobHttpOptions3 *iface, LPCWSTR headers)
{
    return IBackgroundCopyJobHttpOptions_SetCustomHeaders(http1(iface), headers);
}

static HRESULT WINAPI http3_GetCustomHeaders(IBackgroundCopyJobHttpOptions3 *iface, LPWSTR *headers)
{
    return IBackgroundCopyJobHttpOptions_GetCustomHeaders(http1(iface), headers);
}

static HRESULT WINAPI http3_SetSecurityFlags(IBackgroundCopyJobHttpOptions3 *iface, ULONG flags)
{
    return IBackgroundCopyJobHttpOptions_SetSecurityFlags(http1(iface), flags);
}

static HRESULT WINAPI http3_GetSecurityFlags(IBackgroundCopyJobHttpOptions3 *iface, ULONG *flags)
{
    return IBackgroundCopyJobHttpOptions_GetSecurityFlags(http1(iface), flags);
}

/* ---- IBackgroundCopyJobHttpOptions2 ---- */

static HRESULT WINAPI http3_SetHttpMethod(IBackgroundCopyJobHttpOptions3 *iface, LPCWSTR method)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);

    TRACE("%p %s\n", job, debugstr_w(method));
    if (!method)
        return HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER);
    /* bitsd checks the rest: a token, download jobs, before the first
     * Resume, not with dynamic content (jobs_newer.c) */
    return job_set_strings(job, BP_PROP_HTTP_METHOD, method, NULL, 1);
}

static HRESULT WINAPI http3_GetHttpMethod(IBackgroundCopyJobHttpOptions3 *iface, LPWSTR *method)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, method);
    if (!method)
        return HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER);
    *method = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    /* documented defaults: GET for downloads, BITS_POST for uploads */
    if (info.http_method)
        hr = cotask_wide_from_utf8(info.http_method, method);
    else
        hr = cotask_strdupW(info.type == BG_JOB_TYPE_DOWNLOAD ? L"GET" : L"BITS_POST", method);
    bp_job_info_free(&info);
    return hr;
}

/* ---- IBackgroundCopyJobHttpOptions3 ---- */

/* A job that may open a connection any moment cannot change its callback
 * (BG_E_READ_ONLY_WHEN_JOB_ACTIVE).  ERROR and TRANSIENT_ERROR are allowed:
 * the documented recovery from BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED
 * sets the callback again, then resumes. */
static BOOL is_active(ULONG state)
{
    return state == BG_JOB_STATE_QUEUED || state == BG_JOB_STATE_CONNECTING
        || state == BG_JOB_STATE_TRANSFERRING;
}

static HRESULT WINAPI http3_SetServerCertificateValidationInterface(IBackgroundCopyJobHttpOptions3 *iface,
                                                                     IUnknown *callback)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    IUnknown *validator = NULL, *previous;
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, callback);
    if (callback && FAILED(IUnknown_QueryInterface(callback,
                                                   &IID_IBackgroundCopyServerCertificateValidationCallback,
                                                   (void **)&validator)))
        return E_NOINTERFACE;
    if (SUCCEEDED(hr = job_get_info(job, &info)))
    {
        if (info.state == BG_JOB_STATE_ACKNOWLEDGED || info.state == BG_JOB_STATE_CANCELLED)
            hr = BG_E_INVALID_STATE;
        else if (is_active(info.state))
            hr = BG_E_READ_ONLY_WHEN_JOB_ACTIVE;
        bp_job_info_free(&info);
    }
    /* The events connection first: bitsd may ask as soon as it knows. */
    if (SUCCEEDED(hr) && validator)
        hr = events_hold(TRUE);
    if (SUCCEEDED(hr) && FAILED(hr = job_set_u32(job, BP_PROP_CERT_VALIDATION, validator != NULL)))
    {
        if (validator)
            events_hold(FALSE);
    }
    if (SUCCEEDED(hr) && FAILED(hr = swap_validator(&job->id, validator, &previous)) && validator)
        events_hold(FALSE);
    if (FAILED(hr))
    {
        if (validator)
            IUnknown_Release(validator);
        return hr;
    }
    if (previous)
    {
        events_hold(FALSE);
        IUnknown_Release(previous);
    }
    return S_OK;
}

static HRESULT WINAPI http3_MakeCustomHeadersWriteOnly(IBackgroundCopyJobHttpOptions3 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    struct bp_writer w;

    TRACE("%p\n", job);
    job_begin(job, &w, BP_JOB_SET);
    bp_put_u32(&w, BP_PROP_HEADERS_WRITE_ONLY);
    return ipc_call_simple(&w);
}

static const IBackgroundCopyJobHttpOptions3Vtbl http3_vtbl =
{
    http3_QueryInterface,
    http3_AddRef,
    http3_Release,
    http3_SetClientCertificateByID,
    http3_SetClientCertificateByName,
    http3_RemoveClientCertificate,
    http3_GetClientCertificate,
    http3_SetCustomHeaders,
    http3_GetCustomHeaders,
    http3_SetSecurityFlags,
    http3_GetSecurityFlags,
    http3_SetHttpMethod,
    http3_GetHttpMethod,
    http3_SetServerCertificateValidationInterface,
    http3_MakeCustomHeadersWriteOnly,
};

void httpopts3_init(struct job *job)
{
    job->IBackgroundCopyJobHttpOptions3_iface.lpVtbl = &http3_vtbl;
}
