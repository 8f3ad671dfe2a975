/* Encoder and decoder for the qmgr <-> bitsd wire protocol (see bitsproto.h). */
#include "bitsproto.h"

#include <stdlib.h>
#include <string.h>

#define BP_NULL_LEN 0xFFFFFFFFu

void bp_writer_init(struct bp_writer *w)
{
    memset(w, 0, sizeof(*w));
}

void bp_writer_free(struct bp_writer *w)
{
    free(w->data);
    memset(w, 0, sizeof(*w));
}

static uint8_t *bp_reserve(struct bp_writer *w, size_t n)
{
    uint8_t *p;

    if (w->failed)
        return NULL;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        p = realloc(w->data, cap);
        if (!p) {
            w->failed = 1;
            return NULL;
        }
        w->data = p;
        w->cap = cap;
    }
    p = w->data + w->len;
    w->len += n;
    return p;
}

static void bp_store_le(uint8_t *p, uint64_t v, int n)
{
    int i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t bp_load_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void bp_put_le(struct bp_writer *w, uint64_t v, int n)
{
    uint8_t *p = bp_reserve(w, (size_t)n);
    if (p)
        bp_store_le(p, v, n);
}

void bp_put_u16(struct bp_writer *w, uint16_t v) { bp_put_le(w, v, 2); }
void bp_put_u32(struct bp_writer *w, uint32_t v) { bp_put_le(w, v, 4); }
void bp_put_u64(struct bp_writer *w, uint64_t v) { bp_put_le(w, v, 8); }
void bp_put_i32(struct bp_writer *w, int32_t v) { bp_put_le(w, (uint32_t)v, 4); }

void bp_put_bytes(struct bp_writer *w, const void *data, uint32_t len)
{
    uint8_t *p;

    if (!data) {
        bp_put_u32(w, BP_NULL_LEN);
        return;
    }
    bp_put_u32(w, len);
    p = bp_reserve(w, len);
    if (p && len)
        memcpy(p, data, len);
}

void bp_put_str(struct bp_writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n >= BP_MAX_FRAME) {
        w->failed = 1;
        return;
    }
    bp_put_bytes(w, s, (uint32_t)n);
}

void bp_put_guid(struct bp_writer *w, const uint8_t guid[16])
{
    uint8_t *p = bp_reserve(w, 16);
    if (p)
        memcpy(p, guid, 16);
}

void bp_begin_frame(struct bp_writer *w, uint16_t type, uint32_t seq)
{
    w->len = 0;
    w->failed = 0;
    bp_put_u32(w, 0);
    bp_put_u16(w, type);
    bp_put_u16(w, 0);
    bp_put_u32(w, seq);
}

void bp_end_frame(struct bp_writer *w)
{
    if (w->failed || w->len < BP_HEADER_SIZE)
        return;
    if (w->len - 4 > BP_MAX_FRAME) {
        w->failed = 1;
        return;
    }
    bp_store_le(w->data, w->len - 4, 4);
}

int bp_parse_header(const uint8_t *buf, uint32_t *payload_len, uint16_t *type, uint32_t *seq)
{
    uint32_t len = (uint32_t)bp_load_le(buf, 4);

    if (len < BP_HEADER_SIZE - 4 || len > BP_MAX_FRAME)
        return -1;
    *payload_len = len - (BP_HEADER_SIZE - 4);
    *type = (uint16_t)bp_load_le(buf + 4, 2);
    *seq = (uint32_t)bp_load_le(buf + 8, 4);
    return 0;
}

void bp_reader_init(struct bp_reader *r, const void *payload, size_t len)
{
    r->p = payload;
    r->left = len;
    r->failed = 0;
}

