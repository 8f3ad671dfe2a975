/* Helpers for the survive tests; see survive_util.h. */
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "survive_util.h"
#include "filehash.h"

struct sv_env sv;

void sv_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

const char *sv_path(const char *name)
{
    static char buf[8][512];
    static int i;
    char *b = buf[i++ % 8];

    snprintf(b, 512, "%s/%s", sv.prefix, name);
    return b;
}

int sv_setup(const char *tag)
{
    memset(&sv, 0, sizeof(sv));
    snprintf(sv.prefix, sizeof(sv.prefix), "/tmp/survive-%s-XXXXXX", tag);
    assert_non_null(mkdtemp(sv.prefix));
    snprintf(sv.statedir, sizeof(sv.statedir), "%s/bitsd", sv.prefix);
    mkdir(sv_path("drive_c"), 0755);
    mkdir(sv_path("bin"), 0755);
    return 0;
}

int sv_teardown(void)
{
    char cmd[256];
    int reports;

    /* everything we started goes first, whatever the checks say */
    sv_stop_daemon(SIGTERM);
    bits_server_stop(&sv.srv);
    /* a sanitizer build of bitsd reports into its stderr log */
    reports = sv_daemon_log_contains("Sanitizer") || sv_daemon_log_contains("runtime error");
    if (reports) {
        snprintf(cmd, sizeof(cmd), "cat '%s/daemon-stderr.log' >&2", sv.prefix);
        if (system(cmd) != 0)
            print_message("cannot show the daemon log\n");
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sv.prefix);
    assert_int_equal(system(cmd), 0);
    memset(&sv, 0, sizeof(sv));
    assert_false(reports);
    return 0;
}

