/*
 * HTTPS under the real bitsd: TLS in front of bits-server by stunnel
 * (tests/tls/tls_front.sh, certificates made at test time), trust from
 * BITSD_CA_FILE, the WinHTTP-style errors for an unknown CA, a name
 * mismatch, an expired certificate and a missing client certificate, the
 * BG_SSL_IGNORE_* flags that lift the first three, the client key pair of BP_SET_CLIENT_KEY: used
 * by libcurl, never written to disk, gone after a restart of bitsd, and the
 * server certificate validation callback (BP_EVENT_SERVER_CERT): asked
 * before any data with the server's certificate, its answer applied.
 *
 * Skipped (exit 77) when stunnel is not installed; CI installs stunnel4.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "survive_util.h"

#define SKIP_STATUS         77
#define CLIENT_SUBJECT      "winebits test client"
#define SSL_IGNORE_CN       0x0002u     /* BG_SSL_IGNORE_CN_INVALID */
#define SSL_IGNORE_DATE     0x0004u     /* BG_SSL_IGNORE_DATE_INVALID */
#define SSL_IGNORE_CA       0x0008u     /* BG_SSL_IGNORE_UNKNOWN_CA */

static struct {
    char dir[160];
    char ca_env[200];
    unsigned good, selfsigned, wrongname, clientauth, expired;
} tls;

