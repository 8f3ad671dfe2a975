/*
 * The server certificate validation callback
 * (IBackgroundCopyJobHttpOptions3::SetServerCertificateValidationInterface)
 * as a Windows program sees it, over HTTPS to bits-server behind stunnel
 * (tests/tls/run_tls_test.sh):
 *  - accepted: called once per file, before any data, with the server's
 *    certificate (DER, the same as the server's server.der) and a
 *    serialized store that holds it; the files arrive intact;
 *  - refused with an HRESULT of the program's choice: TRANSIENT_ERROR with
 *    that code and BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK, no data;
 *  - the callback object gone (disconnected, as when its program exited):
 *    BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED; setting a callback
 *    again and resuming finishes the job (the documented recovery).
 *
 * usage: certcb_test.exe https://127.0.0.1:<port> <scratch dir> <server root>
 * The scratch directory holds server.der.
 */
#include "conform.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wincrypt.h>

#include <initguid.h>
#include "httpopts3.h"

#define FILE_SIZE           (150 * 1024 + 7)
#define REFUSED             ((HRESULT)0x8004F00D)   /* any code the program chooses */

static struct bt_args args;
static IBackgroundCopyManager *manager;
static BYTE *server_der;
static DWORD server_der_len;

/* ---- the callback object ---- */

struct validator {
    IUnknown IUnknown_iface;
    LONG ref;
    HRESULT answer;
    LONG calls;
    LONG good_calls;            /* calls whose arguments were all as expected */
    GUID job;                   /* of the last call */
    WCHAR remote[BT_URL_MAX];   /* the last call's file */
};

static struct validator *impl_from_IUnknown(IUnknown *iface)
{
    return CONTAINING_RECORD(iface, struct validator, IUnknown_iface);
}

static HRESULT WINAPI validator_QueryInterface(IUnknown *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown)
            || IsEqualGUID(riid, &IID_IBackgroundCopyServerCertificateValidationCallback)) {
        *obj = iface;
        IUnknown_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI validator_AddRef(IUnknown *iface)
{
    return InterlockedIncrement(&impl_from_IUnknown(iface)->ref);
}

static ULONG WINAPI validator_Release(IUnknown *iface)
{
    return InterlockedDecrement(&impl_from_IUnknown(iface)->ref);
}

/* The store must be a serialized store that holds the server's certificate. */
static BOOL store_holds_server_cert(DWORD len, const BYTE *data)
{
    CRYPT_DATA_BLOB blob = { len, (BYTE *)data };
    const CERT_CONTEXT *cert = NULL;
    HCERTSTORE store;
    BOOL found = FALSE;

    if (!(store = CertOpenStore(CERT_STORE_PROV_SERIALIZED, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
                                0, 0, &blob)))
        return FALSE;
    while (!found && (cert = CertEnumCertificatesInStore(store, cert)))
        found = cert->cbCertEncoded == server_der_len
             && !memcmp(cert->pbCertEncoded, server_der, server_der_len);
    if (cert)
        CertFreeCertificateContext(cert);
    CertCloseStore(store, 0);
    return found;
}

static HRESULT WINAPI validator_Validate(IUnknown *iface, IBackgroundCopyJob *job,
                                         IBackgroundCopyFile *file, DWORD len, const BYTE *data,
                                         DWORD encoding, DWORD store_len, const BYTE *store)
{
    struct validator *v = impl_from_IUnknown(iface);
    WCHAR *remote = NULL;
    BOOL good;

    InterlockedIncrement(&v->calls);
    good = len == server_der_len && !memcmp(data, server_der, len)
        && (encoding & X509_ASN_ENCODING) && store_holds_server_cert(store_len, store);
    if (!good)
        trace("callback: certificate of %lu bytes, encoding %#lx, store of %lu bytes\n", len,
              encoding, store_len);
    if (FAILED(IBackgroundCopyJob_GetId(job, &v->job)))
        good = FALSE;
    if (SUCCEEDED(IBackgroundCopyFile_GetRemoteName(file, &remote))) {
        lstrcpynW(v->remote, remote, BT_URL_MAX);
        CoTaskMemFree(remote);
    } else {
        good = FALSE;
    }
    if (good)
        InterlockedIncrement(&v->good_calls);
    return v->answer;
}

static const struct cert_callback_vtbl validator_vtbl = {
    { validator_QueryInterface, validator_AddRef, validator_Release },
    validator_Validate,
};

static void validator_init(struct validator *v, HRESULT answer)
{
    memset(v, 0, sizeof(*v));
    v->IUnknown_iface.lpVtbl = (IUnknownVtbl *)&validator_vtbl;
    v->ref = 1;
    v->answer = answer;
}

/* ---- jobs ---- */

static void serve(const WCHAR *name, unsigned seed, WCHAR *url, WCHAR *local)
{
    WCHAR remote[MAX_PATH], path[64];

    ct_served_path(remote, &args, name);
    ok(bt_write_pattern_file(remote, FILE_SIZE, seed), "cannot write %ls\n", remote);
    swprintf(path, ARRAYSIZE(path), L"/files/%ls", name);
    bt_url(url, &args, path);
    bt_scratch_path(local, &args, name);
    DeleteFileW(local);
}

static void add_file(IBackgroundCopyJob2 *job, const WCHAR *name, unsigned seed, WCHAR *url,
                     WCHAR *local)
{
    HRESULT hr;

    serve(name, seed, url, local);
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile(%ls): %#lx\n", url, hr);
}

static HRESULT set_validator(IBackgroundCopyJob2 *job, struct validator *v)
{
    IBackgroundCopyJobHttpOptions3 *http = NULL;
    HRESULT hr;

    hr = IBackgroundCopyJob2_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions3,
                                            (void **)&http);
    if (!ok(hr == S_OK, "QueryInterface(HttpOptions3): %#lx\n", hr))
        return hr;
    hr = H3(http, SetServerCertificateValidationInterface, v ? &v->IUnknown_iface : NULL);
    H3(http, Release);
    return hr;
}

