/* Machine-readable output: a small JSON writer and the job objects. */
#include "bitsctl.h"
#include "bitserr.h"
#include "bitsnames.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#define FILETIME_UNIX_EPOCH 116444736000000000ull
#define JSON_MAX_DEPTH ((int)(sizeof(((struct json *)0)->need_comma) / sizeof(int)) - 1)

void json_init(struct json *j, FILE *f)
{
    memset(j, 0, sizeof(*j));
    j->f = f;
}

static void indent(struct json *j)
{
    int i;

    fputc('\n', j->f);
    for (i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

static void before_value(struct json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth])
            fputc(',', j->f);
        indent(j);
    }
    j->need_comma[j->depth] = 1;
}

static void open_container(struct json *j, char c)
{
    before_value(j);
    fputc(c, j->f);
    /* Deeper than the writer tracks never happens with the documents this
     * tool writes; stay well-formed (if ugly) rather than overflow. */
    if (j->depth < JSON_MAX_DEPTH)
        j->depth++;
    j->need_comma[j->depth] = 0;
}

static void close_container(struct json *j, char c)
{
    int had_members = j->need_comma[j->depth];

    if (j->depth > 0)
        j->depth--;
    if (had_members)
        indent(j);
    fputc(c, j->f);
}

void json_begin_object(struct json *j) { open_container(j, '{'); }
void json_end_object(struct json *j)   { close_container(j, '}'); }
void json_begin_array(struct json *j)  { open_container(j, '['); }
void json_end_array(struct json *j)    { close_container(j, ']'); }

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one:
 * overlong forms, surrogates and values above U+10FFFF are refused too. */
static size_t utf8_sequence(const unsigned char *p)
{
    uint32_t cp;
    size_t len, i;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2, cp = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3, cp = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff
        || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Escapes what JSON requires (quote, backslash, control characters) and
 * replaces bytes that are not UTF-8 with U+FFFD, so the output always parses
 * whatever a Windows program put into a name. */
static void write_escaped(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len;

    fputc('"', f);
    while (*p) {
        switch (*p) {
        case '"':  fputs("\\\"", f); p++; continue;
        case '\\': fputs("\\\\", f); p++; continue;
        case '\b': fputs("\\b", f); p++; continue;
        case '\f': fputs("\\f", f); p++; continue;
        case '\n': fputs("\\n", f); p++; continue;
        case '\r': fputs("\\r", f); p++; continue;
        case '\t': fputs("\\t", f); p++; continue;
        }
        if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
            p++;
            continue;
        }
        len = utf8_sequence(p);
        if (!len) {
            fputs("\\ufffd", f);
            p++;
            continue;
        }
        fwrite(p, 1, len, f);
        p += len;
    }
    fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
    if (j->need_comma[j->depth])
        fputc(',', j->f);
    indent(j);
    j->need_comma[j->depth] = 1;
    write_escaped(j->f, key);
    fputs(": ", j->f);
    j->after_key = 1;
}

void json_string(struct json *j, const char *s)
{
    if (!s) {
        json_null(j);
        return;
    }
    before_value(j);
    write_escaped(j->f, s);
}

void json_u64(struct json *j, uint64_t v)
{
    before_value(j);
    fprintf(j->f, "%" PRIu64, v);
}

void json_null(struct json *j)
{
    before_value(j);
    fputs("null", j->f);
}

void json_bool(struct json *j, int v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->f);
}

void json_finish(struct json *j)
{
    fputc('\n', j->f);
}

/* ---- job objects ---- */

/* Unknown sizes are null rather than 18446744073709551615, which no
 * JavaScript-based consumer could even represent. */
static void size_value(struct json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    if (v == BP_SIZE_UNKNOWN)
        json_null(j);
    else
        json_u64(j, v);
}

static void name_value(struct json *j, const char *key, const char *name, uint32_t v)
{
    char buf[16];

    json_key(j, key);
    if (name)
        json_string(j, name);
    else {
        snprintf(buf, sizeof(buf), "%" PRIu32, v);
        json_string(j, buf);
    }
}

/* FILETIME as ISO 8601 UTC; null when unset. */
static void time_value(struct json *j, const char *key, uint64_t ft)
{
    char buf[32];
    struct tm tm;
    time_t t;

    json_key(j, key);
    if (ft < FILETIME_UNIX_EPOCH) {
        json_null(j);
        return;
    }
    t = (time_t)((ft - FILETIME_UNIX_EPOCH) / 10000000u);
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        json_null(j);
        return;
    }
    json_string(j, buf);
}

