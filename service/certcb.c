/*
 * The server certificate validation callback of a job
 * (IBackgroundCopyJobHttpOptions3::SetServerCertificateValidationInterface).
 *
 * The callback lives in the process that set it (qmgr.dll in the BITS
 * service); bitsd only records that the job has one (BP_PROP_CERT_VALIDATION,
 * persisted).  When the engine has the server's chain, every events
 * connection gets BP_EVENT_SERVER_CERT: the process holding the callback
 * answers with its HRESULT, any other one with
 * BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED.  The first real answer
 * decides; when all said "not here", or went away, or no process was
 * connected at all (the program and the service are gone), the documented
 * BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED ends the transfer.
 */
#include <stdlib.h>
#include <string.h>

#include "bitsd.h"

void certcb_clear(struct job *job)
{
    free(job->cert_asked);
    job->cert_asked = NULL;
    job->n_cert_asked = 0;
}

static void decide(struct job *job, int32_t hr)
{
    certcb_clear(job);
    log_info("job %s: server certificate callback: 0x%08x", job->j.display_name, (unsigned)hr);
    xfer_cert_verdict(job->xfer, hr);
}

void certcb_ask(struct bitsd *d, struct job *job, const struct xfer_cert_chain *chain)
{
    certcb_clear(job);
    job->n_cert_asked = control_send_cert_events(d, job->j.id, job->cur_file, chain,
                                                 &job->cert_asked);
    if (!job->n_cert_asked)
        decide(job, BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED);
}

/* Drops connection 'id' from the job's waiting list; 1 if it was there. */
static int took_answer(struct job *job, unsigned id)
{
    unsigned i;

    for (i = 0; i < job->n_cert_asked; i++) {
        if (job->cert_asked[i] == id) {
            job->cert_asked[i] = job->cert_asked[--job->n_cert_asked];
            return 1;
        }
    }
    return 0;
}

void certcb_result(struct bitsd *d, struct conn *c, const uint8_t id[16], int32_t hr)
{
    struct job *job = jobs_find(d, id);

    if (!job || !took_answer(job, conn_id(c)))
        return;     /* late answer to a transfer that is gone */
    if (hr != BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED || !job->n_cert_asked)
        decide(job, hr);
}

void certcb_conn_gone(struct bitsd *d, struct conn *c)
{
    struct job *job;

    for (job = d->jobs; job; job = job->next)
        if (took_answer(job, conn_id(c)) && !job->n_cert_asked)
            decide(job, BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED);
}
