/*
 * The client certificate of IBackgroundCopyJobHttpOptions, handed to bitsd.
 *
 * Windows BITS lets Schannel use the key where it lies.  bitsd's TLS is
 * libcurl's, in another process, so the certificate and its private key
 * are exported here, from the prefix's store, and sent with
 * BP_SET_CLIENT_KEY; bitsd keeps them in memory only.
 *
 * Wine 8's PFXExportCertStoreEx is a stub (FALSE, last error 0) and its
 * crypt32 has no PKCS_RSA_PRIVATE_KEY encoder, but rsaenh exports an
 * exportable key as a PRIVATEKEYBLOB: that blob is turned into the DER
 * PKCS#1 RSAPrivateKey libcurl reads.  Only RSA keys, only exportable ones
 * (PFXImportCertStore with CRYPT_EXPORTABLE); for any other key the job
 * goes on without it, as it would after a restart of bitsd.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"
#include <wincrypt.h>

#define RSA2_MAGIC      0x32415352      /* "RSA2": RSAPUBKEY.magic of a private key */

/* ---- DER ---- */

struct der
{
    BYTE *p;
    size_t len, cap;
};

static BOOL der_put(struct der *d, const BYTE *src, size_t n)
{
    if (d->cap - d->len < n)
        return FALSE;
    memcpy(d->p + d->len, src, n);
    d->len += n;
    return TRUE;
}

static BOOL der_put_header(struct der *d, BYTE tag, size_t len)
{
    BYTE head[6];
    size_t n = 0, i;

    head[n++] = tag;
    if (len < 0x80)
        head[n++] = (BYTE)len;
    else
    {
        size_t bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;

        head[n++] = 0x80 | (BYTE)bytes;
        for (i = bytes; i-- > 0;)
            head[n++] = (BYTE)(len >> (8 * i));
    }
    return der_put(d, head, n);
}

/* A non-negative INTEGER from a little-endian number (CryptoAPI's order). */
static BOOL der_put_integer(struct der *d, const BYTE *le, size_t n)
{
    BOOL pad;
    size_t i;

    while (n > 1 && !le[n - 1])
        n--;
    pad = (le[n - 1] & 0x80) != 0;
    if (!der_put_header(d, 0x02, n + pad))
        return FALSE;
    if (pad && !der_put(d, (const BYTE *)"", 1))
        return FALSE;
    for (i = n; i-- > 0;)
        if (!der_put(d, &le[i], 1))
            return FALSE;
    return TRUE;
}

/* PRIVATEKEYBLOB (BLOBHEADER, RSAPUBKEY, then n, p, q, dP, dQ, qInv, d)
 * -> RSAPrivateKey ::= SEQUENCE { 0, n, e, d, p, q, dP, dQ, qInv } */
static HRESULT pkcs1_from_blob(const BYTE *blob, DWORD size, BYTE **out, DWORD *out_len)
{
    const BLOBHEADER *head = (const BLOBHEADER *)blob;
    const RSAPUBKEY *rsa = (const RSAPUBKEY *)(blob + sizeof(*head));
    const BYTE *n, *p, *q, *dp, *dq, *qinv, *priv;
    size_t full, half, body_cap;
    struct der body, whole;
    BYTE exponent[4];
    BOOL ok;

    if (size < sizeof(*head) + sizeof(*rsa) || head->bType != PRIVATEKEYBLOB
            || rsa->magic != RSA2_MAGIC || !rsa->bitlen)
        return NTE_BAD_TYPE;
    full = (rsa->bitlen + 7) / 8;
    half = (rsa->bitlen + 15) / 16;
    if (size < sizeof(*head) + sizeof(*rsa) + 2 * full + 5 * half)
        return NTE_BAD_DATA;
    n = (const BYTE *)(rsa + 1);
    p = n + full;
    q = p + half;
    dp = q + half;
    dq = dp + half;
    qinv = dq + half;
    priv = qinv + half;
    memcpy(exponent, &rsa->pubexp, sizeof(exponent));

    body_cap = 2 * full + 5 * half + 4 + 9 * 6;
    body.p = malloc(body_cap + 8);
    body.len = 0;
    body.cap = body_cap;
    if (!body.p)
        return E_OUTOFMEMORY;
    ok = der_put_integer(&body, (const BYTE *)"", 1)
        && der_put_integer(&body, n, full) && der_put_integer(&body, exponent, sizeof(exponent))
        && der_put_integer(&body, priv, full) && der_put_integer(&body, p, half)
        && der_put_integer(&body, q, half) && der_put_integer(&body, dp, half)
        && der_put_integer(&body, dq, half) && der_put_integer(&body, qinv, half);
    whole.p = NULL;
    if (ok && (whole.p = malloc(body.len + 6)))
    {
        whole.len = 0;
        whole.cap = body.len + 6;
        ok = der_put_header(&whole, 0x30, body.len) && der_put(&whole, body.p, body.len);
    }
    SecureZeroMemory(body.p, body.cap);
    free(body.p);
    if (!ok || !whole.p)
    {
        if (whole.p)
            SecureZeroMemory(whole.p, whole.cap);
        free(whole.p);
        return ok ? E_OUTOFMEMORY : NTE_BAD_DATA;
    }
    *out = whole.p;
    *out_len = (DWORD)whole.len;
    return S_OK;
}