static void error_value(struct json *j, const struct bp_job_info *info)
{
    char hex[16], symbol[64], text[BN_HRESULT_TEXT_MAX];

    json_key(j, "error");
    if (info->error_context == BP_CONTEXT_NONE) {
        json_null(j);
        return;
    }
    json_begin_object(j);
    snprintf(hex, sizeof(hex), "0x%08" PRIX32, (uint32_t)info->error_code);
    json_key(j, "hresult");
    json_string(j, hex);
    json_key(j, "name");
    json_string(j, bn_hresult_symbol(info->error_code, symbol, sizeof(symbol)));
    json_key(j, "text");
    json_string(j, bn_hresult_format(info->error_code, text, sizeof(text)));
    name_value(j, "context", bn_context_name(info->error_context), info->error_context);
    json_key(j, "file");
    if (info->error_file == BP_NO_FILE)
        json_null(j);
    else
        json_u64(j, info->error_file);
    json_end_object(j);
}

static void files_value(struct json *j, const struct bp_job_info *info)
{
    uint32_t i;

    json_key(j, "files");
    json_begin_array(j);
    for (i = 0; i < info->file_count; i++) {
        const struct bp_file_info *file = &info->files[i];

        json_begin_object(j);
        json_key(j, "remote_name");
        json_string(j, file->remote_name);
        json_key(j, "local_name");
        json_string(j, file->local_name);
        size_value(j, "bytes_total", file->bytes_total);
        size_value(j, "bytes_transferred", file->bytes_transferred);
        json_key(j, "completed");
        json_bool(j, file->completed);
        json_end_object(j);
    }
    json_end_array(j);
}

static void reply_value(struct json *j, const struct bp_job_info *info)
{
    json_key(j, "reply");
    if (info->type != BP_JOB_UPLOAD_REPLY) {
        json_null(j);
        return;
    }
    json_begin_object(j);
    size_value(j, "bytes_total", info->reply_bytes_total);
    size_value(j, "bytes_transferred", info->reply_bytes_transferred);
    json_key(j, "file_name");
    json_string(j, info->reply_file_name);
    json_end_object(j);
}

static void detail_values(struct json *j, const struct bp_job_info *info)
{
    json_key(j, "description");
    json_string(j, info->description);
    name_value(j, "priority", bn_priority_name(info->priority), info->priority);
    time_value(j, "creation_time", info->creation_time);
    time_value(j, "modification_time", info->modification_time);
    time_value(j, "transfer_completion_time", info->transfer_completion_time);
    json_key(j, "error_count");
    json_u64(j, info->error_count);
    json_key(j, "notify_flags");
    json_u64(j, info->notify_flags);
    json_key(j, "notify_program");
    json_string(j, info->notify_program);
    json_key(j, "notify_parameters");
    json_string(j, info->notify_parameters);
    json_key(j, "min_retry_delay");
    json_u64(j, info->min_retry_delay);
    json_key(j, "no_progress_timeout");
    json_u64(j, info->no_progress_timeout);
    reply_value(j, info);
    json_key(j, "proxy");
    json_begin_object(j);
    name_value(j, "usage", bn_proxy_usage_name(info->proxy_usage), info->proxy_usage);
    json_key(j, "list");
    json_string(j, info->proxy_list);
    json_key(j, "bypass");
    json_string(j, info->proxy_bypass);
    json_end_object(j);
    files_value(j, info);
}

void json_job(struct json *j, const struct bp_job_info *info, int detail)
{
    char guid[39];

    bp_guid_format(info->id, guid);
    json_begin_object(j);
    json_key(j, "id");
    json_string(j, guid);
    json_key(j, "display_name");
    json_string(j, info->display_name);
    name_value(j, "type", bn_type_name(info->type), info->type);
    name_value(j, "state", bn_state_name(info->state), info->state);
    json_key(j, "owner");
    json_string(j, info->owner);
    size_value(j, "bytes_total", info->bytes_total);
    json_key(j, "bytes_transferred");
    json_u64(j, info->bytes_transferred);
    json_key(j, "files_total");
    json_u64(j, info->files_total);
    json_key(j, "files_transferred");
    json_u64(j, info->files_transferred);
    error_value(j, info);
    if (detail)
        detail_values(j, info);
    json_end_object(j);
}