static const uint8_t *bp_take(struct bp_reader *r, size_t n)
{
    const uint8_t *p;

    if (r->failed || r->left < n) {
        r->failed = 1;
        return NULL;
    }
    p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint64_t bp_get_le(struct bp_reader *r, int n)
{
    const uint8_t *p = bp_take(r, (size_t)n);
    return p ? bp_load_le(p, n) : 0;
}

uint16_t bp_get_u16(struct bp_reader *r) { return (uint16_t)bp_get_le(r, 2); }
uint32_t bp_get_u32(struct bp_reader *r) { return (uint32_t)bp_get_le(r, 4); }
uint64_t bp_get_u64(struct bp_reader *r) { return bp_get_le(r, 8); }
int32_t bp_get_i32(struct bp_reader *r) { return (int32_t)(uint32_t)bp_get_le(r, 4); }

const uint8_t *bp_get_bytes(struct bp_reader *r, uint32_t *len)
{
    uint32_t n = bp_get_u32(r);
    const uint8_t *p;

    *len = 0;
    if (r->failed || n == BP_NULL_LEN)
        return NULL;
    p = bp_take(r, n);
    if (!p)
        return NULL;
    *len = n;
    return p;
}

char *bp_get_str(struct bp_reader *r)
{
    uint32_t n;
    const uint8_t *p = bp_get_bytes(r, &n);
    char *s;

    if (!p)
        return NULL;
    if (memchr(p, 0, n)) {
        r->failed = 1;
        return NULL;
    }
    s = malloc((size_t)n + 1);
    if (!s) {
        r->failed = 1;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

void bp_get_guid(struct bp_reader *r, uint8_t guid[16])
{
    const uint8_t *p = bp_take(r, 16);
    if (p)
        memcpy(guid, p, 16);
    else
        memset(guid, 0, 16);
}

/* The fields of the newer interfaces, after the file list: older fields
 * keep their offsets. */
static void bp_put_job_info_newer(struct bp_writer *w, const struct bp_job_info *info)
{
    uint32_t i, k;

    bp_put_u32(w, info->file_acl_flags);
    bp_put_u32(w, info->peer_caching_flags);
    bp_put_u32(w, info->max_download_time);
    bp_put_str(w, info->custom_headers);
    bp_put_u32(w, info->security_flags);
    bp_put_u32(w, info->cert_set);
    bp_put_u32(w, info->cert_location);
    bp_put_str(w, info->cert_store);
    bp_put_bytes(w, info->cert_has_hash ? info->cert_hash : NULL, 20);
    bp_put_str(w, info->cert_subject);
    bp_put_u32(w, info->cost_flags);
    bp_put_guid(w, info->notification_clsid);
    bp_put_u32(w, info->dynamic_content);
    bp_put_u32(w, info->high_performance);
    bp_put_u64(w, info->max_download_size);
    bp_put_u32(w, info->use_stored_credentials);
    bp_put_u32(w, info->min_notification_interval);
    bp_put_u32(w, info->on_demand);
    bp_put_str(w, info->http_method);
    bp_put_u32(w, info->headers_write_only);
    for (i = 0; i < info->file_count; i++) {
        const struct bp_file_info *f = &info->files[i];
        bp_put_str(w, f->temp_name);
        bp_put_u32(w, f->validation_state);
        bp_put_u32(w, f->range_count);
        for (k = 0; k < f->range_count; k++) {
            bp_put_u64(w, f->ranges[k].offset);
            bp_put_u64(w, f->ranges[k].length);
        }
    }
}

static int bp_get_job_info_newer(struct bp_reader *r, struct bp_job_info *info)
{
    const uint8_t *hash;
    uint32_t i, k, n;

    info->file_acl_flags = bp_get_u32(r);
    info->peer_caching_flags = bp_get_u32(r);
    info->max_download_time = bp_get_u32(r);
    info->custom_headers = bp_get_str(r);
    info->security_flags = bp_get_u32(r);
    info->cert_set = bp_get_u32(r);
    info->cert_location = bp_get_u32(r);
    info->cert_store = bp_get_str(r);
    hash = bp_get_bytes(r, &n);
    if (hash && n != 20)
        r->failed = 1;
    else if (hash) {
        memcpy(info->cert_hash, hash, 20);
        info->cert_has_hash = 1;
    }
    info->cert_subject = bp_get_str(r);
    info->cost_flags = bp_get_u32(r);
    bp_get_guid(r, info->notification_clsid);
    info->dynamic_content = bp_get_u32(r);
    info->high_performance = bp_get_u32(r);
    info->max_download_size = bp_get_u64(r);
    info->use_stored_credentials = bp_get_u32(r);
    info->min_notification_interval = bp_get_u32(r);
    info->on_demand = bp_get_u32(r);
    info->http_method = bp_get_str(r);
    info->headers_write_only = bp_get_u32(r);
    for (i = 0; i < info->file_count && !r->failed; i++) {
        struct bp_file_info *f = &info->files[i];
        f->temp_name = bp_get_str(r);
        f->validation_state = bp_get_u32(r);
        n = bp_get_u32(r);
        /* 16 bytes a range: refuse counts the payload cannot hold */
        if (r->failed || n > r->left / 16) {
            r->failed = 1;
            break;
        }
        if (!n)
            continue;
        f->ranges = calloc(n, sizeof(*f->ranges));
        if (!f->ranges) {
            r->failed = 1;
            break;
        }
        f->range_count = n;
        for (k = 0; k < n; k++) {
            f->ranges[k].offset = bp_get_u64(r);
            f->ranges[k].length = bp_get_u64(r);
        }
    }
    return r->failed ? -1 : 0;
}

void bp_put_job_info(struct bp_writer *w, const struct bp_job_info *info)
{
    uint32_t i;

    bp_put_guid(w, info->id);
    bp_put_u32(w, info->type);
    bp_put_u32(w, info->state);
    bp_put_u32(w, info->priority);
    bp_put_str(w, info->display_name);
    bp_put_str(w, info->description);
    bp_put_str(w, info->owner);
    bp_put_u64(w, info->bytes_total);
    bp_put_u64(w, info->bytes_transferred);
    bp_put_u32(w, info->files_total);
    bp_put_u32(w, info->files_transferred);
    bp_put_u64(w, info->creation_time);
    bp_put_u64(w, info->modification_time);
    bp_put_u64(w, info->transfer_completion_time);
    bp_put_u32(w, info->notify_flags);
    bp_put_str(w, info->notify_program);
    bp_put_str(w, info->notify_parameters);
    bp_put_u32(w, info->min_retry_delay);
    bp_put_u32(w, info->no_progress_timeout);
    bp_put_u32(w, info->error_count);
    bp_put_u32(w, info->error_context);
    bp_put_i32(w, info->error_code);
    bp_put_u32(w, info->error_file);
    bp_put_u64(w, info->reply_bytes_total);
    bp_put_u64(w, info->reply_bytes_transferred);
    bp_put_str(w, info->reply_file_name);
    bp_put_u32(w, info->proxy_usage);
    bp_put_str(w, info->proxy_list);
    bp_put_str(w, info->proxy_bypass);
    bp_put_u32(w, info->file_count);
    for (i = 0; i < info->file_count; i++) {
        const struct bp_file_info *f = &info->files[i];
        bp_put_str(w, f->remote_name);
        bp_put_str(w, f->local_name);
        bp_put_u64(w, f->bytes_total);
        bp_put_u64(w, f->bytes_transferred);
        bp_put_u32(w, f->completed);
    }
    bp_put_job_info_newer(w, info);
}

void bp_job_info_free(struct bp_job_info *info)
{
    uint32_t i;

    free(info->display_name);
    free(info->description);
    free(info->owner);
    free(info->notify_program);
    free(info->notify_parameters);
    free(info->reply_file_name);
    free(info->proxy_list);
    free(info->proxy_bypass);
    free(info->custom_headers);
    free(info->cert_store);
    free(info->cert_subject);
    free(info->http_method);
    for (i = 0; info->files && i < info->file_count; i++) {
        free(info->files[i].remote_name);
        free(info->files[i].local_name);
        free(info->files[i].temp_name);
        free(info->files[i].ranges);
    }
    free(info->files);
    memset(info, 0, sizeof(*info));
}

int bp_get_job_info(struct bp_reader *r, struct bp_job_info *info)
{
    uint32_t i, count;

    memset(info, 0, sizeof(*info));
    bp_get_guid(r, info->id);
    info->type = bp_get_u32(r);
    info->state = bp_get_u32(r);
    info->priority = bp_get_u32(r);
    info->display_name = bp_get_str(r);
    info->description = bp_get_str(r);
    info->owner = bp_get_str(r);
    info->bytes_total = bp_get_u64(r);
    info->bytes_transferred = bp_get_u64(r);
    info->files_total = bp_get_u32(r);
    info->files_transferred = bp_get_u32(r);
    info->creation_time = bp_get_u64(r);
    info->modification_time = bp_get_u64(r);
    info->transfer_completion_time = bp_get_u64(r);
    info->notify_flags = bp_get_u32(r);
    info->notify_program = bp_get_str(r);
    info->notify_parameters = bp_get_str(r);
    info->min_retry_delay = bp_get_u32(r);
    info->no_progress_timeout = bp_get_u32(r);
    info->error_count = bp_get_u32(r);
    info->error_context = bp_get_u32(r);
    info->error_code = bp_get_i32(r);
    info->error_file = bp_get_u32(r);
    info->reply_bytes_total = bp_get_u64(r);
    info->reply_bytes_transferred = bp_get_u64(r);
    info->reply_file_name = bp_get_str(r);
    info->proxy_usage = bp_get_u32(r);
    info->proxy_list = bp_get_str(r);
    info->proxy_bypass = bp_get_str(r);
    count = bp_get_u32(r);
    /* Each file takes at least 28 bytes: refuse counts the payload cannot hold. */
    if (r->failed || count > r->left / 28)
        goto fail;
    info->files = calloc(count ? count : 1, sizeof(*info->files));
    if (!info->files)
        goto fail;
    info->file_count = count;
    for (i = 0; i < count; i++) {
        struct bp_file_info *f = &info->files[i];
        f->remote_name = bp_get_str(r);
        f->local_name = bp_get_str(r);
        f->bytes_total = bp_get_u64(r);
        f->bytes_transferred = bp_get_u64(r);
        f->completed = bp_get_u32(r);
    }
    if (r->failed || bp_get_job_info_newer(r, info) < 0)
        goto fail;
    return 0;

fail:
    r->failed = 1;
    bp_job_info_free(info);
    return -1;
}

static const char bp_hex[] = "0123456789ABCDEF";

void bp_guid_format(const uint8_t g[16], char out[39])
{
    /* Data1..Data3 are little endian in memory; print them most significant first. */
    static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    int i, o = 0;

    out[o++] = '{';
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = bp_hex[g[order[i]] >> 4];
        out[o++] = bp_hex[g[order[i]] & 15];
    }
    out[o++] = '}';
    out[o] = 0;
}

static int bp_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int bp_guid_parse(const char *text, uint8_t g[16])
{
    static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    int braced = text[0] == '{';
    const char *p = text + braced;
    int i;

    for (i = 0; i < 16; i++) {
        int hi, lo;
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (*p++ != '-')
                return -1;
        }
        hi = bp_hexval(p[0]);
        lo = hi < 0 ? -1 : bp_hexval(p[1]);
        if (lo < 0)
            return -1;
        g[order[i]] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    if (braced && *p++ != '}')
        return -1;
    return *p ? -1 : 0;
}