/* ---- the key in the store ---- */

/* Wine's PFXImportCertStore records a key spec of 3 that CryptGetUserKey
 * refuses; try the named spec, then both real ones. */
static BOOL get_user_key(HCRYPTPROV prov, DWORD spec, HCRYPTKEY *key)
{
    if ((spec == AT_KEYEXCHANGE || spec == AT_SIGNATURE) && CryptGetUserKey(prov, spec, key))
        return TRUE;
    return CryptGetUserKey(prov, AT_KEYEXCHANGE, key) || CryptGetUserKey(prov, AT_SIGNATURE, key);
}

static HRESULT export_private_key(const CERT_CONTEXT *cert, BYTE **der, DWORD *der_len)
{
    HCRYPTPROV_OR_NCRYPT_KEY_HANDLE prov;
    HCRYPTKEY key;
    DWORD spec, size = 0;
    BOOL free_prov;
    BYTE *blob;
    HRESULT hr;

    if (!CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_SILENT_FLAG, NULL, &prov, &spec,
                                           &free_prov))
        return HRESULT_FROM_WIN32(GetLastError());
    /* a CNG key comes only when asked for with CRYPT_ACQUIRE_*_NCRYPT_KEY_FLAG */
    if (spec == CERT_NCRYPT_KEY_SPEC)
        return NTE_BAD_KEY;
    hr = S_OK;
    if (!get_user_key(prov, spec, &key))
        hr = HRESULT_FROM_WIN32(GetLastError());
    else
    {
        if (!CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, NULL, &size))
            hr = HRESULT_FROM_WIN32(GetLastError());
        else if (!(blob = malloc(size)))
            hr = E_OUTOFMEMORY;
        else
        {
            if (!CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, blob, &size))
                hr = HRESULT_FROM_WIN32(GetLastError());
            else
                hr = pkcs1_from_blob(blob, size, der, der_len);
            SecureZeroMemory(blob, size);
            free(blob);
        }
        CryptDestroyKey(key);
    }
    if (free_prov)
        CryptReleaseContext(prov, 0);
    return hr;
}

static HRESULT send_key(struct job *job, const BYTE *cert, DWORD cert_len, const BYTE *key,
                        DWORD key_len)
{
    struct bp_writer w;

    job_begin(job, &w, BP_SET_CLIENT_KEY);
    bp_put_bytes(&w, cert, cert_len);
    bp_put_bytes(&w, key, key_len);
    return ipc_call_simple(&w);
}

HRESULT clientcert_send(struct job *job, const CERT_CONTEXT *cert)
{
    BYTE *key = NULL;
    DWORD key_len = 0;
    HRESULT hr = export_private_key(cert, &key, &key_len);

    if (FAILED(hr))
    {
        /* Windows does not need the key now either: the job keeps the
         * certificate, and a server that demands it refuses the transfer. */
        WARN("the certificate's private key cannot be used here: %#lx\n", hr);
        return clientcert_forget(job);
    }
    hr = send_key(job, cert->pbCertEncoded, cert->cbCertEncoded, key, key_len);
    SecureZeroMemory(key, key_len);
    free(key);
    return hr;
}

HRESULT clientcert_forget(struct job *job)
{
    return send_key(job, NULL, 0, NULL, 0);
}
