/*
 * bitsctl: the Linux view of one Wine prefix's BITS queue.  It speaks to the
 * prefix's bitsd over the IPC protocol (common/bitsproto.h) as the machine's
 * administrator: it sees the jobs of every owner and never starts bitsd.
 */
#ifndef BITSCTL_H
#define BITSCTL_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "bitsproto.h"
#include "ipcclient.h"

/* Exit statuses (documented in the usage text). */
#define CTL_EXIT_OK         0
#define CTL_EXIT_FAILED     1   /* an operation failed; its HRESULT was printed */
#define CTL_EXIT_USAGE      2
#define CTL_EXIT_NO_DAEMON  3   /* bitsd not running, or the connection was lost */

struct ctl {
    char prefix[PATH_MAX];
    char statedir[PATH_MAX + 8];
    int json;
    struct ipc_client ipc;
};

/* ---- daemon.c: finding the prefix, talking to bitsd ---- */
int ctl_find_prefix(struct ctl *ctl, const char *given);
/* Connects to the prefix's bitsd; prints why not and returns CTL_EXIT_NO_DAEMON. */
int ctl_connect(struct ctl *ctl);
void ctl_disconnect(struct ctl *ctl);
/* Requests.  Each returns 0 and the daemon's HRESULT in *hr, or
 * CTL_EXIT_NO_DAEMON after printing that the connection was lost. */
int ctl_enum_jobs(struct ctl *ctl, uint8_t (**ids)[16], uint32_t *count, int32_t *hr);
int ctl_job_info(struct ctl *ctl, const uint8_t id[16], struct bp_job_info *info, int32_t *hr);
int ctl_job_action(struct ctl *ctl, const uint8_t id[16], uint32_t action, int32_t *hr);
/* Prints "bitsctl: <what>: 0x... (NAME)" to stderr; returns CTL_EXIT_FAILED. */
int ctl_fail_hr(const char *what, int32_t hr);

/* ---- jobref.c: {GUID}, GUID or unique display name -> job id ---- */
int ctl_resolve_job(struct ctl *ctl, const char *ref, uint8_t id[16]);

/* ---- text.c: output for people ---- */
/* Copy of s with control characters replaced, so a display name chosen by a
 * Windows program cannot drive the terminal; NULL shows as "". */
void text_clean(const char *s, char *out, size_t size);
void text_bytes(uint64_t transferred, uint64_t total, char *out, size_t size);
void text_list(FILE *f, const struct bp_job_info *infos, size_t count);
void text_info(FILE *f, const struct bp_job_info *info);
/* "2024-05-01 12:00:00" in local time, or "-" for 0. */
void text_filetime(uint64_t ft, char *out, size_t size);

/* ---- json.c: machine-readable output ---- */
struct json {
    FILE *f;
    int depth;
    int need_comma[32];     /* the container at this depth has a member already */
    int after_key;          /* the next value follows its key: no comma, no newline */
};
void json_init(struct json *j, FILE *f);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);        /* NULL -> null */
void json_u64(struct json *j, uint64_t v);
void json_null(struct json *j);
void json_bool(struct json *j, int v);
/* The job as one object; 'detail' adds everything JOB_INFO gives. */
void json_job(struct json *j, const struct bp_job_info *info, int detail);
/* Ends the document with a newline. */
void json_finish(struct json *j);

/* ---- commands ---- */
int cmd_list(struct ctl *ctl, int argc, char **argv);
int cmd_info(struct ctl *ctl, int argc, char **argv);
int ctl_is_action(const char *command);
int cmd_action(struct ctl *ctl, const char *command, int argc, char **argv);
int cmd_watch(struct ctl *ctl, int argc, char **argv);

/* main.c */
int ctl_usage_error(const char *fmt, ...);

#endif
