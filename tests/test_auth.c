/*
 * Credentials of the real bitsd against bits-server with authentication
 * switched on: Basic and Digest (MD5) for the server (401) and for the
 * server acting as a forward proxy (407, SetProxySettings OVERRIDE).
 * Credentials come through BP_SET_CREDENTIALS, are used by upload-reply and
 * download jobs, can be removed, are never written to disk, and are gone
 * after a restart of bitsd.
 *
 * NTLM (NTLMv2, which authenticates the connection) is served by
 * bits-server itself (auth=ntlm, proxy_auth=ntlm) and runs the same cases
 * when this libcurl has NTLM.  The test prints which schemes this libcurl
 * offers.
 *
 * Negotiate (Kerberos) runs against a private realm on 127.0.0.1
 * (tests/krb5/realm.sh, one per test) and is skipped when the krb5 tools or
 * libraries are not installed.
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
#include <curl/curl.h>

#include "survive_util.h"

#define USER        "alice"
#define PASSWORD    "S3cr3t pass-4711"
#define PASSWORD_Q  "S3cr3t%20pass-4711"
#define PROXY_USER  "proxyuser"
#define PROXY_PASS  "Pr0xy-Secret-0815"

static int setup(void **state)
{
    sv_setup("auth");
    assert_int_equal(sv_start_daemon(NULL), 0);
    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    return 0;
}

static int teardown(void **state)
{
    return sv_teardown();
}

/* An upload-reply (digest producer) or download job, suspended. */
static void make_job(struct ipc_client *c, const char *name, uint32_t type, const char *host,
                     uint8_t id[16], char digest[65])
{
    char base[128];

    snprintf(base, sizeof(base), "http://%s:%d", host, sv.srv.port);
    sv_make_job(c, base, name, type, id, digest);
}

static void expect_auth_error(struct ipc_client *c, const uint8_t id[16], int32_t hr)
{
    struct bp_job_info info;

    assert_int_equal(sv_wait_state(c, id, BP_STATE_ERROR, 30), BP_STATE_ERROR);
    assert_int_equal(sv_info(c, id, &info), S_OK);
    assert_int_equal(info.error_code, hr);
    assert_int_equal(info.error_context, BP_CONTEXT_REMOTE_FILE);
    assert_int_equal(info.error_count, 1);
    bp_job_info_free(&info);
}

