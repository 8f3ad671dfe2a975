/* Output for people: the list lines and the info page. */
#include "bitsctl.h"
#include "bitserr.h"
#include "bitsnames.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#define FILETIME_UNIX_EPOCH 116444736000000000ull   /* 1970-01-01 in FILETIME units */

/* Display names, descriptions and paths come from Windows programs: control
 * characters (C0, DEL, and C1 as UTF-8 encodes them) become '?' so they
 * cannot move the cursor or retitle the terminal.  A multi-byte character is
 * never cut in half when 'out' runs short. */
void text_clean(const char *s, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = 0, len;

    if (!size)
        return;
    while (*p) {
        if (*p < 0x20 || *p == 0x7f) {
            if (n + 1 >= size)
                break;
            out[n++] = '?';
            p++;
            continue;
        }
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            if (n + 1 >= size)
                break;
            out[n++] = '?';
            p += 2;
            continue;
        }
        /* copy one whole UTF-8 sequence (or one stray byte) */
        len = 1;
        if (*p >= 0xc0)
            while (len < 4 && (p[len] & 0xc0) == 0x80)
                len++;
        if (n + len >= size)
            break;
        memcpy(out + n, p, len);
        n += len;
        p += len;
    }
    out[n] = 0;
}

void text_bytes(uint64_t transferred, uint64_t total, char *out, size_t size)
{
    if (total == BP_SIZE_UNKNOWN)
        snprintf(out, size, "%" PRIu64 "/?", transferred);
    else
        snprintf(out, size, "%" PRIu64 "/%" PRIu64, transferred, total);
}

void text_filetime(uint64_t ft, char *out, size_t size)
{
    struct tm tm;
    time_t t;

    if (ft < FILETIME_UNIX_EPOCH) {
        snprintf(out, size, "-");
        return;
    }
    t = (time_t)((ft - FILETIME_UNIX_EPOCH) / 10000000u);
    if (!localtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(out, size, "-");
}

static const char *or_number(const char *name, uint32_t v, char *buf, size_t size)
{
    if (name)
        return name;
    snprintf(buf, size, "%" PRIu32, v);
    return buf;
}

/* The columns of one list line, as text. */
struct list_row {
    char guid[39], state[16], type[16], bytes[48], files[24], name[1100];
};

static void list_row(const struct bp_job_info *info, struct list_row *row)
{
    char num[16];

    bp_guid_format(info->id, row->guid);
    snprintf(row->state, sizeof(row->state), "%s",
             or_number(bn_state_name(info->state), info->state, num, sizeof(num)));
    snprintf(row->type, sizeof(row->type), "%s",
             or_number(bn_type_name(info->type), info->type, num, sizeof(num)));
    text_bytes(info->bytes_transferred, info->bytes_total, row->bytes, sizeof(row->bytes));
    snprintf(row->files, sizeof(row->files), "%" PRIu32 "/%" PRIu32, info->files_transferred,
             info->files_total);
    text_clean(info->display_name, row->name, sizeof(row->name));
}

static int widest(int current, const char *s)
{
    int n = (int)strlen(s);

    return n > current ? n : current;
}

/* Columns as wide as their widest cell, so the table lines up without
 * wasting a line's width on byte counts of a size nobody has. */
void text_list(FILE *f, const struct bp_job_info *infos, size_t count)
{
    int w_state = 5, w_type = 4, w_bytes = 5, w_files = 5;
    struct list_row row;
    size_t i;

    for (i = 0; i < count; i++) {
        list_row(&infos[i], &row);
        w_state = widest(w_state, row.state);
        w_type = widest(w_type, row.type);
        w_bytes = widest(w_bytes, row.bytes);
        w_files = widest(w_files, row.files);
    }
    fprintf(f, "%-38s  %-*s  %-*s  %*s  %*s  %s\n", "JOB", w_state, "STATE", w_type, "TYPE",
            w_bytes, "BYTES", w_files, "FILES", "NAME");
    for (i = 0; i < count; i++) {
        list_row(&infos[i], &row);
        fprintf(f, "%-38s  %-*s  %-*s  %*s  %*s  %s\n", row.guid, w_state, row.state, w_type,
                row.type, w_bytes, row.bytes, w_files, row.files, row.name);
    }
}

static void field(FILE *f, const char *label, const char *value)
{
    fprintf(f, "%-22s %s\n", label, value);
}

static void field_clean(FILE *f, const char *label, const char *value)
{
    char clean[4200];

    if (!value) {
        field(f, label, "-");
        return;
    }
    text_clean(value, clean, sizeof(clean));
    field(f, label, clean);
}

static void notify_flags_text(uint32_t flags, char *out, size_t size)
{
    static const struct { uint32_t bit; const char *name; } bits[] = {
        { BP_NOTIFY_JOB_TRANSFERRED, "JOB_TRANSFERRED" },
        { BP_NOTIFY_JOB_ERROR, "JOB_ERROR" },
        { BP_NOTIFY_DISABLE, "DISABLE" },
        { BP_NOTIFY_JOB_MODIFICATION, "JOB_MODIFICATION" },
        { BP_NOTIFY_FILE_TRANSFERRED, "FILE_TRANSFERRED" },
    };
    char names[128] = "";
    size_t i;

    for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        if (!(flags & bits[i].bit))
            continue;
        if (names[0])
            strncat(names, "|", sizeof(names) - strlen(names) - 1);
        strncat(names, bits[i].name, sizeof(names) - strlen(names) - 1);
    }
    if (names[0])
        snprintf(out, size, "0x%" PRIx32 " (%s)", flags, names);
    else
        snprintf(out, size, "0x%" PRIx32, flags);
}

