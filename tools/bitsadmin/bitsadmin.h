/*
 * bitsadmin -- command-line client of the BITS COM API.
 *
 * An ordinary BITS client like Microsoft's bitsadmin.exe: it uses only the
 * Windows SDK headers and talks to whatever serves
 * CLSID_BackgroundCopyManager.  This header ties the parts together:
 *   main.c        argument parsing and dispatch, banner
 *   help.c        /help text from the command table
 *   output.c      console output, error reporting, value parsing
 *   jobref.c      connecting to BITS, finding a job by name or GUID
 *   print.c       printing job information (names, times, lists, errors)
 *   cmd_job.c     creating jobs and changing their state
 *   cmd_get.c     property getters
 *   cmd_set.c     property setters
 *   cmd_reply.c   BITS 1.5 switches: reply, notify command line, credentials
 *   cmd_list.c    /list, /info, /monitor
 *   cmd_transfer.c /transfer
 */
#ifndef BITSADMIN_H
#define BITSADMIN_H

#define COBJMACROS
#include <windows.h>
#include <bits.h>
#include <bits1_5.h>
#include <bitsmsg.h>

/* Exit statuses. */
#define BA_EXIT_OK      0
#define BA_EXIT_FAILED  1   /* a BITS call failed or the job ended badly */
#define BA_EXIT_USAGE   2   /* bad command line */

struct ba_ctx
{
    IBackgroundCopyManager *mgr;    /* NULL until ba_connect() */
    BOOL raw;                       /* /rawreturn: bare values, no banner */
};

typedef int (*ba_handler)(struct ba_ctx *ctx, int argc, WCHAR **argv);

struct ba_command
{
    const WCHAR *name;      /* switch without the slash, lower case */
    int min_args;           /* arguments after the switch */
    int max_args;           /* -1: no upper limit */
    ba_handler run;
    const WCHAR *usage;     /* synopsis printed on bad arguments and by /help */
    const WCHAR *help;      /* one line for /help */
};

/* main.c */
extern volatile LONG ba_interrupted;   /* set by Ctrl-C / Ctrl-Break */
const struct ba_command *ba_find_command(const WCHAR *word);
const struct ba_command *ba_command_table(size_t *count);
int ba_usage_error(const struct ba_command *cmd, const WCHAR *what);
void ba_catch_interrupts(void);

/* help.c */
void ba_print_help(void);

/* output.c */
void ba_print(const WCHAR *fmt, ...);
void ba_value(struct ba_ctx *ctx, const WCHAR *fmt, ...);
WCHAR *ba_describe(struct ba_ctx *ctx, HRESULT hr);
int ba_fail(struct ba_ctx *ctx, const WCHAR *what, HRESULT hr);
BOOL ba_is_switch(const WCHAR *arg, const WCHAR *name);
BOOL ba_parse_ulong(const WCHAR *text, ULONG *value);
const WCHAR *ba_null_arg(const WCHAR *arg);

/* jobref.c */
HRESULT ba_connect(struct ba_ctx *ctx);
BOOL ba_parse_guid(const WCHAR *text, GUID *guid);
HRESULT ba_open_job(struct ba_ctx *ctx, const WCHAR *ref, IBackgroundCopyJob **job);
HRESULT ba_open_job2(struct ba_ctx *ctx, const WCHAR *ref, IBackgroundCopyJob2 **job);
HRESULT ba_enum_jobs(struct ba_ctx *ctx, BOOL all_users, IEnumBackgroundCopyJobs **jobs);
void ba_guid_text(const GUID *guid, WCHAR text[39]);

/* print.c */
const WCHAR *ba_state_name(BG_JOB_STATE state);
const WCHAR *ba_type_name(BG_JOB_TYPE type);
const WCHAR *ba_priority_name(BG_JOB_PRIORITY priority);
const WCHAR *ba_proxy_usage_name(BG_JOB_PROXY_USAGE usage);
BOOL ba_parse_priority(const WCHAR *text, BG_JOB_PRIORITY *priority);
BOOL ba_parse_type(const WCHAR *text, BG_JOB_TYPE *type);
BOOL ba_parse_proxy_usage(const WCHAR *text, BG_JOB_PROXY_USAGE *usage);
void ba_format_time(const FILETIME *ft, WCHAR *out, size_t len);
void ba_format_bytes(UINT64 bytes, WCHAR *out, size_t len);
void ba_format_owner(const WCHAR *sid, WCHAR *out, size_t len);
void ba_print_job_line(IBackgroundCopyJob *job);
void ba_print_job_verbose(struct ba_ctx *ctx, IBackgroundCopyJob *job);
void ba_print_progress(IBackgroundCopyJob *job, BG_JOB_STATE state,
                       const BG_JOB_PROGRESS *progress);
HRESULT ba_print_error(struct ba_ctx *ctx, IBackgroundCopyJob *job);
void ba_hex_dump(const BYTE *data, UINT64 length);

/* Switch handlers: argv holds only the switch's own arguments. */
#define BA_HANDLER(name) int ba_cmd_##name(struct ba_ctx *ctx, int argc, WCHAR **argv)
/* cmd_job.c */
BA_HANDLER(create); BA_HANDLER(addfile); BA_HANDLER(addfileset); BA_HANDLER(resume);
BA_HANDLER(suspend); BA_HANDLER(cancel); BA_HANDLER(complete); BA_HANDLER(reset);
BA_HANDLER(takeownership);
/* cmd_get.c */
BA_HANDLER(getstate); BA_HANDLER(getbytestotal); BA_HANDLER(getbytestransferred);
BA_HANDLER(getfilestotal); BA_HANDLER(getfilestransferred); BA_HANDLER(getcreationtime);
BA_HANDLER(getmodificationtime); BA_HANDLER(getcompletiontime); BA_HANDLER(geterror);
BA_HANDLER(gettype); BA_HANDLER(getpriority); BA_HANDLER(getdisplayname);
BA_HANDLER(getdescription); BA_HANDLER(getnotifyflags); BA_HANDLER(getminretrydelay);
BA_HANDLER(getnoprogresstimeout); BA_HANDLER(geterrorcount); BA_HANDLER(getowner);
BA_HANDLER(getproxyusage); BA_HANDLER(getproxylist); BA_HANDLER(getproxybypasslist);
/* cmd_set.c */
BA_HANDLER(setpriority); BA_HANDLER(setnotifyflags); BA_HANDLER(setminretrydelay);
BA_HANDLER(setnoprogresstimeout); BA_HANDLER(setdescription); BA_HANDLER(setdisplayname);
BA_HANDLER(setproxy);
/* cmd_reply.c */
BA_HANDLER(getreplydata); BA_HANDLER(getreplyfilename); BA_HANDLER(setreplyfilename);
BA_HANDLER(getreplyprogress); BA_HANDLER(setnotifycmdline); BA_HANDLER(getnotifycmdline);
BA_HANDLER(setcredentials); BA_HANDLER(removecredentials);
/* cmd_list.c */
BA_HANDLER(list); BA_HANDLER(info); BA_HANDLER(monitor);
/* cmd_transfer.c */
BA_HANDLER(transfer);

#endif