/* 1 when 'needle' occurs anywhere in the file. */
static int file_has(const char *path, const char *needle)
{
    size_t n = strlen(needle), got = 0, cap = 1 << 20;
    char *buf;
    ssize_t r;
    int fd = open(path, O_RDONLY), found = 0;

    if (fd < 0)
        return 0;
    buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        r = read(fd, buf + got, cap - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    close(fd);
    found = got >= n && memmem(buf, got, needle, n) != NULL;
    free(buf);
    return found;
}

static void assert_secret_not_on_disk(const char *secret)
{
    static const char *const files[] = {
        "bitsd/jobs.db", "bitsd/jobs.db-wal", "bitsd/jobs.db-shm", "bitsd/bitsd.log",
        "daemon-stderr.log",
    };
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        assert_false(file_has(sv_path(files[i]), secret));
}

static void server_scheme(uint32_t scheme, const char *name)
{
    char q[256];
    struct ipc_client c;
    uint8_t up[16], down[16], wrong[16], none[16], removed[16], other[16];
    char up_d[65], down_d[65], d[65];
    uint32_t other_scheme = scheme == BP_AUTH_BASIC ? BP_AUTH_DIGEST : BP_AUTH_BASIC;
    long long challenges;

    snprintf(q, sizeof(q), "auth=%s&auth_user=%s&auth_password=%s", name, USER, PASSWORD_Q);
    assert_int_equal(bits_server_control(&sv.srv, q), 0);
    sv_connect(&c, 0);

    /* right credentials: upload-reply (BITS_POST and the reply GET) and a download */
    make_job(&c, "up.bin", BP_JOB_UPLOAD_REPLY, "127.0.0.1", up, up_d);
    assert_int_equal(sv_set_creds(&c, up, BP_AUTH_TARGET_SERVER, scheme, USER, PASSWORD), S_OK);
    make_job(&c, "down.bin", BP_JOB_DOWNLOAD, "127.0.0.1", down, down_d);
    assert_int_equal(sv_set_creds(&c, down, BP_AUTH_TARGET_SERVER, scheme, USER, PASSWORD), S_OK);
    challenges = bits_server_stat(&sv.srv, "auth_challenges");
    assert_int_equal(sv_action(&c, up, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, down, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, up, BP_JOB_UPLOAD_REPLY, "up.bin", up_d);
    sv_expect_transferred(&c, down, BP_JOB_DOWNLOAD, "down.bin", down_d);
    if (scheme == BP_AUTH_DIGEST || scheme == BP_AUTH_NTLM)   /* both need a challenge first */
        assert_true(bits_server_stat(&sv.srv, "auth_challenges") > challenges);

    /* wrong password, no credentials, removed credentials, another scheme */
    make_job(&c, "wrong.bin", BP_JOB_UPLOAD_REPLY, "127.0.0.1", wrong, d);
    assert_int_equal(sv_set_creds(&c, wrong, BP_AUTH_TARGET_SERVER, scheme, USER, "nope"), S_OK);
    make_job(&c, "none.bin", BP_JOB_DOWNLOAD, "127.0.0.1", none, d);
    make_job(&c, "removed.bin", BP_JOB_UPLOAD_REPLY, "127.0.0.1", removed, d);
    assert_int_equal(sv_set_creds(&c, removed, BP_AUTH_TARGET_SERVER, scheme, USER, PASSWORD),
                     S_OK);
    assert_int_equal(sv_remove_creds(&c, removed, BP_AUTH_TARGET_SERVER, scheme), S_OK);
    make_job(&c, "other.bin", BP_JOB_DOWNLOAD, "127.0.0.1", other, d);
    assert_int_equal(sv_set_creds(&c, other, BP_AUTH_TARGET_SERVER, other_scheme, USER, PASSWORD),
                     S_OK);
    assert_int_equal(sv_action(&c, wrong, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, none, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, removed, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, other, BP_ACTION_RESUME), S_OK);
    expect_auth_error(&c, wrong, BP_HTTP_ERROR(401));
    expect_auth_error(&c, none, BP_HTTP_ERROR(401));
    expect_auth_error(&c, removed, BP_HTTP_ERROR(401));
    expect_auth_error(&c, other, BP_HTTP_ERROR(401));

    /* the job in ERROR gets credentials and goes on */
    assert_int_equal(sv_set_creds(&c, none, BP_AUTH_TARGET_SERVER, scheme, USER, PASSWORD), S_OK);
    assert_int_equal(sv_action(&c, none, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, none, BP_JOB_DOWNLOAD, "none.bin", d);

    ipc_close(&c);
    assert_secret_not_on_disk(PASSWORD);
}

static void test_basic(void **state)
{
    server_scheme(BP_AUTH_BASIC, "basic");
}

static void test_digest(void **state)
{
    server_scheme(BP_AUTH_DIGEST, "digest");
}

/* Memory only: after a restart of bitsd the job has to be given its
 * credentials again. */
static void test_credentials_across_restart(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char digest[65];

    assert_int_equal(bits_server_control(&sv.srv, "auth=digest&auth_user=" USER
                                         "&auth_password=" PASSWORD_Q), 0);
    sv_connect(&c, 0);
    make_job(&c, "restart.bin", BP_JOB_UPLOAD_REPLY, "127.0.0.1", id, digest);
    assert_int_equal(sv_set_creds(&c, id, BP_AUTH_TARGET_SERVER, BP_AUTH_DIGEST, USER, PASSWORD),
                     S_OK);
    ipc_close(&c);
    sv_stop_daemon(SIGKILL);
    assert_secret_not_on_disk(PASSWORD);
    assert_int_equal(sv_start_daemon(NULL), 0);
    sv_connect(&c, 0);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_auth_error(&c, id, BP_HTTP_ERROR(401));
    assert_int_equal(sv_set_creds(&c, id, BP_AUTH_TARGET_SERVER, BP_AUTH_DIGEST, USER, PASSWORD),
                     S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, id, BP_JOB_UPLOAD_REPLY, "restart.bin", digest);
    ipc_close(&c);
}

static void proxy_scheme(uint32_t scheme, const char *name)
{
    char q[256], proxy[64];
    struct ipc_client c;
    uint8_t ok[16], denied[16], dl[16];
    char ok_d[65], dl_d[65], d[65];
    long long proxied;

    snprintf(q, sizeof(q), "proxy_auth=%s&proxy_user=" PROXY_USER "&proxy_password=" PROXY_PASS,
             name);
    assert_int_equal(bits_server_control(&sv.srv, q), 0);
    snprintf(proxy, sizeof(proxy), "127.0.0.1:%d", sv.srv.port);
    proxied = bits_server_stat(&sv.srv, "proxied_requests");
    sv_connect(&c, 0);

    /* 'localhost' in the URL, the proxy at 127.0.0.1: only a proxy request reaches us
     * in absolute form */
    make_job(&c, "p-ok.bin", BP_JOB_UPLOAD_REPLY, "localhost", ok, ok_d);
    assert_int_equal(sv_set_proxy(&c, ok, BP_PROXY_OVERRIDE, proxy, NULL), S_OK);
    assert_int_equal(sv_set_creds(&c, ok, BP_AUTH_TARGET_PROXY, scheme, PROXY_USER, PROXY_PASS),
                     S_OK);
    make_job(&c, "p-dl.bin", BP_JOB_DOWNLOAD, "localhost", dl, dl_d);
    assert_int_equal(sv_set_proxy(&c, dl, BP_PROXY_OVERRIDE, proxy, NULL), S_OK);
    assert_int_equal(sv_set_creds(&c, dl, BP_AUTH_TARGET_PROXY, scheme, PROXY_USER, PROXY_PASS),
                     S_OK);
    make_job(&c, "p-denied.bin", BP_JOB_UPLOAD_REPLY, "localhost", denied, d);
    assert_int_equal(sv_set_proxy(&c, denied, BP_PROXY_OVERRIDE, proxy, NULL), S_OK);
    /* server credentials are not proxy credentials */
    assert_int_equal(sv_set_creds(&c, denied, BP_AUTH_TARGET_SERVER, scheme, PROXY_USER,
                                  PROXY_PASS), S_OK);

    assert_int_equal(sv_action(&c, ok, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, dl, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, denied, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, ok, BP_JOB_UPLOAD_REPLY, "p-ok.bin", ok_d);
    sv_expect_transferred(&c, dl, BP_JOB_DOWNLOAD, "p-dl.bin", dl_d);
    expect_auth_error(&c, denied, BP_HTTP_ERROR(407));
    assert_true(bits_server_stat(&sv.srv, "proxied_requests") > proxied + 3);
    ipc_close(&c);
    assert_secret_not_on_disk(PROXY_PASS);
}

static void test_proxy_basic(void **state)
{
    proxy_scheme(BP_AUTH_BASIC, "basic");
}

static void test_proxy_digest(void **state)
{
    proxy_scheme(BP_AUTH_DIGEST, "digest");
}

/* NTLM needs a libcurl built with it; CI's libcurl has it. */
static void skip_without_ntlm(void)
{
    if (!(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_NTLM)) {
        print_message("libcurl without NTLM: skipped\n");
        skip();
    }
}

static void test_ntlm(void **state)
{
    skip_without_ntlm();
    server_scheme(BP_AUTH_NTLM, "ntlm");
}

static void test_proxy_ntlm(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char proxy[64], d[65];

    skip_without_ntlm();
    proxy_scheme(BP_AUTH_NTLM, "ntlm");

    /* a wrong proxy password fails the NTLMv2 proof: 407 */
    snprintf(proxy, sizeof(proxy), "127.0.0.1:%d", sv.srv.port);
    sv_connect(&c, 0);
    make_job(&c, "p-wrong.bin", BP_JOB_DOWNLOAD, "localhost", id, d);
    assert_int_equal(sv_set_proxy(&c, id, BP_PROXY_OVERRIDE, proxy, NULL), S_OK);
    assert_int_equal(sv_set_creds(&c, id, BP_AUTH_TARGET_PROXY, BP_AUTH_NTLM, PROXY_USER,
                                  "wrong-0815"), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_auth_error(&c, id, BP_HTTP_ERROR(407));
    ipc_close(&c);
}

/* ---- Negotiate: Kerberos against a private realm (tests/krb5/realm.sh) ----
 * bits-server accepts alice@WINEBITS.TEST through its keytab; bitsd gets
 * alice's TGT with the job's password into a MEMORY: cache (kerberos.c). */

#define KRB_USER        "alice"
#define KRB_PRINCIPAL   "alice@WINEBITS.TEST"
#define KRB_PASSWORD    "Kerb pass-2026"

static struct {
    char dir[64];
    int up;             /* KDC running */
    int missing;        /* no Kerberos here: the tests skip */
} realm;

/* Puts DIR/env's NAME=value lines into our environment, which bitsd and
 * bits-server inherit. */
static void realm_export(void)
{
    char path[128], line[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/env", realm.dir);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *eq = strchr(line, '=');
        line[strcspn(line, "\n")] = 0;
        if (!eq)
            continue;
        *eq = 0;
        assert_int_equal(setenv(line, eq + 1, 1), 0);
    }
    fclose(f);
}

static void realm_stop(void)
{
    char cmd[256];

    if (!realm.up)
        return;
    realm.up = 0;
    snprintf(cmd, sizeof(cmd), "'%s' stop '%s'", KRB5_REALM_SH, realm.dir);
    assert_int_equal(system(cmd), 0);
}

static int setup_negotiate(void **state)
{
    char cmd[512];
    int rc;

    memset(&realm, 0, sizeof(realm));
#ifndef WINEBITS_HAVE_KRB5
    realm.missing = 1;      /* bitsd and bits-server were built without Kerberos */
    return 0;
#endif
    snprintf(realm.dir, sizeof(realm.dir), "/tmp/krb5realm-XXXXXX");
    assert_non_null(mkdtemp(realm.dir));
    snprintf(cmd, sizeof(cmd), "'%s' start '%s' '%s' >/dev/null", KRB5_REALM_SH, realm.dir,
             KRB_PASSWORD);
    rc = system(cmd);
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
        realm.missing = 1;
        return 0;
    }
    assert_int_equal(rc, 0);
    realm.up = 1;
    realm_export();
    return setup(state);
}

static int teardown_negotiate(void **state)
{
    char cmd[128];

    if (!realm.missing)
        teardown(state);
    realm_stop();
    if (realm.dir[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", realm.dir);
        assert_int_equal(system(cmd), 0);
    }
    return 0;
}

static void skip_without_kerberos(void)
{
    if (realm.missing) {
        print_message("Kerberos (krb5-kdc, krb5-admin-server, libkrb5-dev) not installed: "
                      "Negotiate skipped\n");
        skip();
    }
}

static void test_negotiate(void **state)
{
    struct ipc_client c;
    uint8_t up[16], down[16], wrong_up[16], wrong_down[16], unknown[16], none[16], other[16];
    char up_d[65], down_d[65], d[65], ccache[128];

    skip_without_kerberos();
    assert_int_equal(bits_server_control(&sv.srv, "auth=negotiate&auth_user=" KRB_PRINCIPAL),
                     0);
    sv_connect(&c, 0);

    /* the right password: upload-reply and download; the user names differ in form
     * (two identities for the scheduler, run one after the other) */
    make_job(&c, "up.bin", BP_JOB_UPLOAD_REPLY, "127.0.0.1", up, up_d);
    assert_int_equal(sv_set_creds(&c, up, BP_AUTH_TARGET_SERVER, BP_AUTH_NEGOTIATE, KRB_USER,
                                  KRB_PASSWORD), S_OK);
    make_job(&c, "down.bin", BP_JOB_DOWNLOAD, "127.0.0.1", down, down_d);
    assert_int_equal(sv_set_creds(&c, down, BP_AUTH_TARGET_SERVER, BP_AUTH_NEGOTIATE,
                                  KRB_PRINCIPAL, KRB_PASSWORD), S_OK);
    assert_int_equal(sv_action(&c, up, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, down, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, up, BP_JOB_UPLOAD_REPLY, "up.bin", up_d);
    sv_expect_transferred(&c, down, BP_JOB_DOWNLOAD, "down.bin", down_d);
    assert_true(sv_daemon_log_contains("kerberos: TGT for " KRB_PRINCIPAL " (memory only)"));

    /* a valid ticket of a principal the server does not want: the server's 401 */
    assert_int_equal(bits_server_control(&sv.srv, "auth_user=bob@WINEBITS.TEST"), 0);
    make_job(&c, "other.bin", BP_JOB_DOWNLOAD, "127.0.0.1", other, d);
    assert_int_equal(sv_set_creds(&c, other, BP_AUTH_TARGET_SERVER, BP_AUTH_NEGOTIATE,
                                  KRB_USER, KRB_PASSWORD), S_OK);
    assert_int_equal(sv_action(&c, other, BP_ACTION_RESUME), S_OK);
    expect_auth_error(&c, other, BP_HTTP_ERROR(401));
    assert_int_equal(bits_server_control(&sv.srv, "auth_user=" KRB_PRINCIPAL), 0);

    /* a wrong password (both job types), an unknown user, no credentials */
    make_job(&c, "wrong-up.bin", BP_JOB_UPLOAD_REPLY, "127.0.0.1", wrong_up, d);
    assert_int_equal(sv_set_creds(&c, wrong_up, BP_AUTH_TARGET_SERVER, BP_AUTH_NEGOTIATE,
                                  KRB_USER, "nope"), S_OK);
    make_job(&c, "wrong-down.bin", BP_JOB_DOWNLOAD, "127.0.0.1", wrong_down, d);
    assert_int_equal(sv_set_creds(&c, wrong_down, BP_AUTH_TARGET_SERVER, BP_AUTH_NEGOTIATE,
                                  KRB_PRINCIPAL, "Kerb pass-2027"), S_OK);
    make_job(&c, "unknown.bin", BP_JOB_DOWNLOAD, "127.0.0.1", unknown, d);
    assert_int_equal(sv_set_creds(&c, unknown, BP_AUTH_TARGET_SERVER, BP_AUTH_NEGOTIATE,
                                  "mallory", KRB_PASSWORD), S_OK);
    make_job(&c, "none.bin", BP_JOB_DOWNLOAD, "127.0.0.1", none, d);
    assert_int_equal(sv_action(&c, wrong_up, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, wrong_down, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, unknown, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, none, BP_ACTION_RESUME), S_OK);
    expect_auth_error(&c, wrong_up, BP_HTTP_ERROR(401));
    expect_auth_error(&c, wrong_down, BP_HTTP_ERROR(401));
    expect_auth_error(&c, unknown, BP_HTTP_ERROR(401));
    expect_auth_error(&c, none, BP_HTTP_ERROR(401));

    /* the job in ERROR gets the right password and goes on; DOMAIN\\user with a DNS
     * domain names the realm (upper-cased) */
    assert_int_equal(sv_set_creds(&c, none, BP_AUTH_TARGET_SERVER, BP_AUTH_NEGOTIATE,
                                  "winebits.test\\" KRB_USER, KRB_PASSWORD), S_OK);
    assert_int_equal(sv_action(&c, none, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, none, BP_JOB_DOWNLOAD, "none.bin", d);

    ipc_close(&c);
    assert_secret_not_on_disk(KRB_PASSWORD);
    /* the TGT never went to the default (file) credential cache */
    snprintf(ccache, sizeof(ccache), "%s/no-such-ccache", realm.dir);
    assert_int_equal(access(ccache, F_OK), -1);
}

/* Negotiate towards the server acting as a forward proxy (407). */
static void test_negotiate_proxy(void **state)
{
    struct ipc_client c;
    uint8_t ok[16], wrong[16];
    char proxy[64], ok_d[65], d[65];
    long long proxied = bits_server_stat(&sv.srv, "proxied_requests");

    skip_without_kerberos();
    assert_int_equal(bits_server_control(&sv.srv, "proxy_auth=negotiate&proxy_user="
                                         KRB_PRINCIPAL), 0);
    snprintf(proxy, sizeof(proxy), "127.0.0.1:%d", sv.srv.port);
    sv_connect(&c, 0);
    /* 'localhost' in the URL: only the proxy is 127.0.0.1 (HTTP/127.0.0.1 in the keytab) */
    make_job(&c, "pn-ok.bin", BP_JOB_UPLOAD_REPLY, "localhost", ok, ok_d);
    assert_int_equal(sv_set_proxy(&c, ok, BP_PROXY_OVERRIDE, proxy, NULL), S_OK);
    assert_int_equal(sv_set_creds(&c, ok, BP_AUTH_TARGET_PROXY, BP_AUTH_NEGOTIATE, KRB_USER,
                                  KRB_PASSWORD), S_OK);
    make_job(&c, "pn-wrong.bin", BP_JOB_DOWNLOAD, "localhost", wrong, d);
    assert_int_equal(sv_set_proxy(&c, wrong, BP_PROXY_OVERRIDE, proxy, NULL), S_OK);
    assert_int_equal(sv_set_creds(&c, wrong, BP_AUTH_TARGET_PROXY, BP_AUTH_NEGOTIATE, KRB_USER,
                                  "nope"), S_OK);
    assert_int_equal(sv_action(&c, ok, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, wrong, BP_ACTION_RESUME), S_OK);
    sv_expect_transferred(&c, ok, BP_JOB_UPLOAD_REPLY, "pn-ok.bin", ok_d);
    expect_auth_error(&c, wrong, BP_HTTP_ERROR(407));
    assert_true(bits_server_stat(&sv.srv, "proxied_requests") > proxied + 1);
    ipc_close(&c);
    assert_secret_not_on_disk(KRB_PASSWORD);
}

/* No KDC: the job cannot get a TGT now and retries later. */
static void test_negotiate_kdc_down(void **state)
{
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t id[16];
    char d[65];

    skip_without_kerberos();
    assert_int_equal(bits_server_control(&sv.srv, "auth=negotiate&auth_user=" KRB_PRINCIPAL),
                     0);
    realm_stop();
    sv_connect(&c, 0);
    make_job(&c, "kdc-down.bin", BP_JOB_DOWNLOAD, "127.0.0.1", id, d);
    assert_int_equal(sv_set_creds(&c, id, BP_AUTH_TARGET_SERVER, BP_AUTH_NEGOTIATE, KRB_USER,
                                  KRB_PASSWORD), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSIENT_ERROR, 30),
                     BP_STATE_TRANSIENT_ERROR);
    assert_int_equal(sv_info(&c, id, &info), S_OK);
    assert_int_equal(info.error_code, BG_E_CONNECT_FAILURE);
    assert_int_equal(info.error_context, BP_CONTEXT_GENERAL_TRANSPORT);
    bp_job_info_free(&info);
    ipc_close(&c);
}

static void report_curl_schemes(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

    print_message("libcurl %s auth schemes: Basic Digest%s%s%s%s\n", v->version,
                  v->features & CURL_VERSION_NTLM ? " NTLM" : "",
                  v->features & CURL_VERSION_SPNEGO ? " Negotiate(SPNEGO)" : "",
                  v->features & CURL_VERSION_GSSAPI ? " GSS-API" : "",
                  v->features & CURL_VERSION_KERBEROS5 ? " Kerberos5" : "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_across_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ntlm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_ntlm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negotiate, setup_negotiate, teardown_negotiate),
        cmocka_unit_test_setup_teardown(test_negotiate_proxy, setup_negotiate,
                                        teardown_negotiate),
        cmocka_unit_test_setup_teardown(test_negotiate_kdc_down, setup_negotiate,
                                        teardown_negotiate),
    };

    report_curl_schemes();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
