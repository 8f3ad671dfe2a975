/*
 * Client certificates over HTTPS, as a Windows program uses them: the
 * certificate and its key are imported into CurrentUser\MY (from a PKCS#12
 * file, exportable), and IBackgroundCopyJobHttpOptions names it by
 * thumbprint or by subject.  The server (stunnel in front of bits-server,
 * tests/tls/run_tls_test.sh) demands a certificate from the test CA: with
 * one the download arrives intact; without one, or after
 * RemoveClientCertificate, the job ends in ERROR with
 * ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED.
 *
 * usage: tls_test.exe https://127.0.0.1:<port> <scratch dir> <server root>
 * The scratch directory holds client.p12 (password "winebits").
 */
#include "conform.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wincrypt.h>

#include <initguid.h>
#include <bits2_5.h>

#define P12_PASSWORD        L"winebits"
#define CERT_NEEDED         ((HRESULT)0x80072F0C)   /* ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED */
#define FILE_SIZE           (200 * 1024 + 11)

static struct bt_args args;
static IBackgroundCopyManager *manager;
static BYTE thumbprint[20];
/* The client certificate's common name: unique per run (tests/tls/tls_front.sh). */
static WCHAR client_subject[128];

/* client.p12 -> CurrentUser\MY, the key exportable; its SHA-1 thumbprint. */
static BOOL import_client_certificate(void)
{
    WCHAR path[MAX_PATH];
    CRYPT_DATA_BLOB pfx;
    const CERT_CONTEXT *cert;
    HCERTSTORE imported, my;
    DWORD size = sizeof(thumbprint);
    BOOL added;

    bt_scratch_path(path, &args, L"client.p12");
    pfx.pbData = bt_read_file(path, &pfx.cbData);
    if (!ok(pfx.pbData != NULL, "cannot read %ls\n", path))
        return FALSE;
    imported = PFXImportCertStore(&pfx, P12_PASSWORD, CRYPT_EXPORTABLE | CRYPT_USER_KEYSET);
    bt_free(pfx.pbData);
    if (!ok(imported != NULL, "PFXImportCertStore: %lu\n", GetLastError()))
        return FALSE;
    cert = CertEnumCertificatesInStore(imported, NULL);
    my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"MY");
    added = cert && my && CertAddCertificateContextToStore(my, cert, CERT_STORE_ADD_REPLACE_EXISTING,
                                                           NULL);
    ok(added, "adding the certificate to MY: %lu\n", GetLastError());
    if (added)
        added = ok(CertGetCertificateContextProperty(cert, CERT_HASH_PROP_ID, thumbprint, &size),
                   "thumbprint: %lu\n", GetLastError());
    if (added)
        added = ok(CertGetNameStringW(cert, CERT_NAME_ATTR_TYPE, 0, (void *)szOID_COMMON_NAME,
                                      client_subject, ARRAYSIZE(client_subject)) > 1,
                   "the certificate's common name: %lu\n", GetLastError());
    if (cert)
        CertFreeCertificateContext(cert);
    if (my)
        CertCloseStore(my, 0);
    CertCloseStore(imported, 0);
    return added;
}

/* Leaves MY as it was. */
static void remove_client_certificate(void)
{
    HCERTSTORE my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER,
                                  L"MY");
    CRYPT_HASH_BLOB blob = { sizeof(thumbprint), thumbprint };
    const CERT_CONTEXT *cert;

    if (!my)
        return;
    cert = CertFindCertificateInStore(my, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                      CERT_FIND_SHA1_HASH, &blob, NULL);
    if (cert)
        ok(CertDeleteCertificateFromStore(cert), "deleting the test certificate: %lu\n",
           GetLastError());
    CertCloseStore(my, 0);
}

/* A download job of a fresh file on the server, not yet resumed. */
static IBackgroundCopyJob2 *download_job(const WCHAR *name, unsigned seed, WCHAR *local)
{
    WCHAR remote[MAX_PATH], url[BT_URL_MAX], path[64];
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    ct_served_path(remote, &args, name);
    if (!ok(bt_write_pattern_file(remote, FILE_SIZE, seed), "cannot write %ls\n", remote))
        return NULL;
    swprintf(path, ARRAYSIZE(path), L"/files/%ls", name);
    bt_url(url, &args, path);
    bt_scratch_path(local, &args, name);
    DeleteFileW(local);
    if (!(job = ct_new_job(manager, name, BG_JOB_TYPE_DOWNLOAD)))
        return NULL;
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile(%ls): %#lx\n", url, hr);
    return job;
}