int sv_start_daemon(const char *const *env)
{
    char log[256];
    int i, status;

    unlink(sv_path("bitsd/port"));
    snprintf(log, sizeof(log), "%s/daemon-stderr.log", sv.prefix);
    sv.daemon = fork();
    if (sv.daemon < 0)
        return -1;
    if (sv.daemon == 0) {
        char path[4096];
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

        if (fd >= 0)
            dup2(fd, 2);
        snprintf(path, sizeof(path), "%s/bin:%s", sv.prefix,
                 getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
        setenv("PATH", path, 1);
        /* tests choose proxies themselves (SetProxySettings) */
        unsetenv("http_proxy");
        unsetenv("HTTP_PROXY");
        unsetenv("https_proxy");
        unsetenv("HTTPS_PROXY");
        unsetenv("all_proxy");
        unsetenv("ALL_PROXY");
        unsetenv("no_proxy");
        unsetenv("NO_PROXY");
        for (i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execl(BITSD_PATH, "bitsd", "--prefix", sv.prefix, "--foreground", "--verbose",
              (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 2000 && access(sv_path("bitsd/port"), R_OK) != 0; i++) {
        if (waitpid(sv.daemon, &status, WNOHANG) == sv.daemon) {
            sv.daemon = 0;
            return -1;
        }
        sv_sleep_ms(5);
    }
    return access(sv_path("bitsd/port"), R_OK) == 0 ? 0 : -1;
}

void sv_stop_daemon(int sig)
{
    int status;

    if (sv.daemon <= 0)
        return;
    kill(sv.daemon, sig);
    while (waitpid(sv.daemon, &status, 0) < 0 && errno == EINTR)
        ;
    sv.daemon = 0;
}

int sv_count_in_log(const char *needle)
{
    char line[4096];
    int n = 0;
    FILE *f;

    /* bitsd.log is the daemon's own log; stderr gets the same lines in --foreground */
    f = fopen(sv_path("bitsd/bitsd.log"), "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, needle))
            n++;
    fclose(f);
    return n;
}

int sv_daemon_log_contains(const char *needle)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen(sv_path("daemon-stderr.log"), "r");

    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

void sv_fake_wine(const char *script)
{
    int fd = open(sv_path("bin/wine"), O_WRONLY | O_CREAT | O_TRUNC, 0755);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, script, strlen(script)), (ssize_t)strlen(script));
    close(fd);
}

/* ---- requests ---- */

void sv_connect(struct ipc_client *c, uint32_t flags)
{
    assert_int_equal(ipc_connect(c, sv.statedir, SV_SID, flags), 0);
}

int32_t sv_call(struct ipc_client *c, struct bp_reader *r)
{
    int32_t hr;

    assert_int_equal(ipc_call(c, r, &hr), 0);
    return hr;
}

int32_t sv_create_job(struct ipc_client *c, const char *name, uint32_t type, uint8_t id[16])
{
    struct bp_reader r;
    int32_t hr;

    ipc_begin(c, BP_CREATE_JOB);
    bp_put_str(&c->req, name);
    bp_put_u32(&c->req, type);
    hr = sv_call(c, &r);
    if (hr >= 0)
        bp_get_guid(&r, id);
    return hr;
}

int32_t sv_add_file(struct ipc_client *c, const uint8_t id[16], const char *url,
                    const char *win, const char *unx)
{
    struct bp_reader r;

    ipc_begin(c, BP_ADD_FILE);
    bp_put_guid(&c->req, id);
    bp_put_str(&c->req, url);
    bp_put_str(&c->req, win);
    bp_put_str(&c->req, unx);
    return sv_call(c, &r);
}

int32_t sv_action(struct ipc_client *c, const uint8_t id[16], uint32_t act)
{
    struct bp_reader r;

    ipc_begin(c, BP_JOB_ACTION);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, act);
    return sv_call(c, &r);
}

int32_t sv_get_job(struct ipc_client *c, const uint8_t id[16])
{
    struct bp_reader r;

    ipc_begin(c, BP_GET_JOB);
    bp_put_guid(&c->req, id);
    return sv_call(c, &r);
}

int32_t sv_info(struct ipc_client *c, const uint8_t id[16], struct bp_job_info *info)
{
    struct bp_reader r;
    int32_t hr;

    ipc_begin(c, BP_JOB_INFO);
    bp_put_guid(&c->req, id);
    hr = sv_call(c, &r);
    if (hr >= 0)
        assert_int_equal(bp_get_job_info(&r, info), 0);
    return hr;
}

int32_t sv_set_u32(struct ipc_client *c, const uint8_t id[16], uint32_t prop, uint32_t v)
{
    struct bp_reader r;

    ipc_begin(c, BP_JOB_SET);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, prop);
    bp_put_u32(&c->req, v);
    return sv_call(c, &r);
}

int32_t sv_set_strs(struct ipc_client *c, const uint8_t id[16], uint32_t prop, const char *s1,
                    const char *s2)
{
    struct bp_reader r;

    ipc_begin(c, BP_JOB_SET);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, prop);
    bp_put_str(&c->req, s1);
    if (prop == BP_PROP_NOTIFY_CMDLINE || prop == BP_PROP_REPLY_FILE_NAME)
        bp_put_str(&c->req, s2);
    return sv_call(c, &r);
}

int32_t sv_set_proxy(struct ipc_client *c, const uint8_t id[16], uint32_t usage,
                     const char *list, const char *bypass)
{
    struct bp_reader r;

    ipc_begin(c, BP_JOB_SET);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, BP_PROP_PROXY);
    bp_put_u32(&c->req, usage);
    bp_put_str(&c->req, list);
    bp_put_str(&c->req, bypass);
    return sv_call(c, &r);
}

int32_t sv_set_creds(struct ipc_client *c, const uint8_t id[16], uint32_t target,
                     uint32_t scheme, const char *user, const char *password)
{
    struct bp_reader r;

    ipc_begin(c, BP_SET_CREDENTIALS);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, target);
    bp_put_u32(&c->req, scheme);
    bp_put_str(&c->req, user);
    bp_put_str(&c->req, password);
    return sv_call(c, &r);
}

int32_t sv_remove_creds(struct ipc_client *c, const uint8_t id[16], uint32_t target,
                        uint32_t scheme)
{
    struct bp_reader r;

    ipc_begin(c, BP_REMOVE_CREDENTIALS);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, target);
    bp_put_u32(&c->req, scheme);
    return sv_call(c, &r);
}