static void text_error(FILE *f, const struct bp_job_info *info)
{
    char hr[BN_HRESULT_TEXT_MAX], line[256], ctx[16];

    if (info->error_context == BP_CONTEXT_NONE) {
        field(f, "Error:", "-");
        return;
    }
    bn_hresult_format(info->error_code, hr, sizeof(hr));
    if (info->error_file == BP_NO_FILE)
        snprintf(line, sizeof(line), "%s, context %s", hr,
                 or_number(bn_context_name(info->error_context), info->error_context, ctx,
                           sizeof(ctx)));
    else
        snprintf(line, sizeof(line), "%s, context %s, file %" PRIu32, hr,
                 or_number(bn_context_name(info->error_context), info->error_context, ctx,
                           sizeof(ctx)), info->error_file);
    field(f, "Error:", line);
}

static void text_files(FILE *f, const struct bp_job_info *info)
{
    char remote[2300], local[1100], bytes[48];
    uint32_t i;

    fprintf(f, "Files:\n");
    for (i = 0; i < info->file_count; i++) {
        const struct bp_file_info *file = &info->files[i];

        text_clean(file->remote_name, remote, sizeof(remote));
        text_clean(file->local_name, local, sizeof(local));
        text_bytes(file->bytes_transferred, file->bytes_total, bytes, sizeof(bytes));
        fprintf(f, "  [%" PRIu32 "] %s\n      %s %s\n      %s bytes%s\n", i, remote,
                info->type == BP_JOB_DOWNLOAD ? "->" : "<-", local, bytes,
                file->completed ? ", completed" : "");
    }
    if (!info->file_count)
        fprintf(f, "  (none)\n");
}

void text_info(FILE *f, const struct bp_job_info *info)
{
    char guid[39], buf[512], n1[16];

    bp_guid_format(info->id, guid);
    field(f, "Job:", guid);
    field_clean(f, "Display name:", info->display_name);
    field_clean(f, "Description:", info->description);
    field(f, "Type:", or_number(bn_type_name(info->type), info->type, n1, sizeof(n1)));
    field(f, "State:", or_number(bn_state_name(info->state), info->state, n1, sizeof(n1)));
    field(f, "Priority:", or_number(bn_priority_name(info->priority), info->priority, n1,
                                    sizeof(n1)));
    field_clean(f, "Owner:", info->owner);
    text_bytes(info->bytes_transferred, info->bytes_total, buf, sizeof(buf));
    strncat(buf, " bytes", sizeof(buf) - strlen(buf) - 1);
    field(f, "Progress:", buf);
    snprintf(buf, sizeof(buf), "%" PRIu32 "/%" PRIu32, info->files_transferred,
             info->files_total);
    field(f, "Files done:", buf);
    if (info->type == BP_JOB_UPLOAD_REPLY) {
        text_bytes(info->reply_bytes_transferred, info->reply_bytes_total, buf, sizeof(buf));
        strncat(buf, " bytes", sizeof(buf) - strlen(buf) - 1);
        field(f, "Reply progress:", buf);
        field_clean(f, "Reply file:", info->reply_file_name);
    }
    text_filetime(info->creation_time, buf, sizeof(buf));
    field(f, "Created:", buf);
    text_filetime(info->modification_time, buf, sizeof(buf));
    field(f, "Modified:", buf);
    text_filetime(info->transfer_completion_time, buf, sizeof(buf));
    field(f, "Transfer completed:", buf);
    text_error(f, info);
    snprintf(buf, sizeof(buf), "%" PRIu32, info->error_count);
    field(f, "Error count:", buf);
    notify_flags_text(info->notify_flags, buf, sizeof(buf));
    field(f, "Notify flags:", buf);
    field_clean(f, "Notify program:", info->notify_program);
    field_clean(f, "Notify parameters:", info->notify_parameters);
    snprintf(buf, sizeof(buf), "%" PRIu32 " s", info->min_retry_delay);
    field(f, "Minimum retry delay:", buf);
    snprintf(buf, sizeof(buf), "%" PRIu32 " s", info->no_progress_timeout);
    field(f, "No-progress timeout:", buf);
    field(f, "Proxy usage:", or_number(bn_proxy_usage_name(info->proxy_usage), info->proxy_usage,
                                       n1, sizeof(n1)));
    if (info->proxy_list || info->proxy_bypass) {
        field_clean(f, "Proxy list:", info->proxy_list);
        field_clean(f, "Proxy bypass:", info->proxy_bypass);
    }
    text_files(f, info);
}
