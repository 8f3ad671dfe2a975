/*
 * A small blocking client for bitsd's IPC protocol (bitsproto.h), for native
 * tools (bitsctl, winebits) and tests.
 *
 *   struct ipc_client c;
 *   ipc_connect(&c, statedir, "S-1-5-21-...", 0);
 *   ipc_begin(&c, BP_GET_JOB); bp_put_guid(&c.req, id);
 *   if (ipc_call(&c, &reply, &hr) == 0 && hr >= 0) ... bp_get_*(&reply) ...
 *   ipc_close(&c);
 */
#ifndef IPCCLIENT_H
#define IPCCLIENT_H

#include <stdint.h>
#include "bitsproto.h"

struct ipc_event {
    uint8_t job[16];
    uint32_t event;
    uint32_t file;
    /* BP_EVENT_SERVER_CERT: the server's certificate (DER, malloc'd: the
     * receiver frees it) and the length of the chain; NULL and 0 else */
    uint8_t *cert;
    uint32_t cert_len;
    uint32_t chain_count;
};

struct ipc_client {
    int fd;
    uint32_t seq;
    uint16_t type;              /* of the request being built */
    struct bp_writer req;       /* the request being built */
    uint8_t *reply;             /* payload of the last reply */
    size_t reply_len;
    struct ipc_event *events;   /* events that arrived while waiting for replies */
    unsigned n_events;
    int timeout_ms;             /* per read; default 30 s */
};

/* Reads <statedir>/port and <statedir>/token, connects and says hello.
 * Returns 0, or -1 (errno set; a refused hello gives EACCES). */
int ipc_connect(struct ipc_client *c, const char *statedir, const char *sid, uint32_t flags);
/* The same with explicit port and token. */
int ipc_connect_to(struct ipc_client *c, unsigned port, const char *token, const char *sid,
                   uint32_t flags);
/* Connects without saying hello (for tests that misbehave on purpose). */
int ipc_connect_raw(struct ipc_client *c, unsigned port);
int ipc_read_port_token(const char *statedir, unsigned *port, char token[BP_TOKEN_LEN + 1]);

/* Starts a request of 'type'; add the fields with bp_put_*(&c->req, ...). */
void ipc_begin(struct ipc_client *c, uint16_t type);
/* Sends it and waits for the reply.  Returns 0 and fills *hr with a reader
 * positioned after hr, or -1 when the connection failed. */
int ipc_call(struct ipc_client *c, struct bp_reader *reply, int32_t *hr);
/* Sends raw bytes (tests). */
int ipc_send_raw(struct ipc_client *c, const void *data, size_t len);
/* Waits up to timeout_ms for an event (queued ones first).  1 = got one,
 * 0 = timeout, -1 = connection failed. */
int ipc_wait_event(struct ipc_client *c, int timeout_ms, struct ipc_event *ev);
/* 1 when the peer has closed the connection (waits up to timeout_ms). */
int ipc_peer_closed(struct ipc_client *c, int timeout_ms);
void ipc_close(struct ipc_client *c);

#endif
