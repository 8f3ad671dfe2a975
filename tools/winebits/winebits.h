/*
 * winebits: puts the winebits BITS shim into a Wine prefix and takes it out
 * again, and looks at / stops the prefix's bitsd.
 */
#ifndef WINEBITS_H
#define WINEBITS_H

#include <stddef.h>
#include <sys/types.h>

/* Exit codes.  status follows the LSB convention for service status. */
#define WB_EXIT_OK            0
#define WB_EXIT_FAILURE       1   /* the command could not do its work */
#define WB_EXIT_USAGE         2   /* bad command line */
#define WB_EXIT_NOT_RUNNING   3   /* status: installed, bitsd not running */
#define WB_EXIT_NOT_INSTALLED 4   /* status: shim not installed in the prefix */

#define WB_PATH_MAX 4096

struct wb_options {
    char prefix[WB_PATH_MAX];   /* absolute, no trailing slash */
    char bin_dir[WB_PATH_MAX];  /* where qmgr.dll and bitsd are taken from */
    int verbose;
};

/* prefix.c: paths inside a prefix and small file helpers. */
int wb_find_prefix(const char *given, char *out, size_t size);
int wb_self_dir(char *out, size_t size);
int wb_path(char *out, size_t size, const char *prefix, const char *rel);
int wb_is_wine_prefix(const char *prefix);
int wb_file_exists(const char *path);
int wb_copy_file(const char *from, const char *to, mode_t mode);
int wb_write_file(const char *path, const char *text, mode_t mode);
int wb_read_line(const char *path, char *out, size_t size);
int wb_files_equal(const char *a, const char *b);

/* winecmd.c: runs Wine tools in the prefix and waits for them. */
int wb_run_wine(const struct wb_options *opt, const char *const argv[]);
int wb_reg_get(const struct wb_options *opt, const char *key, const char *value,
               char *data, size_t size);
int wb_reg_value_is(const struct wb_options *opt, const char *key,
                    const char *value, const char *data);
int wb_reg_add(const struct wb_options *opt, const char *key, const char *value,
               const char *type, const char *data);
int wb_reg_delete(const struct wb_options *opt, const char *key, const char *value);

/* install.c */
int wb_install(const struct wb_options *opt);
int wb_uninstall(const struct wb_options *opt);
int wb_is_installed(const char *prefix);

/* daemonctl.c: the prefix's bitsd. */
struct wb_daemon_state {
    int running;            /* someone holds the lock */
    pid_t pid;              /* 0 when unknown */
    int port;               /* 0 when no port file */
    int reachable;          /* HELLO was accepted */
    long job_count;         /* -1 when unknown */
};
int wb_daemon_query(const char *prefix, struct wb_daemon_state *st);
int wb_daemon_stop(const char *prefix, int verbose);
int wb_status(const struct wb_options *opt);

/* hello.c: 0 when bitsd on 'port' accepted the token; counts its jobs. */
int wb_daemon_hello(const char *prefix, int port, long *job_count);

#endif