static void expect_same_file(const WCHAR *name, const WCHAR *local)
{
    WCHAR remote[MAX_PATH];
    char want[65], got[65];

    ct_served_path(remote, &args, name);
    ok(bt_file_sha256(remote, want) && bt_file_sha256(local, got) && !strcmp(want, got),
       "%ls differs from what the server has\n", local);
}

/* TRANSIENT_ERROR with 'code' in the callback's context, nothing moved. */
static void expect_callback_error(IBackgroundCopyJob2 *job, HRESULT code, const char *what)
{
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT context = 0;
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state;
    HRESULT hr, got = S_OK;

    state = ct_wait_for_state(job, BG_JOB_STATE_TRANSIENT_ERROR);
    if (!ok(state == BG_JOB_STATE_TRANSIENT_ERROR, "%s: state %s\n", what, bt_state_name(state)))
        return;
    hr = IBackgroundCopyJob2_GetError(job, &error);
    if (!ok(hr == S_OK, "%s: GetError: %#lx\n", what, hr))
        return;
    hr = IBackgroundCopyError_GetError(error, &context, &got);
    ok(hr == S_OK && got == code && context == BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK_,
       "%s: error %#lx context %d, expected %#lx context 8\n", what, got, context, code);
    IBackgroundCopyError_Release(error);
    hr = IBackgroundCopyJob2_GetProgress(job, &progress);
    ok(hr == S_OK && progress.BytesTransferred == 0, "%s: %lu bytes moved before the verdict\n",
       what, (unsigned long)progress.BytesTransferred);
}

/* ---- tests ---- */

