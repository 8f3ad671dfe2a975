/*
 * Helpers shared by the tests that run the real bitsd (test_faults.c,
 * test_notify.c, test_auth.c, test_ipc.c): a temporary prefix, the real bitsd in it (started and
 * killed at will), bits-server, and one-line IPC requests.
 *
 * Everything runs on 127.0.0.1 in /tmp/survive-<tag>-XXXXXX; a fake 'wine'
 * can be put first on bitsd's PATH (PREFIX/bin) to record notify command
 * lines without Wine.
 */
#ifndef SURVIVE_UTIL_H
#define SURVIVE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bitserr.h"
#include "ipcclient.h"
#include "server_harness.h"

#define SV_SID "S-1-5-21-1-2-3-1000"

struct sv_env {
    char prefix[64];
    char statedir[128];
    pid_t daemon;
    struct bits_server srv;
};
extern struct sv_env sv;

void sv_sleep_ms(int ms);
/* PREFIX/<name>; rotates through a few static buffers. */
const char *sv_path(const char *name);
/* Creates the prefix; returns 0. */
int sv_setup(const char *tag);
/* Stops bitsd (SIGTERM) and bits-server, checks for sanitizer reports,
 * removes the prefix. */
int sv_teardown(void);

/* Starts bitsd --foreground on the prefix with extra "NAME=value"
 * environment entries (NULL-terminated list, may be NULL) and waits for its
 * port file.  Returns 0 or -1. */
int sv_start_daemon(const char *const *env);
/* Sends 'sig' and reaps bitsd. */
void sv_stop_daemon(int sig);
int sv_daemon_log_contains(const char *needle);
int sv_count_in_log(const char *needle);

/* Writes an executable PREFIX/bin/wine with the given shell script. */
void sv_fake_wine(const char *script);

void sv_connect(struct ipc_client *c, uint32_t flags);
/* Sends the request begun with ipc_begin(); asserts the round trip, returns hr. */
int32_t sv_call(struct ipc_client *c, struct bp_reader *r);
int32_t sv_create_job(struct ipc_client *c, const char *name, uint32_t type, uint8_t id[16]);
int32_t sv_add_file(struct ipc_client *c, const uint8_t id[16], const char *url,
                    const char *win, const char *unx);
int32_t sv_action(struct ipc_client *c, const uint8_t id[16], uint32_t act);
int32_t sv_get_job(struct ipc_client *c, const uint8_t id[16]);
/* 'info' must be freed with bp_job_info_free on success. */
int32_t sv_info(struct ipc_client *c, const uint8_t id[16], struct bp_job_info *info);
int32_t sv_set_u32(struct ipc_client *c, const uint8_t id[16], uint32_t prop, uint32_t v);
int32_t sv_set_strs(struct ipc_client *c, const uint8_t id[16], uint32_t prop, const char *s1,
                    const char *s2);
int32_t sv_set_creds(struct ipc_client *c, const uint8_t id[16], uint32_t target,
                     uint32_t scheme, const char *user, const char *password);
int32_t sv_remove_creds(struct ipc_client *c, const uint8_t id[16], uint32_t target,
                        uint32_t scheme);
int32_t sv_set_proxy(struct ipc_client *c, const uint8_t id[16], uint32_t usage,
                     const char *list, const char *bypass);
/* Reply bytes (malloc'd, NUL-terminated; NULL when there is none). */
int32_t sv_reply_data(struct ipc_client *c, const uint8_t id[16], char **data, uint64_t *len);
/* Polls JOB_INFO until the state is 'want' or a state the job cannot leave
 * by itself (ERROR, ACKNOWLEDGED, CANCELLED, and TRANSFERRED); returns it,
 * or 99 when 'seconds' passed. */
/* A suspended job with one file, against bits-server at 'base'
 * ("http://127.0.0.1:PORT", "https://..."): a download of a fresh file
 * served as /files/<name>, or an upload-reply of a fresh local file to
 * /reply/digest/<name>.  'digest': the SHA-256 the transfer must give. */
void sv_make_job(struct ipc_client *c, const char *base, const char *name, uint32_t type,
                 uint8_t id[16], char digest[65]);
/* Waits for TRANSFERRED (printing the job's error if it does not come),
 * checks the reply of an upload-reply job, calls Complete and checks a
 * downloaded file, both against 'digest'. */
void sv_expect_transferred(struct ipc_client *c, const uint8_t id[16], uint32_t type,
                           const char *name, const char *digest);
uint32_t sv_wait_state(struct ipc_client *c, const uint8_t id[16], uint32_t want, int seconds);

/* Deterministic file content: byte i = (i * 7 + i / 251 + seed) & 0xFF. */
void sv_make_file(const char *path, size_t size, unsigned seed);
/* SHA-256 hex of a file, "" when it cannot be read. */
void sv_sha256(const char *path, char hex[65]);
/* 1 when the file exists and its bytes are 'needle' (binary, any size). */
int sv_file_contains(const char *path, const void *needle, size_t len);

#endif