int32_t sv_reply_data(struct ipc_client *c, const uint8_t id[16], char **data, uint64_t *len)
{
    const uint8_t *p;
    struct bp_reader r;
    uint32_t n;
    int32_t hr;

    *data = NULL;
    *len = 0;
    ipc_begin(c, BP_GET_REPLY_DATA);
    bp_put_guid(&c->req, id);
    hr = sv_call(c, &r);
    if (hr >= 0 || hr == BG_E_TOO_LARGE) {
        *len = bp_get_u64(&r);
        p = bp_get_bytes(&r, &n);
        assert_false(r.failed);
        if (p) {
            *data = malloc(n + 1);
            assert_non_null(*data);
            memcpy(*data, p, n);
            (*data)[n] = 0;
        }
    }
    return hr;
}

void sv_make_job(struct ipc_client *c, const char *base, const char *name, uint32_t type,
                 uint8_t id[16], char digest[65])
{
    char url[512], win[256], remote[4200];

    snprintf(win, sizeof(win), "C:\\%s", name);
    if (type == BP_JOB_DOWNLOAD) {
        snprintf(remote, sizeof(remote), "%s/files/%s", sv.srv.root, name);
        sv_make_file(remote, 256 * 1024 + 17, 5);
        sv_sha256(remote, digest);
        snprintf(url, sizeof(url), "%s/files/%s", base, name);
    } else {
        sv_make_file(sv_path(name), 150 * 1024 + 9, 6);
        sv_sha256(sv_path(name), digest);
        snprintf(url, sizeof(url), "%s/reply/digest/%s", base, name);
    }
    assert_int_equal(sv_create_job(c, name, type, id), S_OK);
    assert_int_equal(sv_add_file(c, id, url, win, sv_path(name)), S_OK);
}

void sv_expect_transferred(struct ipc_client *c, const uint8_t id[16], uint32_t type,
                           const char *name, const char *digest)
{
    struct bp_job_info info;
    char *data, hex[65];
    uint64_t len;
    uint32_t s = sv_wait_state(c, id, BP_STATE_TRANSFERRED, 30);

    if (s != BP_STATE_TRANSFERRED && sv_info(c, id, &info) == S_OK) {
        print_message("%s: state %u error 0x%08x context %u\n", name, info.state,
                      (unsigned)info.error_code, info.error_context);
        bp_job_info_free(&info);
    }
    assert_int_equal(s, BP_STATE_TRANSFERRED);
    if (type == BP_JOB_UPLOAD_REPLY) {
        assert_int_equal(sv_reply_data(c, id, &data, &len), S_OK);
        assert_int_equal(len, 64);
        assert_string_equal(data, digest);
        free(data);
    }
    assert_int_equal(sv_action(c, id, BP_ACTION_COMPLETE), S_OK);
    if (type == BP_JOB_DOWNLOAD) {
        sv_sha256(sv_path(name), hex);
        assert_string_equal(hex, digest);
    }
}

uint32_t sv_wait_state(struct ipc_client *c, const uint8_t id[16], uint32_t want, int seconds)
{
    struct bp_job_info info;
    uint32_t state = 99;
    int i;

    for (i = 0; i < seconds * 50; i++) {
        assert_int_equal(sv_info(c, id, &info), S_OK);
        state = info.state;
        bp_job_info_free(&info);
        if (state == want || state == BP_STATE_ERROR || state == BP_STATE_TRANSFERRED
            || state == BP_STATE_ACKNOWLEDGED || state == BP_STATE_CANCELLED)
            return state;
        sv_sleep_ms(20);
    }
    return 99;
}

/* ---- files ---- */

void sv_make_file(const char *path, size_t size, unsigned seed)
{
    unsigned char *buf = malloc(size ? size : 1);
    size_t i;
    int fd;

    assert_non_null(buf);
    for (i = 0; i < size; i++)
        buf[i] = (unsigned char)(i * 7 + i / 251 + seed);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, size), (ssize_t)size);
    close(fd);
    free(buf);
}

void sv_sha256(const char *path, char hex[65])
{
    if (sha256_file(path, hex) < 0)
        hex[0] = 0;
}

int sv_file_contains(const char *path, const void *needle, size_t len)
{
    struct stat st;
    char *buf;
    int fd, ok = 0;

    fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size == len) {
        buf = malloc(len ? len : 1);
        ok = buf && read(fd, buf, len) == (ssize_t)len && !memcmp(buf, needle, len);
        free(buf);
    }
    close(fd);
    return ok;
}