static void test_accepted(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"certcb accepted", BG_JOB_TYPE_DOWNLOAD);
    WCHAR url_a[BT_URL_MAX], url_b[BT_URL_MAX], local_a[MAX_PATH], local_b[MAX_PATH];
    struct validator v;
    BG_JOB_STATE state;
    GUID id;
    HRESULT hr;

    if (!job)
        return;
    validator_init(&v, S_OK);
    add_file(job, L"certcb-a.bin", 31, url_a, local_a);
    add_file(job, L"certcb-b.bin", 32, url_b, local_b);
    hr = set_validator(job, &v);
    ok(hr == S_OK, "SetServerCertificateValidationInterface: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %s\n", bt_state_name(state));
    /* once per file: each file's transfer opens its own connection */
    ok(v.calls == 2, "callback called %ld times, expected 2\n", v.calls);
    ok(v.good_calls == v.calls, "%ld of %ld calls had unexpected arguments\n",
       v.calls - v.good_calls, v.calls);
    ok(SUCCEEDED(IBackgroundCopyJob2_GetId(job, &id)) && IsEqualGUID(&id, &v.job),
       "the callback got another job\n");
    ok(!lstrcmpW(v.remote, url_b), "last call for %ls, expected %ls\n", v.remote, url_b);
    if (state == BG_JOB_STATE_TRANSFERRED) {
        hr = IBackgroundCopyJob2_Complete(job);
        ok(hr == S_OK, "Complete: %#lx\n", hr);
        expect_same_file(L"certcb-a.bin", local_a);
        expect_same_file(L"certcb-b.bin", local_b);
        ok(v.ref == 1, "callback not released by Complete: %ld references\n", v.ref);
    }
    ct_drop_job(job);
}

static void test_refused(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"certcb refused", BG_JOB_TYPE_DOWNLOAD);
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    struct validator v;
    HRESULT hr;

    if (!job)
        return;
    validator_init(&v, REFUSED);
    add_file(job, L"certcb-refused.bin", 33, url, local);
    hr = set_validator(job, &v);
    ok(hr == S_OK, "SetServerCertificateValidationInterface: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    expect_callback_error(job, REFUSED, "refused");
    ok(v.calls == 1 && v.good_calls == 1, "callback called %ld times (%ld as expected)\n",
       v.calls, v.good_calls);
    ok(GetFileAttributesW(local) == INVALID_FILE_ATTRIBUTES, "%ls exists\n", local);
    hr = IBackgroundCopyJob2_Cancel(job);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    ok(v.ref == 1, "callback not released by Cancel: %ld references\n", v.ref);
    ct_drop_job(job);
}

static void test_unreachable_then_set_again(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"certcb gone", BG_JOB_TYPE_DOWNLOAD);
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    struct validator gone, again;
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job)
        return;
    validator_init(&gone, S_OK);
    validator_init(&again, S_OK);
    add_file(job, L"certcb-gone.bin", 34, url, local);
    hr = set_validator(job, &gone);
    ok(hr == S_OK, "SetServerCertificateValidationInterface: %#lx\n", hr);
    /* the service's proxy now reaches nothing, as after the program exited */
    hr = CoDisconnectObject(&gone.IUnknown_iface, 0);
    ok(hr == S_OK, "CoDisconnectObject: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    expect_callback_error(job, BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED, "disconnected");
    ok(gone.calls == 0, "a disconnected callback was called %ld times\n", gone.calls);

    /* documented recovery: set the callback again, resume */
    hr = set_validator(job, &again);
    ok(hr == S_OK, "SetServerCertificateValidationInterface again: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "after setting it again: state %s\n",
       bt_state_name(state));
    ok(again.calls == 1 && again.good_calls == 1, "new callback called %ld times (%ld as expected)\n",
       again.calls, again.good_calls);
    if (state == BG_JOB_STATE_TRANSFERRED) {
        ok(IBackgroundCopyJob2_Complete(job) == S_OK, "Complete failed\n");
        expect_same_file(L"certcb-gone.bin", local);
    }
    ct_drop_job(job);
}

int main(int argc, char **argv)
{
    WCHAR path[MAX_PATH];

    if (!bt_begin(argc, argv, &args, TRUE, &manager))
        return 2;
    bt_scratch_path(path, &args, L"server.der");
    server_der = bt_read_file(path, &server_der_len);
    ok(server_der != NULL, "cannot read %ls\n", path);
    if (manager && server_der) {
        test_accepted();
        test_refused();
        test_unreachable_then_set_again();
    }
    bt_free(server_der);
    return bt_end(manager);
}
