/*
 * The private half of a job's client certificate (BP_SET_CLIENT_KEY).
 *
 * qmgr.dll exports the certificate and its RSA key from the prefix's store
 * and hands both here; they live in this process's memory only, like
 * credentials, and never reach jobs.db or the log.  After a restart of
 * bitsd a job whose certificate identity survived in the store runs
 * without the key until the program sets the certificate again.
 */
#include <stdlib.h>
#include <string.h>

#include "bitserr.h"
#include "bitsd.h"

/* Wipes before freeing: the key must not linger in freed heap. */
static void wipe_free(uint8_t *p, size_t len)
{
    if (p)
        explicit_bzero(p, len);
    free(p);
}

void job_clear_client_key(struct job *job)
{
    wipe_free(job->client_cert, job->client_cert_len);
    wipe_free(job->client_key, job->client_key_len);
    job->client_cert = job->client_key = NULL;
    job->client_cert_len = job->client_key_len = 0;
}

int job_has_client_key(const struct job *job)
{
    return job->j.x.cert_set && job->client_cert && job->client_key;
}

static uint8_t *dup_bytes(const uint8_t *p, uint32_t len)
{
    uint8_t *copy = malloc(len ? len : 1);

    if (copy)
        memcpy(copy, p, len);
    return copy;
}

int32_t job_set_client_key(struct job *job, const uint8_t *cert, uint32_t cert_len,
                           const uint8_t *key, uint32_t key_len)
{
    uint8_t *cert_copy, *key_copy;

    if (job_is_final(job))
        return BG_E_INVALID_STATE;
    /* both or neither: half a key pair is of no use to TLS */
    if (!cert != !key || (cert && (!cert_len || !key_len)))
        return E_INVALIDARG;
    if (!cert) {
        job_clear_client_key(job);
        return S_OK;
    }
    cert_copy = dup_bytes(cert, cert_len);
    key_copy = dup_bytes(key, key_len);
    if (!cert_copy || !key_copy) {
        free(cert_copy);
        wipe_free(key_copy, key_len);
        return E_OUTOFMEMORY;
    }
    job_clear_client_key(job);
    job->client_cert = cert_copy;
    job->client_cert_len = cert_len;
    job->client_key = key_copy;
    job->client_key_len = key_len;
    log_info("job %s: client certificate key pair received (kept in memory only)",
             job->j.display_name);
    return S_OK;
}