/* tls_front.sh start|stop; its exit status. */
static int front(const char *cmd)
{
    char backend[16];
    pid_t pid;
    int status;

    snprintf(backend, sizeof(backend), "%d", sv.srv.port);
    pid = fork();
    if (pid == 0) {
        execl("/bin/bash", "bash", TLS_FRONT_SCRIPT, cmd, tls.dir, backend, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static int read_ports(void)
{
    char path[200], name[32];
    unsigned port;
    FILE *f;

    snprintf(path, sizeof(path), "%s/ports", tls.dir);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fscanf(f, "%31s %u", name, &port) == 2) {
        if (!strcmp(name, "good")) tls.good = port;
        else if (!strcmp(name, "selfsigned")) tls.selfsigned = port;
        else if (!strcmp(name, "wrongname")) tls.wrongname = port;
        else if (!strcmp(name, "clientauth")) tls.clientauth = port;
        else if (!strcmp(name, "expired")) tls.expired = port;
    }
    fclose(f);
    return tls.good && tls.selfsigned && tls.wrongname && tls.clientauth && tls.expired ? 0 : -1;
}

static int start_daemon_trusting_ca(void)
{
    const char *env[] = { tls.ca_env, NULL };

    return sv_start_daemon(env);
}

static int setup(void **state)
{
    int rc;

    sv_setup("tls");
    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    snprintf(tls.dir, sizeof(tls.dir), "%s", sv_path("tls"));
    snprintf(tls.ca_env, sizeof(tls.ca_env), "BITSD_CA_FILE=%s/ca.pem", tls.dir);
    rc = front("start");
    if (rc == SKIP_STATUS) {
        print_message("stunnel is not installed (Debian package stunnel4): skipped\n");
        sv_teardown();
        exit(SKIP_STATUS);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(read_ports(), 0);
    assert_int_equal(start_daemon_trusting_ca(), 0);
    return 0;
}

static int teardown(void **state)
{
    front("stop");
    return sv_teardown();
}

/* ---- jobs ---- */

/* A suspended download (or digest upload-reply) job over https to 'port'. */
static void make_job(struct ipc_client *c, const char *name, uint32_t type, unsigned port,
                     uint8_t id[16], char digest[65])
{
    char base[64];

    snprintf(base, sizeof(base), "https://127.0.0.1:%u", port);
    sv_make_job(c, base, name, type, id, digest);
}

/* ERROR (not TRANSIENT_ERROR: no retry cures a certificate) with 'hr'. */
static void expect_tls_error(struct ipc_client *c, const uint8_t id[16], int32_t hr)
{
    struct bp_job_info info;
    uint32_t s = sv_wait_state(c, id, BP_STATE_ERROR, 30);

    assert_int_equal(sv_info(c, id, &info), S_OK);
    if (s != BP_STATE_ERROR)
        print_message("state %u error 0x%08x context %u\n", info.state,
                      (unsigned)info.error_code, info.error_context);
    assert_int_equal(s, BP_STATE_ERROR);
    assert_int_equal((uint32_t)info.error_code, (uint32_t)hr);
    assert_int_equal(info.error_context, BP_CONTEXT_GENERAL_TRANSPORT);
    bp_job_info_free(&info);
}

static int32_t call(struct ipc_client *c)
{
    struct bp_reader r;
    int32_t hr;

    assert_int_equal(ipc_call(c, &r, &hr), 0);
    return hr;
}

/* The certificate identity (BP_PROP_CLIENT_CERT), as qmgr sends it. */
static int32_t set_cert_identity(struct ipc_client *c, const uint8_t id[16])
{
    ipc_begin(c, BP_JOB_SET);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, BP_PROP_CLIENT_CERT);
    bp_put_u32(&c->req, 1);
    bp_put_u32(&c->req, 1);             /* BG_CERT_STORE_LOCATION_CURRENT_USER */
    bp_put_str(&c->req, "MY");
    bp_put_bytes(&c->req, NULL, 0);
    bp_put_str(&c->req, CLIENT_SUBJECT);
    return call(c);
}

static int32_t set_client_key(struct ipc_client *c, const uint8_t id[16], const void *cert,
                              size_t cert_len, const void *key, size_t key_len)
{
    ipc_begin(c, BP_SET_CLIENT_KEY);
    bp_put_guid(&c->req, id);
    bp_put_bytes(&c->req, cert, (uint32_t)cert_len);
    bp_put_bytes(&c->req, key, (uint32_t)key_len);
    return call(c);
}

static unsigned char *read_whole(const char *name, size_t *len)
{
    char path[256];
    unsigned char *buf = malloc(64 * 1024);
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tls.dir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_non_null(buf);
    *len = fread(buf, 1, 64 * 1024, f);
    fclose(f);
    assert_true(*len > 100);
    return buf;
}

/* ---- tests ---- */

static void https_download_and_upload_reply(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char digest[65];

    sv_connect(&c, 0);
    make_job(&c, "tls-dl.bin", BP_JOB_DOWNLOAD, tls.good, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_DOWNLOAD, "tls-dl.bin", digest);

    make_job(&c, "tls-up.bin", BP_JOB_UPLOAD_REPLY, tls.good, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_UPLOAD_REPLY, "tls-up.bin", digest);
    ipc_close(&c);
}

static void unknown_ca_fails_unless_ignored(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char digest[65];

    sv_connect(&c, 0);
    make_job(&c, "tls-self.bin", BP_JOB_DOWNLOAD, tls.selfsigned, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_tls_error(&c, id, BP_E_WINHTTP_INVALID_CA);

    /* the name flag alone does not cover an unknown CA */
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_SECURITY_FLAGS, SSL_IGNORE_CN), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_tls_error(&c, id, BP_E_WINHTTP_INVALID_CA);

    assert_int_equal(sv_set_u32(&c, id, BP_PROP_SECURITY_FLAGS, SSL_IGNORE_CA), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_DOWNLOAD, "tls-self.bin", digest);
    ipc_close(&c);
}

static void name_mismatch_fails_unless_ignored(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char digest[65];

    sv_connect(&c, 0);
    make_job(&c, "tls-name.bin", BP_JOB_UPLOAD_REPLY, tls.wrongname, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_tls_error(&c, id, BP_E_WINHTTP_CERT_CN_INVALID);

    assert_int_equal(sv_set_u32(&c, id, BP_PROP_SECURITY_FLAGS, SSL_IGNORE_CN), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_UPLOAD_REPLY, "tls-name.bin", digest);
    ipc_close(&c);
}

static void expired_fails_unless_ignored(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char digest[65];

    sv_connect(&c, 0);
    make_job(&c, "tls-expired.bin", BP_JOB_DOWNLOAD, tls.expired, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_tls_error(&c, id, BP_E_WINHTTP_CERT_DATE_INVALID);

    assert_int_equal(sv_set_u32(&c, id, BP_PROP_SECURITY_FLAGS, SSL_IGNORE_DATE), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_DOWNLOAD, "tls-expired.bin", digest);
    ipc_close(&c);
}

static void client_certificate_in_memory_only(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char digest[65];
    size_t cert_len, key_len;
    unsigned char *cert = read_whole("client.der", &cert_len);
    unsigned char *key = read_whole("client.key.der", &key_len);
    static const char *const disk[] = { "bitsd/jobs.db", "bitsd/jobs.db-wal", "bitsd/bitsd.log" };
    size_t i;

    sv_connect(&c, 0);
    make_job(&c, "tls-client.bin", BP_JOB_DOWNLOAD, tls.clientauth, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_tls_error(&c, id, BP_E_WINHTTP_CLIENT_CERT_NEEDED);

    /* half a key pair is refused */
    assert_int_equal(set_client_key(&c, id, cert, cert_len, NULL, 0), E_INVALIDARG);
    /* a key pair without a certificate set on the job is not used */
    assert_int_equal(set_client_key(&c, id, cert, cert_len, key, key_len), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_tls_error(&c, id, BP_E_WINHTTP_CLIENT_CERT_NEEDED);

    assert_int_equal(set_cert_identity(&c, id), S_OK);
    assert_int_equal(set_client_key(&c, id, cert, cert_len, key, key_len), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_DOWNLOAD, "tls-client.bin", digest);

    /* the next job's key pair does not survive bitsd */
    make_job(&c, "tls-restart.bin", BP_JOB_DOWNLOAD, tls.clientauth, id, digest);
    assert_int_equal(set_cert_identity(&c, id), S_OK);
    assert_int_equal(set_client_key(&c, id, cert, cert_len, key, key_len), S_OK);
    ipc_close(&c);
    for (i = 0; i < sizeof(disk) / sizeof(disk[0]); i++)
        assert_false(sv_file_contains(sv_path(disk[i]), key + key_len - 64, 64));
    sv_stop_daemon(SIGTERM);
    assert_int_equal(start_daemon_trusting_ca(), 0);
    sv_connect(&c, 0);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_tls_error(&c, id, BP_E_WINHTTP_CLIENT_CERT_NEEDED);
    /* the program sets the certificate again, as after lost credentials */
    assert_int_equal(set_cert_identity(&c, id), S_OK);
    assert_int_equal(set_client_key(&c, id, cert, cert_len, key, key_len), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_DOWNLOAD, "tls-restart.bin", digest);
    ipc_close(&c);
    free(cert);
    free(key);
}

/* ---- the server certificate validation callback (HttpOptions3) ---- */

#define CERT_CALLBACK_CONTEXT   8u                  /* BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK */
#define REFUSED_BY_CALLBACK     BP_HR(0x8004F00Du)  /* any HRESULT the program chooses */

/* Waits for BP_EVENT_SERVER_CERT of 'id' on the events connection and
 * checks it shows the good door's certificate; 0 on timeout. */
static int expect_cert_event(struct ipc_client *ev, const uint8_t id[16])
{
    struct ipc_event e;
    size_t der_len;
    unsigned char *der = read_whole("server.der", &der_len);
    int got = 0;

    while (!got && ipc_wait_event(ev, 30000, &e) == 1) {
        if (e.event != BP_EVENT_SERVER_CERT || memcmp(e.job, id, 16)) {
            free(e.cert);
            continue;
        }
        got = 1;
        assert_int_equal(e.file, 0);
        assert_true(e.chain_count >= 1);
        assert_int_equal(e.cert_len, der_len);
        assert_memory_equal(e.cert, der, der_len);
        free(e.cert);
    }
    free(der);
    return got;
}

static void answer_cert(struct ipc_client *ev, const uint8_t id[16], int32_t result)
{
    ipc_begin(ev, BP_EVENT_RESULT);
    bp_put_guid(&ev->req, id);
    bp_put_u32(&ev->req, BP_EVENT_SERVER_CERT);
    bp_put_i32(&ev->req, result);
    assert_int_equal(call(ev), S_OK);
}

/* TRANSIENT_ERROR with 'hr' in the callback's context (documented). */
static void expect_callback_error(struct ipc_client *c, const uint8_t id[16], int32_t hr)
{
    struct bp_job_info info;
    uint32_t s = sv_wait_state(c, id, BP_STATE_TRANSIENT_ERROR, 30);

    assert_int_equal(sv_info(c, id, &info), S_OK);
    if (s != BP_STATE_TRANSIENT_ERROR)
        print_message("state %u error 0x%08x context %u\n", info.state,
                      (unsigned)info.error_code, info.error_context);
    assert_int_equal(s, BP_STATE_TRANSIENT_ERROR);
    assert_int_equal((uint32_t)info.error_code, (uint32_t)hr);
    assert_int_equal(info.error_context, CERT_CALLBACK_CONTEXT);
    assert_int_equal(info.bytes_transferred, 0);
    bp_job_info_free(&info);
}

static void cert_callback_judges_before_data(void **state)
{
    struct ipc_client c, ev;
    struct bp_job_info info;
    uint8_t id[16];
    char digest[65];

    sv_connect(&c, 0);
    sv_connect(&ev, BP_HELLO_EVENTS);

    /* accepted: asked once, nothing moved before the answer, then the file */
    make_job(&c, "tls-cb-ok.bin", BP_JOB_DOWNLOAD, tls.good, id, digest);
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_CERT_VALIDATION, 1), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_true(expect_cert_event(&ev, id));
    assert_int_equal(sv_info(&c, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_CONNECTING);
    assert_int_equal(info.bytes_transferred, 0);
    bp_job_info_free(&info);
    answer_cert(&ev, id, S_OK);
    sv_expect_transferred(&c, id, BP_JOB_DOWNLOAD, "tls-cb-ok.bin", digest);

    /* refused: the callback's own HRESULT, no data */
    make_job(&c, "tls-cb-no.bin", BP_JOB_UPLOAD_REPLY, tls.good, id, digest);
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_CERT_VALIDATION, 1), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_true(expect_cert_event(&ev, id));
    answer_cert(&ev, id, REFUSED_BY_CALLBACK);
    expect_callback_error(&c, id, REFUSED_BY_CALLBACK);

    /* the process that holds the callback goes away without an answer */
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_true(expect_cert_event(&ev, id));
    ipc_close(&ev);
    expect_callback_error(&c, id, BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED);
    ipc_close(&c);
}

/* No process to ask (the program and the service are gone), also after a
 * restart of bitsd: the job remembers it has a callback. */
static void cert_callback_unreachable(void **state)
{
    struct ipc_client c, ev;
    uint8_t id[16];
    char digest[65];

    sv_connect(&c, 0);
    make_job(&c, "tls-cb-gone.bin", BP_JOB_DOWNLOAD, tls.good, id, digest);
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_CERT_VALIDATION, 1), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_callback_error(&c, id, BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED);
    ipc_close(&c);

    sv_stop_daemon(SIGTERM);
    assert_int_equal(start_daemon_trusting_ca(), 0);
    sv_connect(&c, 0);
    sv_connect(&ev, BP_HELLO_EVENTS);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_true(expect_cert_event(&ev, id));
    /* a service that holds no callback for the job says so */
    answer_cert(&ev, id, BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED);
    expect_callback_error(&c, id, BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED);

    /* callback removed: no question, the transfer runs */
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_CERT_VALIDATION, 0), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_DOWNLOAD, "tls-cb-gone.bin", digest);
    ipc_close(&ev);
    ipc_close(&c);
}

/* Without BITSD_CA_FILE the test CA is unknown: the trust came from it. */
static void trust_comes_from_ca_file(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char digest[65];

    sv_stop_daemon(SIGTERM);
    assert_int_equal(sv_start_daemon(NULL), 0);
    sv_connect(&c, 0);
    make_job(&c, "tls-noca.bin", BP_JOB_DOWNLOAD, tls.good, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_tls_error(&c, id, BP_E_WINHTTP_INVALID_CA);
    ipc_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(https_download_and_upload_reply),
        cmocka_unit_test(unknown_ca_fails_unless_ignored),
        cmocka_unit_test(name_mismatch_fails_unless_ignored),
        cmocka_unit_test(expired_fails_unless_ignored),
        cmocka_unit_test(client_certificate_in_memory_only),
        cmocka_unit_test(cert_callback_judges_before_data),
        cmocka_unit_test(cert_callback_unreachable),
        cmocka_unit_test(trust_comes_from_ca_file),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