static IBackgroundCopyJobHttpOptions *http_options(IBackgroundCopyJob2 *job)
{
    IBackgroundCopyJobHttpOptions *http = NULL;
    HRESULT hr = IBackgroundCopyJob2_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions,
                                                    (void **)&http);

    ok(hr == S_OK, "QueryInterface(HttpOptions): %#lx\n", hr);
    return SUCCEEDED(hr) ? http : NULL;
}

/* Resumes and expects the file to arrive byte for byte. */
static void expect_download(IBackgroundCopyJob2 *job, const WCHAR *name, const WCHAR *local)
{
    WCHAR remote[MAX_PATH];
    char want[65], got[65];
    BG_JOB_STATE state;
    HRESULT hr;

    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    if (!ok(state == BG_JOB_STATE_TRANSFERRED, "%ls: state %s\n", name, bt_state_name(state)))
        return;
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    ct_served_path(remote, &args, name);
    ok(bt_file_sha256(remote, want) && bt_file_sha256(local, got) && !strcmp(want, got),
       "%ls differs from what the server has\n", local);
}

/* Resumes and expects ERROR: the server wanted a certificate. */
static void expect_cert_needed(IBackgroundCopyJob2 *job, const char *what)
{
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT context = 0;
    BG_JOB_STATE state;
    HRESULT hr, code = S_OK;

    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    if (!ok(state == BG_JOB_STATE_ERROR, "%s: state %s\n", what, bt_state_name(state)))
        return;
    hr = IBackgroundCopyJob2_GetError(job, &error);
    if (!ok(hr == S_OK, "GetError: %#lx\n", hr))
        return;
    hr = IBackgroundCopyError_GetError(error, &context, &code);
    ok(hr == S_OK && code == CERT_NEEDED && context == BG_ERROR_CONTEXT_GENERAL_TRANSPORT,
       "%s: error %#lx context %d (%#lx)\n", what, code, context, hr);
    IBackgroundCopyError_Release(error);
}

static void test_without_certificate(void)
{
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob2 *job = download_job(L"tls-none.bin", 21, local);

    if (!job)
        return;
    expect_cert_needed(job, "no certificate");
    ok(GetFileAttributesW(local) == INVALID_FILE_ATTRIBUTES, "%ls exists\n", local);
    ct_drop_job(job);
}

enum cert_choice { CERT_BY_ID, CERT_BY_NAME, CERT_SET_THEN_REMOVED };

/* A download over the port that demands a client certificate, with the
 * test certificate chosen by thumbprint or by subject (the file arrives),
 * or chosen and removed again (the job needs a certificate). */
static void test_certificate(const WCHAR *name, unsigned seed, enum cert_choice choice)
{
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob2 *job = download_job(name, seed, local);
    IBackgroundCopyJobHttpOptions *http;
    HRESULT hr;

    if (!job)
        return;
    if ((http = http_options(job))) {
        if (choice == CERT_BY_NAME) {
            hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByName(http,
                    BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY", client_subject);
            ok(hr == S_OK, "SetClientCertificateByName: %#lx\n", hr);
        } else {
            hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http,
                    BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY", thumbprint);
            ok(hr == S_OK, "SetClientCertificateByID: %#lx\n", hr);
        }
        if (choice == CERT_SET_THEN_REMOVED) {
            hr = IBackgroundCopyJobHttpOptions_RemoveClientCertificate(http);
            ok(hr == S_OK, "RemoveClientCertificate: %#lx\n", hr);
            expect_cert_needed(job, "removed certificate");
        } else {
            expect_download(job, name, local);
        }
        IBackgroundCopyJobHttpOptions_Release(http);
    }
    ct_drop_job(job);
}

int main(int argc, char **argv)
{
    if (!bt_begin(argc, argv, &args, TRUE, &manager))
        return 2;
    if (manager && import_client_certificate()) {
        test_without_certificate();
        test_certificate(L"tls-byid.bin", 22, CERT_BY_ID);
        test_certificate(L"tls-byname.bin", 23, CERT_BY_NAME);
        test_certificate(L"tls-removed.bin", 24, CERT_SET_THEN_REMOVED);
        remove_client_certificate();
    }
    return bt_end(manager);
}
