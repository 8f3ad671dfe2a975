/*
 * The newer BITS interfaces, driven across processes as programs do:
 * the versioned manager CLSIDs, IBackgroundCopyJob3/4/5,
 * IBackgroundCopyJobHttpOptions..3 and IBackgroundCopyFile2..5 -- each method's
 * success and documented errors, and what they change in real transfers
 * (ranges, custom headers reaching the server, response headers, the
 * temporary file, a new remote name, a replaced prefix, a size limit, the
 * HTTP verb, write-only headers).
 *
 * usage: newer_test.exe <server base url> <scratch dir> <server root>
 */
#include "conform.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wincrypt.h>

#include <initguid.h>
#include <bits2_0.h>
#include <bits2_5.h>
#include <bits3_0.h>
#include <bits5_0.h>
#include "httpopts3.h"

/* ---- what mingw's SDK headers lack (values from the Windows SDK) ---- */

DEFINE_GUID(CLSID_BackgroundCopyManager4_0, 0xbb6df56b, 0xcace, 0x11dc, 0x99,0x92, 0x00,0x19,0xb9,0x3a,0x3a,0x84);
DEFINE_GUID(CLSID_BackgroundCopyManager5_0, 0x1ecca34c, 0xe88a, 0x44e3, 0x8d,0x6a, 0x89,0x21,0xbd,0xe9,0xe4,0x52);
DEFINE_GUID(CLSID_BackgroundCopyManager10_1, 0x4bd3e4e1, 0x7bd4, 0x4a2b, 0x99,0x64, 0x49,0x64,0x00,0xde,0x51,0x93);
DEFINE_GUID(CLSID_BackgroundCopyManager10_2, 0x4575438f, 0xa6c8, 0x4976, 0xb0,0xfe, 0x2f,0x26,0xb8,0x0d,0x95,0x9e);
DEFINE_GUID(CLSID_BackgroundCopyManager10_3, 0x5fd42ad5, 0xc04e, 0x4d36, 0xad,0xc7, 0xe0,0x8f,0xf1,0x57,0x37,0xad);
DEFINE_GUID(IID_IBackgroundCopyFile3, 0x659cdeaa, 0x489e, 0x11d9, 0xa9,0xcd, 0x00,0x0d,0x56,0x96,0x52,0x51);
DEFINE_GUID(IID_IBackgroundCopyFile4, 0xef7e0655, 0x7888, 0x4960, 0xb0,0xe5, 0x73,0x08,0x46,0xe0,0x34,0x92);
DEFINE_GUID(IID_IBackgroundCopyFile5, 0x85c1657f, 0xdafc, 0x40e8, 0x88,0x34, 0xdf,0x18,0xea,0x25,0x71,0x7e);
DEFINE_GUID(IID_IBackgroundCopyFile6, 0xcf6784f7, 0xd677, 0x49fd, 0x93,0x68, 0xcb,0x47,0xae,0xe9,0xd1,0xad);

#define BG_SSL_IGNORE_UNKNOWN_CA                0x0008
#define BG_HTTP_REDIRECT_POLICY_DISALLOW        0x0200
#ifndef BG_E_TOO_MANY_RANGES_IN_FILE
#define BG_E_TOO_MANY_RANGES_IN_FILE            ((HRESULT)0x80200052)
#endif
#define BG_E_UNKNOWN_PROPERTY_ID                ((HRESULT)0x80200057)
#define BG_E_READ_ONLY_PROPERTY                 ((HRESULT)0x80200058)
#define BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY ((HRESULT)0x80200060)
#define BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE   ((HRESULT)0x80200061)
#define BG_E_READ_ONLY_PROPERTY_AFTER_RESUME    ((HRESULT)0x80200062)
#define BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED    ((HRESULT)0x80200064)
#define BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD ((HRESULT)0x80200071)
#define HR_NULL_REF     HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER)
#define HR_NO_CERT      HRESULT_FROM_WIN32(RPC_X_BAD_STUB_DATA)

/* IBackgroundCopyFile3/4/5 (bits3_0.h, bits4_0.h, bits5_0.h of the SDK):
 * one vtable, File5 extends File4 extends File3 extends File2. */
typedef enum { BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS = 1 } BITS_FILE_PROPERTY_ID;
typedef union { LPWSTR String; } BITS_FILE_PROPERTY_VALUE;
typedef struct IBackgroundCopyFile5 IBackgroundCopyFile5;
typedef struct {
    HRESULT (WINAPI *QueryInterface)(IBackgroundCopyFile5 *, REFIID, void **);
    ULONG (WINAPI *AddRef)(IBackgroundCopyFile5 *);
    ULONG (WINAPI *Release)(IBackgroundCopyFile5 *);
    HRESULT (WINAPI *GetRemoteName)(IBackgroundCopyFile5 *, LPWSTR *);
    HRESULT (WINAPI *GetLocalName)(IBackgroundCopyFile5 *, LPWSTR *);
    HRESULT (WINAPI *GetProgress)(IBackgroundCopyFile5 *, BG_FILE_PROGRESS *);
    HRESULT (WINAPI *GetFileRanges)(IBackgroundCopyFile5 *, DWORD *, BG_FILE_RANGE **);
    HRESULT (WINAPI *SetRemoteName)(IBackgroundCopyFile5 *, LPCWSTR);
    HRESULT (WINAPI *GetTemporaryName)(IBackgroundCopyFile5 *, LPWSTR *);
    HRESULT (WINAPI *SetValidationState)(IBackgroundCopyFile5 *, BOOL);
    HRESULT (WINAPI *GetValidationState)(IBackgroundCopyFile5 *, BOOL *);
    HRESULT (WINAPI *IsDownloadedFromPeer)(IBackgroundCopyFile5 *, BOOL *);
    HRESULT (WINAPI *GetPeerDownloadStats)(IBackgroundCopyFile5 *, UINT64 *, UINT64 *);
    HRESULT (WINAPI *SetProperty)(IBackgroundCopyFile5 *, BITS_FILE_PROPERTY_ID, BITS_FILE_PROPERTY_VALUE);
    HRESULT (WINAPI *GetProperty)(IBackgroundCopyFile5 *, BITS_FILE_PROPERTY_ID, BITS_FILE_PROPERTY_VALUE *);
} IBackgroundCopyFile5Vtbl;
struct IBackgroundCopyFile5 { const IBackgroundCopyFile5Vtbl *lpVtbl; };
#define F5(file, method, ...) ((file)->lpVtbl->method((file), ##__VA_ARGS__))


static struct bt_args args;
static IBackgroundCopyManager *manager;

/* ---- helpers ---- */

static void url_of(WCHAR *out, const WCHAR *name)
{
    WCHAR path[BT_URL_MAX];

    swprintf(path, BT_URL_MAX, L"/files/%ls", name);
    bt_url(out, &args, path);
}

static BOOL serve(const WCHAR *name, DWORD size, unsigned seed)
{
    WCHAR path[MAX_PATH];

    ct_served_path(path, &args, name);
    return ok(bt_write_pattern_file(path, size, seed), "cannot write %ls\n", path);
}

static void make_dir(WCHAR *out, const WCHAR *name)
{
    bt_scratch_path(out, &args, name);
    CreateDirectoryW(out, NULL);
}

static BOOL exists(const WCHAR *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

static const char *guid_text(const GUID *g)
{
    static char buf[64];

    snprintf(buf, sizeof(buf), "{%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
             (unsigned long)g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2],
             g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
    return buf;
}

static void *query(void *object, REFIID iid)
{
    void *out = NULL;
    HRESULT hr = IUnknown_QueryInterface((IUnknown *)object, iid, &out);

    ok(hr == S_OK && out, "QueryInterface(%s): %#lx\n", guid_text(iid), hr);
    return SUCCEEDED(hr) ? out : NULL;
}

/* The first file of a job, as File5 (NULL on failure, reported). */
static IBackgroundCopyFile5 *first_file(IBackgroundCopyJob2 *job)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file = NULL;
    IBackgroundCopyFile5 *file5;
    HRESULT hr;

    hr = IBackgroundCopyJob2_EnumFiles(job, &files);
    if (!ok(hr == S_OK, "EnumFiles: %#lx\n", hr))
        return NULL;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL);
    IEnumBackgroundCopyFiles_Release(files);
    if (!ok(hr == S_OK && file, "Next: %#lx\n", hr))
        return NULL;
    file5 = query(file, &IID_IBackgroundCopyFile5);
    IBackgroundCopyFile_Release(file);
    return file5;
}

/* Byte i of a served pattern file (bt_write_pattern_file). */
static BYTE pattern_byte(UINT64 i, unsigned seed)
{
    return (BYTE)((i * 7 + seed) % 256);
}

static BG_JOB_STATE run_to_end(IBackgroundCopyJob2 *job)
{
    HRESULT hr = IBackgroundCopyJob2_Resume(job);

    ok(hr == S_OK, "Resume: %#lx\n", hr);
    return bt_wait_for_job(job);
}

/* ---- the manager's versioned CLSIDs ---- */

static void test_versioned_clsids(void)
{
    static const struct { const CLSID *clsid; const char *name; } classes[] = {
        { &CLSID_BackgroundCopyManager, "1.0" },
        { &CLSID_BackgroundCopyManager1_5, "1.5" },
        { &CLSID_BackgroundCopyManager2_0, "2.0" },
        { &CLSID_BackgroundCopyManager2_5, "2.5" },
        { &CLSID_BackgroundCopyManager3_0, "3.0" },
        { &CLSID_BackgroundCopyManager4_0, "4.0" },
        { &CLSID_BackgroundCopyManager5_0, "5.0" },
        { &CLSID_BackgroundCopyManager10_1, "10.1" },
        { &CLSID_BackgroundCopyManager10_2, "10.2" },
        { &CLSID_BackgroundCopyManager10_3, "10.3" },
    };
    IBackgroundCopyJob *job;
    IBackgroundCopyManager *mgr;
    GUID id;
    HRESULT hr;
    size_t i;

    for (i = 0; i < ARRAYSIZE(classes); i++) {
        mgr = NULL;
        hr = CoCreateInstance(classes[i].clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                              (void **)&mgr);
        if (!ok(hr == S_OK && mgr, "BackgroundCopyManager %s: %#lx\n", classes[i].name, hr))
            continue;
        /* the same queue behind every version */
        hr = IBackgroundCopyManager_CreateJob(mgr, L"versioned", BG_JOB_TYPE_DOWNLOAD, &id, &job);
        ok(hr == S_OK, "%s CreateJob: %#lx\n", classes[i].name, hr);
        if (SUCCEEDED(hr)) {
            IBackgroundCopyJob *again = NULL;

            hr = IBackgroundCopyManager_GetJob(manager, &id, &again);
            ok(hr == S_OK, "job of manager %s not found by the 1.0 manager: %#lx\n",
               classes[i].name, hr);
            if (again)
                IBackgroundCopyJob_Release(again);
            IBackgroundCopyJob_Cancel(job);
            IBackgroundCopyJob_Release(job);
        }
        IBackgroundCopyManager_Release(mgr);
    }
}

/* ---- QueryInterface ---- */

static void test_query_interfaces(void)
{
    static const BG_JOB_TYPE types[] = { BG_JOB_TYPE_DOWNLOAD, BG_JOB_TYPE_UPLOAD };
    static const IID *job_iids[] = { &IID_IBackgroundCopyJob3, &IID_IBackgroundCopyJob4,
                                     &IID_IBackgroundCopyJob5, &IID_IBackgroundCopyJobHttpOptions,
                                     &IID_IBackgroundCopyJobHttpOptions2,
                                     &IID_IBackgroundCopyJobHttpOptions3 };
    static const IID *file_iids[] = { &IID_IBackgroundCopyFile2, &IID_IBackgroundCopyFile3,
                                      &IID_IBackgroundCopyFile4, &IID_IBackgroundCopyFile5 };
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    IBackgroundCopyJob2 *job;
    IBackgroundCopyFile5 *file;
    IUnknown *unk, *unk2;
    void *obj;
    size_t t, i;
    HRESULT hr;

    for (t = 0; t < ARRAYSIZE(types); t++) {
        if (!(job = ct_new_job(manager, L"qi", types[t])))
            continue;
        for (i = 0; i < ARRAYSIZE(job_iids); i++) {
            if (!(obj = query(job, job_iids[i])))
                continue;
            /* one object: IUnknown is the same from every interface */
            unk = query(obj, &IID_IUnknown);
            unk2 = query(job, &IID_IUnknown);
            ok(unk == unk2, "IUnknown differs between the job's interfaces\n");
            if (unk)
                IUnknown_Release(unk);
            if (unk2)
                IUnknown_Release(unk2);
            IUnknown_Release((IUnknown *)obj);
        }
        if (types[t] == BG_JOB_TYPE_DOWNLOAD) {
            url_of(url, L"qi.bin");
            bt_scratch_path(local, &args, L"qi.bin");
        } else {
            bt_url(url, &args, L"/upload/qi.bin");
            bt_scratch_path(local, &args, L"qi-up.bin");
            bt_write_pattern_file(local, 100, 1);
        }
        hr = IBackgroundCopyJob2_AddFile(job, url, local);
        ok(hr == S_OK, "AddFile: %#lx\n", hr);
        if ((file = first_file(job))) {
            for (i = 0; i < ARRAYSIZE(file_iids); i++)
                if ((obj = query(file, file_iids[i])))
                    IUnknown_Release((IUnknown *)obj);
            obj = NULL;
            hr = F5(file, QueryInterface, &IID_IBackgroundCopyFile6, &obj);
            ok(hr == E_NOINTERFACE && !obj, "File6: %#lx\n", hr);
            F5(file, Release);
        }
        ct_drop_job(job);
    }
}

/* ---- IBackgroundCopyJob3 ---- */

static void test_job3_arguments(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"job3 args", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob2 *up = ct_new_job(manager, L"job3 upload", BG_JOB_TYPE_UPLOAD);
    IBackgroundCopyJob3 *job3 = NULL, *up3 = NULL;
    BG_FILE_RANGE ranges[2], *many;
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    DWORD flags = 0xdead, i;
    HRESULT hr;

    if (!job || !up || !(job3 = query(job, &IID_IBackgroundCopyJob3)) ||
        !(up3 = query(up, &IID_IBackgroundCopyJob3)))
        goto done;
    url_of(url, L"ranges.bin");
    bt_scratch_path(local, &args, L"args.bin");

    hr = IBackgroundCopyJob3_ReplaceRemotePrefix(job3, NULL, L"http://x/");
    ok(ct_null_refused(hr), "ReplaceRemotePrefix(NULL): %#lx\n", hr);
    hr = IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"", L"http://x/");
    ok(hr == E_INVALIDARG, "ReplaceRemotePrefix(\"\"): %#lx\n", hr);
    hr = IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"http://nowhere/", L"http://x/");
    ok(hr == S_FALSE, "ReplaceRemotePrefix with no file: %#lx\n", hr);
    hr = IBackgroundCopyJob3_ReplaceRemotePrefix(up3, L"http://nowhere/", L"http://x/");
    ok(hr == E_NOTIMPL, "ReplaceRemotePrefix on an upload job: %#lx\n", hr);

    ranges[0].InitialOffset = 0;
    ranges[0].Length = 10;
    hr = IBackgroundCopyJob3_AddFileWithRanges(up3, url, local, 1, ranges);
    ok(hr == E_NOTIMPL, "AddFileWithRanges on an upload job: %#lx\n", hr);
    hr = IBackgroundCopyJob3_AddFileWithRanges(job3, url, local, 0, ranges);
    ok(hr == E_INVALIDARG, "AddFileWithRanges(0 ranges): %#lx\n", hr);
    ranges[0].Length = 0;
    hr = IBackgroundCopyJob3_AddFileWithRanges(job3, url, local, 1, ranges);
    ok(hr == (HRESULT)BG_E_INVALID_RANGE, "empty range: %#lx\n", hr);
    ranges[0].InitialOffset = 100;
    ranges[0].Length = 50;
    ranges[1].InitialOffset = 120;
    ranges[1].Length = 10;
    hr = IBackgroundCopyJob3_AddFileWithRanges(job3, url, local, 2, ranges);
    ok(hr == (HRESULT)BG_E_OVERLAPPING_RANGES, "overlapping ranges: %#lx\n", hr);
    ranges[0].Length = BG_LENGTH_TO_EOF;
    ranges[1].InitialOffset = 1000;
    hr = IBackgroundCopyJob3_AddFileWithRanges(job3, url, local, 2, ranges);
    ok(hr == (HRESULT)BG_E_OVERLAPPING_RANGES, "range after a to-the-end range: %#lx\n", hr);
    many = HeapAlloc(GetProcessHeap(), 0, 501 * sizeof(*many));
    for (i = 0; i < 501; i++) {
        many[i].InitialOffset = i * 10;
        many[i].Length = 5;
    }
    hr = IBackgroundCopyJob3_AddFileWithRanges(job3, url, local, 501, many);
    ok(hr == BG_E_TOO_MANY_RANGES_IN_FILE, "501 ranges: %#lx\n", hr);
    HeapFree(GetProcessHeap(), 0, many);

    hr = IBackgroundCopyJob3_GetFileACLFlags(job3, &flags);
    ok(hr == S_OK && flags == 0, "default file ACL flags: %#lx %#lx\n", hr, flags);
    hr = IBackgroundCopyJob3_SetFileACLFlags(job3, BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL);
    ok(hr == S_OK, "SetFileACLFlags: %#lx\n", hr);
    hr = IBackgroundCopyJob3_GetFileACLFlags(job3, &flags);
    ok(hr == S_OK && flags == (BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL), "file ACL flags %#lx\n", flags);
    hr = IBackgroundCopyJob3_SetFileACLFlags(job3, 0x10);
    ok(hr == E_INVALIDARG, "SetFileACLFlags(0x10): %#lx\n", hr);
    hr = IBackgroundCopyJob3_GetFileACLFlags(job3, NULL);
    ok(ct_null_refused(hr), "GetFileACLFlags(NULL): %#lx\n", hr);
done:
    if (job3)
        IBackgroundCopyJob3_Release(job3);
    if (up3)
        IBackgroundCopyJob3_Release(up3);
    if (job)
        ct_drop_job(job);
    if (up)
        ct_drop_job(up);
}

static void test_ranges_download(void)
{
    static const DWORD size = 20000;
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"ranges", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob3 *job3;
    IBackgroundCopyFile5 *file;
    BG_FILE_RANGE ranges[3] = { { 9000, 100 }, { 100, 50 }, { 15000, BG_LENGTH_TO_EOF } };
    BG_FILE_RANGE *got = NULL;
    WCHAR url[BT_URL_MAX], dir[MAX_PATH], local[MAX_PATH];
    BYTE *data, expect;
    DWORD count = 0, len = 0, i, k, at;
    HRESULT hr;

    if (!job || !(job3 = query(job, &IID_IBackgroundCopyJob3))) {
        if (job)
            ct_drop_job(job);
        return;
    }
    serve(L"ranges.bin", size, 5);
    url_of(url, L"ranges.bin");
    make_dir(dir, L"ranges");
    swprintf(local, MAX_PATH, L"%ls\\ranges.bin", dir);
    hr = IBackgroundCopyJob3_AddFileWithRanges(job3, url, local, 3, ranges);
    ok(hr == S_OK, "AddFileWithRanges: %#lx\n", hr);
    if ((file = first_file(job))) {
        hr = F5(file, GetFileRanges, &count, &got);
        ok(hr == S_OK && count == 3 && got, "GetFileRanges: %#lx, %lu\n", hr, count);
        for (i = 0; got && i < count && i < 3; i++)
            ok(got[i].InitialOffset == ranges[i].InitialOffset && got[i].Length == ranges[i].Length,
               "range %lu: %llu+%llu\n", i, got[i].InitialOffset, got[i].Length);
        CoTaskMemFree(got);
        hr = F5(file, GetFileRanges, NULL, &got);
        ok(ct_null_refused(hr), "GetFileRanges(NULL): %#lx\n", hr);
        F5(file, Release);
    }
    ok(run_to_end(job) == BG_JOB_STATE_TRANSFERRED, "ranged job did not transfer\n");
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);

    /* the ranges, back to back in the order given */
    data = bt_read_file(local, &len);
    ok(data && len == 100 + 50 + (size - 15000), "ranged file has %lu bytes\n", len);
    for (i = 0, at = 0; data && i < 3 && at < len; i++) {
        DWORD n = ranges[i].Length == BG_LENGTH_TO_EOF ? size - (DWORD)ranges[i].InitialOffset
                                                       : (DWORD)ranges[i].Length;
        for (k = 0; k < n && at < len; k++, at++) {
            expect = pattern_byte(ranges[i].InitialOffset + k, 5);
            if (data[at] != expect) {
                ok(0, "byte %lu (range %lu +%lu) is %u, expected %u\n", at, i, k, data[at], expect);
                i = 3;
                break;
            }
        }
    }
    bt_free(data);
    IBackgroundCopyJob3_Release(job3);
    IBackgroundCopyJob2_Release(job);
}

static void test_replace_prefix_download(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"prefix", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob3 *job3;
    IBackgroundCopyFile *file;
    IEnumBackgroundCopyFiles *files;
    WCHAR dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH], expect[BT_URL_MAX], *name = NULL;
    char a[65], b[65];
    HRESULT hr;

    if (!job || !(job3 = query(job, &IID_IBackgroundCopyJob3))) {
        if (job)
            ct_drop_job(job);
        return;
    }
    serve(L"prefix.bin", 30000, 9);
    make_dir(dir, L"prefix");
    swprintf(local, MAX_PATH, L"%ls\\prefix.bin", dir);
    /* nothing listens on port 1: only the new prefix can work */
    hr = IBackgroundCopyJob2_AddFile(job, L"http://127.0.0.1:1/files/prefix.bin", local);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    hr = IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"http://127.0.0.1:1", L"ftp://127.0.0.1");
    ok(hr == E_INVALIDARG, "ReplaceRemotePrefix to ftp: %#lx\n", hr);
    hr = IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"http://127.0.0.1:1", args.base_url);
    ok(hr == S_OK, "ReplaceRemotePrefix: %#lx\n", hr);
    url_of(expect, L"prefix.bin");
    if (SUCCEEDED(IBackgroundCopyJob2_EnumFiles(job, &files))) {
        if (IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL) == S_OK) {
            hr = IBackgroundCopyFile_GetRemoteName(file, &name);
            ok(hr == S_OK && name && !wcscmp(name, expect), "remote name after the prefix: %ls\n",
               name ? name : L"(null)");
            CoTaskMemFree(name);
            IBackgroundCopyFile_Release(file);
        }
        IEnumBackgroundCopyFiles_Release(files);
    }
    ok(run_to_end(job) == BG_JOB_STATE_TRANSFERRED, "job with replaced prefix did not transfer\n");
    ok(IBackgroundCopyJob2_Complete(job) == S_OK, "Complete failed\n");
    ct_served_path(served, &args, L"prefix.bin");
    ok(bt_file_sha256(local, a) && bt_file_sha256(served, b) && !strcmp(a, b),
       "download after ReplaceRemotePrefix differs\n");
    IBackgroundCopyJob3_Release(job3);
    IBackgroundCopyJob2_Release(job);
}

/* ---- IBackgroundCopyJob4 ---- */

static void test_job4(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"job4", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob4 *job4;
    DWORD flags = 0xdead;
    ULONG value = 0;
    BOOL elevated = 7;
    HRESULT hr;

    if (!job || !(job4 = query(job, &IID_IBackgroundCopyJob4))) {
        if (job)
            ct_drop_job(job);
        return;
    }
    hr = IBackgroundCopyJob4_GetPeerCachingFlags(job4, &flags);
    ok(hr == S_OK && flags == 0, "default peer caching flags: %#lx %#lx\n", hr, flags);
    hr = IBackgroundCopyJob4_SetPeerCachingFlags(job4, BG_JOB_ENABLE_PEERCACHING_CLIENT |
                                                       BG_JOB_DISABLE_BRANCH_CACHE);
    ok(hr == S_OK, "SetPeerCachingFlags: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetPeerCachingFlags(job4, &flags);
    ok(hr == S_OK && flags == (BG_JOB_ENABLE_PEERCACHING_CLIENT | BG_JOB_DISABLE_BRANCH_CACHE),
       "peer caching flags %#lx\n", flags);
    hr = IBackgroundCopyJob4_SetPeerCachingFlags(job4, 0x80);
    ok(hr == E_INVALIDARG, "SetPeerCachingFlags(0x80): %#lx\n", hr);

    hr = IBackgroundCopyJob4_GetOwnerIntegrityLevel(job4, &value);
    ok(hr == S_OK && value >= SECURITY_MANDATORY_LOW_RID && value <= SECURITY_MANDATORY_SYSTEM_RID,
       "GetOwnerIntegrityLevel: %#lx %#lx\n", hr, value);
    hr = IBackgroundCopyJob4_GetOwnerElevationState(job4, &elevated);
    ok(hr == S_OK && (elevated == TRUE || elevated == FALSE), "GetOwnerElevationState: %#lx %d\n",
       hr, elevated);

    hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job4, &value);
    ok(hr == S_OK && value == 7776000, "default maximum download time: %#lx %lu\n", hr, value);
    hr = IBackgroundCopyJob4_SetMaximumDownloadTime(job4, 3600);
    ok(hr == S_OK, "SetMaximumDownloadTime: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job4, &value);
    ok(hr == S_OK && value == 3600, "maximum download time %lu\n", value);
    hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job4, NULL);
    ok(ct_null_refused(hr), "GetMaximumDownloadTime(NULL): %#lx\n", hr);

    IBackgroundCopyJob2_Cancel(job);
    hr = IBackgroundCopyJob4_SetMaximumDownloadTime(job4, 60);
    ok(hr == (HRESULT)BG_E_INVALID_STATE, "SetMaximumDownloadTime after Cancel: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job4);
    IBackgroundCopyJob2_Release(job);
}

/* ---- IBackgroundCopyJob5 ---- */

static void test_job5_properties(void)
{
    static const GUID clsid = { 0x12345678, 0x1234, 0x5678, { 1, 2, 3, 4, 5, 6, 7, 8 } };
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"job5", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob2 *up = ct_new_job(manager, L"job5 upload", BG_JOB_TYPE_UPLOAD);
    IBackgroundCopyJob5 *job5 = NULL, *up5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    HRESULT hr;

    if (!job || !up || !(job5 = query(job, &IID_IBackgroundCopyJob5)) ||
        !(up5 = query(up, &IID_IBackgroundCopyJob5)))
        goto done;

    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &v);
    ok(hr == S_OK && v.Dword == BITS_COST_STATE_TRANSFER_ALWAYS, "default cost flags: %#lx %#lx\n",
       hr, v.Dword);
    v.Dword = 0x1;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, v);
    ok(hr == S_OK, "set cost flags: %#lx\n", hr);
    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &v);
    ok(hr == S_OK && v.Dword == 1, "cost flags %#lx\n", v.Dword);

    memset(&v, 0, sizeof(v));
    v.ClsID = clsid;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v);
    ok(hr == S_OK, "set notification CLSID: %#lx\n", hr);
    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v);
    ok(hr == S_OK && IsEqualGUID(&v.ClsID, &clsid), "notification CLSID not kept: %#lx\n", hr);

    memset(&v, 0, sizeof(v));
    v.Dword = 2500;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, v);
    ok(hr == S_OK, "set minimum notification interval: %#lx\n", hr);
    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, &v);
    ok(hr == S_OK && v.Dword == 2500, "minimum notification interval %lu\n", v.Dword);

    memset(&v, 0, sizeof(v));
    v.Target = BG_AUTH_TARGET_PROXY;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, v);
    ok(hr == S_OK, "set use stored credentials: %#lx\n", hr);
    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, &v);
    ok(hr == S_OK && v.Target == BG_AUTH_TARGET_PROXY, "use stored credentials %d\n", v.Target);

    memset(&v, 0, sizeof(v));
    v.Enable = TRUE;
    hr = IBackgroundCopyJob5_SetProperty(up5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, v);
    ok(hr == BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY, "dynamic content on an upload: %#lx\n", hr);
    hr = IBackgroundCopyJob5_SetProperty(up5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, v);
    ok(hr == BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY, "high performance on an upload: %#lx\n", hr);
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, v);
    ok(hr == S_OK, "set on-demand mode: %#lx\n", hr);
    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, &v);
    ok(hr == S_OK && v.Enable == TRUE, "on-demand mode %d\n", v.Enable);
    v.Enable = FALSE;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, v);
    ok(hr == S_OK, "clear on-demand mode: %#lx\n", hr);

    memset(&v, 0, sizeof(v));
    v.Uint64 = 123456789012ull;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, v);
    ok(hr == S_OK, "set maximum download size: %#lx\n", hr);
    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, &v);
    ok(hr == S_OK && v.Uint64 == 123456789012ull, "maximum download size %llu\n", v.Uint64);

    /* dynamic content is fixed once the job has files */
    url_of(url, L"job5.bin");
    bt_scratch_path(local, &args, L"job5.bin");
    ok(IBackgroundCopyJob2_AddFile(job, url, local) == S_OK, "AddFile failed\n");
    memset(&v, 0, sizeof(v));
    v.Enable = TRUE;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, v);
    ok(hr == BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE, "dynamic content after AddFile: %#lx\n", hr);

    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_SetProperty(job5, (BITS_JOB_PROPERTY_ID)6, v);
    ok(hr == BG_E_UNKNOWN_PROPERTY_ID, "SetProperty(6): %#lx\n", hr);
    hr = IBackgroundCopyJob5_GetProperty(job5, (BITS_JOB_PROPERTY_ID)6, &v);
    ok(hr == BG_E_UNKNOWN_PROPERTY_ID, "GetProperty(6): %#lx\n", hr);
done:
    if (job5)
        IBackgroundCopyJob5_Release(job5);
    if (up5)
        IBackgroundCopyJob5_Release(up5);
    if (job)
        ct_drop_job(job);
    if (up)
        ct_drop_job(up);
}

/* BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE is enforced; HIGH_PERFORMANCE is
 * fixed once the job was resumed. */
static void test_max_download_size(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"size limit", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob5 *job5;
    IBackgroundCopyError *error = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    BG_ERROR_CONTEXT context;
    WCHAR url[BT_URL_MAX], dir[MAX_PATH], local[MAX_PATH];
    HRESULT hr, code = S_OK;

    if (!job || !(job5 = query(job, &IID_IBackgroundCopyJob5))) {
        if (job)
            ct_drop_job(job);
        return;
    }
    serve(L"big.bin", 50000, 2);
    url_of(url, L"big.bin");
    make_dir(dir, L"limit");
    swprintf(local, MAX_PATH, L"%ls\\big.bin", dir);
    ok(IBackgroundCopyJob2_AddFile(job, url, local) == S_OK, "AddFile failed\n");
    memset(&v, 0, sizeof(v));
    v.Uint64 = 1000;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, v);
    ok(hr == S_OK, "set maximum download size: %#lx\n", hr);
    ok(run_to_end(job) == BG_JOB_STATE_ERROR, "a file above the size limit did not fail the job\n");
    if (SUCCEEDED(IBackgroundCopyJob2_GetError(job, &error)) && error) {
        IBackgroundCopyError_GetError(error, &context, &code);
        IBackgroundCopyError_Release(error);
    }
    ok(code == BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED, "error %#lx\n", code);
    memset(&v, 0, sizeof(v));
    v.Enable = TRUE;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, v);
    ok(hr == BG_E_READ_ONLY_PROPERTY_AFTER_RESUME, "high performance after Resume: %#lx\n", hr);
    ok(!exists(local), "%ls exists\n", local);
    IBackgroundCopyJob5_Release(job5);
    ct_drop_job(job);
}

/* ---- IBackgroundCopyJobHttpOptions ---- */

static void test_custom_headers(void)
{
    static const WCHAR headers[] = L"X-Winebits-Test: hello newer\r\nX-Second: 2\r\n";
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"headers", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJobHttpOptions *http;
    WCHAR url[BT_URL_MAX], dir[MAX_PATH], local[MAX_PATH], *got = (WCHAR *)1, *long_headers;
    static char seen[16384];
    ULONG flags = 0xdead;
    HRESULT hr;

    if (!job || !(http = query(job, &IID_IBackgroundCopyJobHttpOptions))) {
        if (job)
            ct_drop_job(job);
        return;
    }
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &got);
    ok(hr == S_FALSE && !got, "GetCustomHeaders without headers: %#lx %p\n", hr, got);
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, NULL);
    ok(ct_null_refused(hr), "GetCustomHeaders(NULL): %#lx\n", hr);

    long_headers = ct_repeat(L'a', 16384);
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, long_headers);
    ok(hr == (HRESULT)BG_E_STRING_TOO_LONG, "16384 characters of headers: %#lx\n", hr);
    long_headers[16383] = 0;
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, long_headers);
    ok(hr == S_OK, "16383 characters of headers: %#lx\n", hr);
    bt_free(long_headers);
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, NULL);
    ok(hr == S_OK, "SetCustomHeaders(NULL): %#lx\n", hr);
    got = NULL;
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &got);
    ok(hr == S_FALSE && !got, "headers after removing them: %#lx\n", hr);

    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, headers);
    ok(hr == S_OK, "SetCustomHeaders: %#lx\n", hr);
    got = NULL;
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &got);
    ok(hr == S_OK && got && !wcscmp(got, headers), "GetCustomHeaders: %#lx %ls\n", hr,
       got ? got : L"(null)");
    CoTaskMemFree(got);

    hr = IBackgroundCopyJobHttpOptions_GetSecurityFlags(http, &flags);
    ok(hr == S_OK && flags == 0, "default security flags: %#lx %#lx\n", hr, flags);
    hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(http, BG_SSL_IGNORE_UNKNOWN_CA |
                                                              BG_HTTP_REDIRECT_POLICY_DISALLOW);
    ok(hr == S_OK, "SetSecurityFlags: %#lx\n", hr);
    hr = IBackgroundCopyJobHttpOptions_GetSecurityFlags(http, &flags);
    ok(hr == S_OK && flags == (BG_SSL_IGNORE_UNKNOWN_CA | BG_HTTP_REDIRECT_POLICY_DISALLOW),
       "security flags %#lx\n", flags);
    hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(http, 0x300);
    ok(hr == E_INVALIDARG, "SetSecurityFlags(undefined redirect policy): %#lx\n", hr);
    hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(http, 0);
    ok(hr == S_OK, "SetSecurityFlags(0): %#lx\n", hr);

    /* the headers go out with the requests */
    serve(L"headers.bin", 4000, 4);
    url_of(url, L"headers.bin");
    make_dir(dir, L"headers");
    swprintf(local, MAX_PATH, L"%ls\\headers.bin", dir);
    ok(IBackgroundCopyJob2_AddFile(job, url, local) == S_OK, "AddFile failed\n");
    ok(run_to_end(job) == BG_JOB_STATE_TRANSFERRED, "job with custom headers did not transfer\n");
    ok(ct_http_get(&args, "/_last_headers", seen, sizeof(seen)) == 200, "GET /_last_headers failed\n");
    ok(strstr(seen, "X-Winebits-Test: hello newer") && strstr(seen, "X-Second: 2"),
       "custom headers did not reach the server; it saw:\n%s\n", seen);
    ok(IBackgroundCopyJob2_Complete(job) == S_OK, "Complete failed\n");
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, headers);
    ok(hr == (HRESULT)BG_E_INVALID_STATE, "SetCustomHeaders after Complete: %#lx\n", hr);
    IBackgroundCopyJobHttpOptions_Release(http);
    IBackgroundCopyJob2_Release(job);
}

/* A certificate of the current user's ROOT store (Wine fills it from the
 * host's trusted roots): its thumbprint and simple name. */
static BOOL some_root_cert(BYTE hash[20], WCHAR *name, DWORD name_len)
{
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                                     CERT_SYSTEM_STORE_CURRENT_USER | CERT_STORE_READONLY_FLAG, L"ROOT");
    const CERT_CONTEXT *cert = NULL;
    DWORD size = 20;
    BOOL found = FALSE;

    if (!store)
        return FALSE;
    while (!found && (cert = CertEnumCertificatesInStore(store, cert)))
        found = CertGetCertificateContextProperty(cert, CERT_HASH_PROP_ID, hash, &size) && size == 20
                && CertGetNameStringW(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, name, name_len) > 1;
    if (cert)
        CertFreeCertificateContext(cert);
    CertCloseStore(store, 0);
    return found;
}

static void test_client_certificate(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"certificate", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJobHttpOptions *http;
    BG_CERT_STORE_LOCATION location = 99;
    BYTE hash[20], unknown[20], *got_hash = NULL;
    WCHAR name[256], *store = NULL, *subject = NULL, *long_store;
    HRESULT hr;

    if (!job || !(http = query(job, &IID_IBackgroundCopyJobHttpOptions))) {
        if (job)
            ct_drop_job(job);
        return;
    }
    hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(http, &location, &store, &got_hash, &subject);
    ok(hr == HR_NO_CERT, "GetClientCertificate without one: %#lx\n", hr);

    memset(unknown, 0x5a, sizeof(unknown));
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http, 8, L"ROOT", unknown);
    ok(hr == E_NOTIMPL, "undefined store location: %#lx\n", hr);
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http,
            BG_CERT_STORE_LOCATION_CURRENT_USER, NULL, unknown);
    ok(ct_null_refused(hr), "NULL store name: %#lx\n", hr);
    long_store = ct_repeat(L'S', 256);
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http,
            BG_CERT_STORE_LOCATION_CURRENT_USER, long_store, unknown);
    ok(hr == (HRESULT)BG_E_STRING_TOO_LONG, "256-character store name: %#lx\n", hr);
    bt_free(long_store);
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http,
            BG_CERT_STORE_LOCATION_CURRENT_USER, L"WinebitsNoSuchStore", unknown);
    ok(hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), "unknown store: %#lx\n", hr);
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http,
            BG_CERT_STORE_LOCATION_CURRENT_USER, L"ROOT", unknown);
    ok(hr == CRYPT_E_NOT_FOUND, "unknown thumbprint: %#lx\n", hr);
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByName(http,
            BG_CERT_STORE_LOCATION_CURRENT_USER, L"ROOT", L"winebits no such subject");
    ok(hr == CRYPT_E_NOT_FOUND, "unknown subject: %#lx\n", hr);

    if (!some_root_cert(hash, name, ARRAYSIZE(name))) {
        trace("no certificate in the ROOT store: the found cases are not run\n");
        goto done;
    }
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http,
            BG_CERT_STORE_LOCATION_CURRENT_USER, L"ROOT", hash);
    ok(hr == S_OK, "SetClientCertificateByID: %#lx\n", hr);
    hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(http, &location, &store, &got_hash, &subject);
    ok(hr == S_OK && location == BG_CERT_STORE_LOCATION_CURRENT_USER && store && !wcscmp(store, L"ROOT")
       && got_hash && !memcmp(got_hash, hash, 20) && subject && !wcscmp(subject, name),
       "GetClientCertificate after ByID: %#lx %d %ls %ls\n", hr, location,
       store ? store : L"(null)", subject ? subject : L"(null)");
    CoTaskMemFree(store);
    CoTaskMemFree(got_hash);
    CoTaskMemFree(subject);
    store = subject = NULL;
    got_hash = NULL;

    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByName(http,
            BG_CERT_STORE_LOCATION_CURRENT_USER, L"ROOT", name);
    ok(hr == S_OK, "SetClientCertificateByName(%ls): %#lx\n", name, hr);
    hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(http, &location, &store, &got_hash, &subject);
    ok(hr == S_OK && subject && !wcscmp(subject, name) && got_hash,
       "GetClientCertificate after ByName: %#lx %ls\n", hr, subject ? subject : L"(null)");
    CoTaskMemFree(store);
    CoTaskMemFree(got_hash);
    CoTaskMemFree(subject);

    hr = IBackgroundCopyJobHttpOptions_RemoveClientCertificate(http);
    ok(hr == S_OK, "RemoveClientCertificate: %#lx\n", hr);
    store = subject = NULL;
    got_hash = NULL;
    hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(http, &location, &store, &got_hash, &subject);
    ok(hr == HR_NO_CERT, "GetClientCertificate after Remove: %#lx\n", hr);
done:
    IBackgroundCopyJobHttpOptions_Release(http);
    ct_drop_job(job);
}

/* ---- IBackgroundCopyFile2..5 ---- */

/* ---- IBackgroundCopyJobHttpOptions2: the HTTP verb ---- */

static BOOL method_is(IBackgroundCopyJobHttpOptions3 *http, const WCHAR *want)
{
    WCHAR *got = NULL;
    HRESULT hr = H3(http, GetHttpMethod, &got);
    BOOL same = hr == S_OK && got && !wcscmp(got, want);

    ok(same, "GetHttpMethod: %#lx %ls, expected %ls\n", hr, got ? got : L"(null)", want);
    CoTaskMemFree(got);
    return same;
}

static void test_http_method(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"verb", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob2 *up = ct_new_job(manager, L"verb upload", BG_JOB_TYPE_UPLOAD);
    IBackgroundCopyJobHttpOptions3 *http = NULL, *uphttp = NULL;
    IBackgroundCopyJob5 *job5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    WCHAR url[BT_URL_MAX], dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH];
    BG_JOB_PRIORITY priority = 0;
    static char seen[16384];
    char a[65], b[65];
    HRESULT hr;

    if (!job || !up || !(http = query(job, &IID_IBackgroundCopyJobHttpOptions2))
            || !(uphttp = query(up, &IID_IBackgroundCopyJobHttpOptions3))
            || !(job5 = query(job, &IID_IBackgroundCopyJob5)))
        goto done;

    /* documented defaults */
    method_is(http, L"GET");
    method_is(uphttp, L"BITS_POST");
    hr = H3(http, GetHttpMethod, NULL);
    ok(ct_null_refused(hr), "GetHttpMethod(NULL): %#lx\n", hr);
    hr = H3(http, SetHttpMethod, NULL);
    ok(ct_null_refused(hr), "SetHttpMethod(NULL): %#lx\n", hr);

    /* only downloads take another verb; the default is always fine */
    hr = H3(uphttp, SetHttpMethod, L"PUT");
    ok(hr == BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY, "upload SetHttpMethod(PUT): %#lx\n", hr);
    hr = H3(uphttp, SetHttpMethod, L"BITS_POST");
    ok(hr == S_OK, "upload SetHttpMethod(BITS_POST): %#lx\n", hr);
    hr = H3(http, SetHttpMethod, L"GET /x HTTP/1.1");
    ok(hr == E_INVALIDARG, "SetHttpMethod(not a token): %#lx\n", hr);

    /* the default verb does nothing; another one pins FOREGROUND */
    hr = IBackgroundCopyJob2_SetPriority(job, BG_JOB_PRIORITY_LOW);
    ok(hr == S_OK, "SetPriority(LOW): %#lx\n", hr);
    hr = H3(http, SetHttpMethod, L"GET");
    ok(hr == S_OK, "SetHttpMethod(GET): %#lx\n", hr);
    IBackgroundCopyJob2_GetPriority(job, &priority);
    ok(priority == BG_JOB_PRIORITY_LOW, "priority after SetHttpMethod(GET): %d\n", priority);
    hr = H3(http, SetHttpMethod, L"POST");
    ok(hr == S_OK, "SetHttpMethod(POST): %#lx\n", hr);
    method_is(http, L"POST");
    IBackgroundCopyJob2_GetPriority(job, &priority);
    ok(priority == BG_JOB_PRIORITY_FOREGROUND, "priority after SetHttpMethod(POST): %d\n", priority);
    hr = IBackgroundCopyJob2_SetPriority(job, BG_JOB_PRIORITY_HIGH);
    ok(hr == BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD, "SetPriority(HIGH) with POST: %#lx\n", hr);
    memset(&v, 0, sizeof(v));
    v.Enable = TRUE;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, v);
    ok(hr == BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD, "dynamic content with POST: %#lx\n", hr);

    /* the verb reaches the server, the file arrives */
    serve(L"verb.bin", 30000, 9);
    url_of(url, L"verb.bin");
    make_dir(dir, L"verb");
    swprintf(local, MAX_PATH, L"%ls\\verb.bin", dir);
    ok(IBackgroundCopyJob2_AddFile(job, url, local) == S_OK, "AddFile failed\n");
    ok(run_to_end(job) == BG_JOB_STATE_TRANSFERRED, "POST download did not transfer\n");
    ok(ct_http_get(&args, "/_last_headers", seen, sizeof(seen)) == 200, "GET /_last_headers failed\n");
    ok(!strncmp(seen, "POST /files/verb.bin\n", 21), "the server saw another request:\n%s\n", seen);
    hr = H3(http, SetHttpMethod, L"PUT");
    ok(hr == BG_E_READ_ONLY_PROPERTY_AFTER_RESUME, "SetHttpMethod after Resume: %#lx\n", hr);
    ok(IBackgroundCopyJob2_Complete(job) == S_OK, "Complete failed\n");
    ct_served_path(served, &args, L"verb.bin");
    ok(bt_file_sha256(local, a) && bt_file_sha256(served, b) && !strcmp(a, b),
       "POST download differs from the served file\n");

done:
    if (job5)
        IBackgroundCopyJob5_Release(job5);
    if (http)
        H3(http, Release);
    if (uphttp)
        H3(uphttp, Release);
    if (job)
        ct_drop_job(job);
    if (up)
        ct_drop_job(up);
}

/* ---- IBackgroundCopyJobHttpOptions3 ---- */

static void test_write_only_headers(void)
{
    static const WCHAR headers[] = L"X-Winebits-Token: secret\r\n";
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"write-only", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJobHttpOptions3 *http = NULL;
    IBackgroundCopyJobHttpOptions *http1 = NULL;
    WCHAR url[BT_URL_MAX], dir[MAX_PATH], local[MAX_PATH], *got = (WCHAR *)1;
    static char seen[16384];
    HRESULT hr;

    if (!job || !(http = query(job, &IID_IBackgroundCopyJobHttpOptions3))
            || !(http1 = query(job, &IID_IBackgroundCopyJobHttpOptions)))
        goto done;
    hr = H3(http, SetCustomHeaders, headers);
    ok(hr == S_OK, "SetCustomHeaders: %#lx\n", hr);
    hr = H3(http, MakeCustomHeadersWriteOnly);
    ok(hr == S_OK, "MakeCustomHeadersWriteOnly: %#lx\n", hr);
    hr = H3(http, MakeCustomHeadersWriteOnly);
    ok(hr == S_OK, "MakeCustomHeadersWriteOnly again: %#lx\n", hr);
    hr = H3(http, GetCustomHeaders, &got);
    ok(hr == E_ACCESSDENIED && !got, "GetCustomHeaders of write-only headers: %#lx %p\n", hr, got);
    got = (WCHAR *)1;
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(http1, &got);
    ok(hr == E_ACCESSDENIED && !got, "HttpOptions GetCustomHeaders: %#lx %p\n", hr, got);
    /* still writable, still unreadable, and sent */
    hr = H3(http, SetCustomHeaders, headers);
    ok(hr == S_OK, "SetCustomHeaders after write-only: %#lx\n", hr);
    got = (WCHAR *)1;
    hr = H3(http, GetCustomHeaders, &got);
    ok(hr == E_ACCESSDENIED && !got, "GetCustomHeaders after setting again: %#lx\n", hr);

    serve(L"wo.bin", 2000, 2);
    url_of(url, L"wo.bin");
    make_dir(dir, L"write-only");
    swprintf(local, MAX_PATH, L"%ls\\wo.bin", dir);
    ok(IBackgroundCopyJob2_AddFile(job, url, local) == S_OK, "AddFile failed\n");
    ok(run_to_end(job) == BG_JOB_STATE_TRANSFERRED, "job with write-only headers did not transfer\n");
    ok(ct_http_get(&args, "/_last_headers", seen, sizeof(seen)) == 200, "GET /_last_headers failed\n");
    ok(strstr(seen, "X-Winebits-Token: secret") != NULL,
       "write-only headers did not reach the server; it saw:\n%s\n", seen);
    ok(IBackgroundCopyJob2_Complete(job) == S_OK, "Complete failed\n");
done:
    if (http1)
        IBackgroundCopyJobHttpOptions_Release(http1);
    if (http)
        H3(http, Release);
    if (job)
        ct_drop_job(job);
}

/* A certificate validation callback of this program (free-threaded). */
struct validator {
    IUnknown IUnknown_iface;        /* the callback's vtable starts like IUnknown's */
    LONG ref;
    BOOL callback;                  /* answers the callback's IID */
};

static struct validator *impl_from_IUnknown(IUnknown *iface)
{
    return CONTAINING_RECORD(iface, struct validator, IUnknown_iface);
}

static HRESULT WINAPI validator_QueryInterface(IUnknown *iface, REFIID riid, void **obj)
{
    struct validator *v = impl_from_IUnknown(iface);

    if (IsEqualGUID(riid, &IID_IUnknown)
            || (v->callback && IsEqualGUID(riid, &IID_IBackgroundCopyServerCertificateValidationCallback)))
    {
        *obj = iface;
        IUnknown_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI validator_AddRef(IUnknown *iface)
{
    return InterlockedIncrement(&impl_from_IUnknown(iface)->ref);
}

static ULONG WINAPI validator_Release(IUnknown *iface)
{
    return InterlockedDecrement(&impl_from_IUnknown(iface)->ref);
}

/* ValidateServerCertificate: accepts every chain (these jobs use http). */
static HRESULT WINAPI validator_Validate(IUnknown *iface, IBackgroundCopyJob *job,
                                         IBackgroundCopyFile *file, DWORD len, const BYTE *data,
                                         DWORD encoding, DWORD store_len, const BYTE *store)
{
    return S_OK;
}

static const struct cert_callback_vtbl validator_vtbl = {
    { validator_QueryInterface, validator_AddRef, validator_Release },
    validator_Validate,
};

static void test_certificate_validation_interface(void)
{
    struct validator plain = { { (IUnknownVtbl *)&validator_vtbl }, 1, FALSE };
    struct validator callback = { { (IUnknownVtbl *)&validator_vtbl }, 1, TRUE };
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"cert callback", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJobHttpOptions3 *http = NULL;
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job || !(http = query(job, &IID_IBackgroundCopyJobHttpOptions3)))
        goto done;
    hr = H3(http, SetServerCertificateValidationInterface, &plain.IUnknown_iface);
    ok(hr == E_NOINTERFACE, "object without the callback interface: %#lx\n", hr);
    hr = H3(http, SetServerCertificateValidationInterface, &callback.IUnknown_iface);
    ok(hr == S_OK, "SetServerCertificateValidationInterface: %#lx\n", hr);
    ok(callback.ref > 1, "the service holds no reference to the callback (%ld)\n", callback.ref);
    hr = H3(http, SetServerCertificateValidationInterface, NULL);
    ok(hr == S_OK, "SetServerCertificateValidationInterface(NULL): %#lx\n", hr);
    ok(callback.ref == 1, "callback not released after removing it: %ld references\n", callback.ref);
    ok(plain.ref == 1, "object without the interface kept: %ld references\n", plain.ref);

    /* an active job refuses a new callback (throttled so it stays active) */
    serve(L"certcb.bin", 200000, 3);
    url_of(url, L"certcb.bin");
    bt_scratch_path(local, &args, L"certcb.bin");
    ok(IBackgroundCopyJob2_AddFile(job, url, local) == S_OK, "AddFile failed\n");
    ct_server_control(&args, "throttle_kbps=100");
    ok(IBackgroundCopyJob2_Resume(job) == S_OK, "Resume failed\n");
    hr = H3(http, SetServerCertificateValidationInterface, &callback.IUnknown_iface);
    state = ct_state(job);
    if (state == BG_JOB_STATE_QUEUED || state == BG_JOB_STATE_CONNECTING
            || state == BG_JOB_STATE_TRANSFERRING)
        ok(hr == BG_E_READ_ONLY_WHEN_JOB_ACTIVE, "callback set on an active job: %#lx\n", hr);
    else
        trace("job left the active states early (%s); not checked\n", bt_state_name(state));
    ok(IBackgroundCopyJob2_Suspend(job) == S_OK, "Suspend failed\n");
    ct_server_control(&args, "throttle_kbps=0");
    hr = H3(http, SetServerCertificateValidationInterface, &callback.IUnknown_iface);
    ok(hr == S_OK, "callback set on a suspended job: %#lx\n", hr);
    /* Cancel lets go of it */
    ok(IBackgroundCopyJob2_Cancel(job) == S_OK, "Cancel failed\n");
    ok(callback.ref == 1, "callback not released by Cancel: %ld references\n", callback.ref);
    hr = H3(http, SetServerCertificateValidationInterface, NULL);
    ok(hr == (HRESULT)BG_E_INVALID_STATE || hr == (HRESULT)BG_E_NOT_FOUND,
       "callback of a cancelled job: %#lx\n", hr);
done:
    if (http)
        H3(http, Release);
    if (job)
        ct_drop_job(job);
}

static void test_file_methods(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"file methods", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob2 *up = ct_new_job(manager, L"file methods upload", BG_JOB_TYPE_UPLOAD);
    IBackgroundCopyFile5 *file = NULL, *upfile = NULL;
    BITS_FILE_PROPERTY_VALUE value;
    BG_FILE_RANGE *ranges = (BG_FILE_RANGE *)1;
    WCHAR url[BT_URL_MAX], dir[MAX_PATH], local[MAX_PATH], src[MAX_PATH], served[MAX_PATH];
    WCHAR *temp = NULL, *name = NULL;
    UINT64 origin = 0, peers = 1;
    DWORD count = 5;
    BOOL flag = 7;
    char a[65], b[65];
    HRESULT hr;

    if (!job || !up)
        goto done;
    serve(L"old.bin", 10000, 1);
    serve(L"new.bin", 90000, 7);
    make_dir(dir, L"files");
    swprintf(local, MAX_PATH, L"%ls\\renamed.bin", dir);
    url_of(url, L"old.bin");
    ok(IBackgroundCopyJob2_AddFile(job, url, local) == S_OK, "AddFile failed\n");
    bt_scratch_path(src, &args, L"upload-src.bin");
    bt_write_pattern_file(src, 100, 3);
    bt_url(url, &args, L"/upload/file-methods.bin");
    ok(IBackgroundCopyJob2_AddFile(up, url, src) == S_OK, "AddFile (upload) failed\n");
    if (!(file = first_file(job)) || !(upfile = first_file(up)))
        goto done;

    /* File2 */
    hr = F5(file, GetFileRanges, &count, &ranges);
    ok(hr == S_FALSE && count == 0 && !ranges, "GetFileRanges of a whole file: %#lx %lu %p\n", hr,
       count, ranges);
    hr = F5(file, SetRemoteName, NULL);
    ok(ct_null_refused(hr), "SetRemoteName(NULL): %#lx\n", hr);
    hr = F5(file, SetRemoteName, L"ftp://127.0.0.1/new.bin");
    ok(hr == E_INVALIDARG, "SetRemoteName(ftp): %#lx\n", hr);
    hr = F5(upfile, SetRemoteName, L"http://127.0.0.1/upload/x");
    ok(hr == E_NOTIMPL, "SetRemoteName on an upload: %#lx\n", hr);
    url_of(url, L"new.bin");
    hr = F5(file, SetRemoteName, url);
    ok(hr == S_OK, "SetRemoteName: %#lx\n", hr);
    hr = F5(file, GetRemoteName, &name);
    ok(hr == S_OK && name && !wcscmp(name, url), "remote name %ls\n", name ? name : L"(null)");
    CoTaskMemFree(name);

    /* File3 */
    hr = F5(file, GetTemporaryName, &temp);
    ok(hr == S_OK && temp && !_wcsnicmp(temp, dir, wcslen(dir)) && temp[wcslen(dir)] == '\\'
       && wcscmp(temp, local), "temporary name %ls is not in %ls\n", temp ? temp : L"(null)", dir);
    hr = F5(file, GetTemporaryName, NULL);
    ok(ct_null_refused(hr), "GetTemporaryName(NULL): %#lx\n", hr);
    hr = F5(file, GetValidationState, &flag);
    ok(hr == S_OK && flag == FALSE, "validation state before the transfer: %#lx %d\n", hr, flag);
    hr = F5(file, SetValidationState, TRUE);
    ok(hr == (HRESULT)BG_E_INVALID_STATE, "SetValidationState before the transfer: %#lx\n", hr);
    hr = F5(file, IsDownloadedFromPeer, &flag);
    ok(hr == S_OK && flag == FALSE, "IsDownloadedFromPeer: %#lx %d\n", hr, flag);

    /* File5 before any answer */
    value.String = (WCHAR *)1;
    hr = F5(file, GetProperty, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &value);
    ok(hr == S_OK && !value.String, "response headers before the transfer: %#lx %p\n", hr, value.String);
    value.String = (WCHAR *)L"X: y\r\n";
    hr = F5(file, SetProperty, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, value);
    ok(hr == BG_E_READ_ONLY_PROPERTY, "SetProperty(response headers): %#lx\n", hr);

    /* the temporary file is where GetTemporaryName says while the data comes */
    ct_server_control(&args, "throttle_kbps=200");
    ok(IBackgroundCopyJob2_Resume(job) == S_OK, "Resume failed\n");
    ct_wait_for_state(job, BG_JOB_STATE_TRANSFERRING);
    ok(temp && exists(temp), "temporary file %ls missing while transferring (state %s)\n",
       temp ? temp : L"(null)", bt_state_name(ct_state(job)));
    ok(!exists(local), "%ls exists while transferring\n", local);
    ct_server_control(&args, "throttle_kbps=0");
    ok(bt_wait_for_job(job) == BG_JOB_STATE_TRANSFERRED, "job did not transfer\n");

    value.String = NULL;
    hr = F5(file, GetProperty, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &value);
    ok(hr == S_OK && value.String && wcsstr(value.String, L"Content-Length"),
       "response headers: %#lx %ls\n", hr, value.String ? value.String : L"(null)");
    CoTaskMemFree(value.String);
    hr = F5(file, GetProperty, (BITS_FILE_PROPERTY_ID)2, &value);
    ok(hr == BG_E_UNKNOWN_PROPERTY_ID, "GetProperty(2): %#lx\n", hr);
    hr = F5(file, GetPeerDownloadStats, &origin, &peers);
    ok(hr == S_OK && origin == 90000 && peers == 0, "GetPeerDownloadStats: %#lx %llu %llu\n", hr,
       origin, peers);
    hr = F5(file, SetValidationState, TRUE);
    ok(hr == S_OK, "SetValidationState: %#lx\n", hr);
    hr = F5(file, GetValidationState, &flag);
    ok(hr == S_OK && flag == TRUE, "validation state: %#lx %d\n", hr, flag);

    ok(IBackgroundCopyJob2_Complete(job) == S_OK, "Complete failed\n");
    ct_served_path(served, &args, L"new.bin");
    ok(bt_file_sha256(local, a) && bt_file_sha256(served, b) && !strcmp(a, b),
       "the download is not the file of the new remote name\n");
    ok(!temp || !exists(temp), "temporary file left after Complete\n");
done:
    CoTaskMemFree(temp);
    if (file)
        F5(file, Release);
    if (upfile)
        F5(upfile, Release);
    if (job)
        ct_drop_job(job);
    if (up)
        ct_drop_job(up);
}

int main(int argc, char **argv)
{
    if (!bt_begin(argc, argv, &args, TRUE, &manager))
        return 2;
    if (manager) {
        BT_RUN(test_versioned_clsids);
        BT_RUN(test_query_interfaces);
        BT_RUN(test_job3_arguments);
        BT_RUN(test_ranges_download);
        BT_RUN(test_replace_prefix_download);
        BT_RUN(test_job4);
        BT_RUN(test_job5_properties);
        BT_RUN(test_max_download_size);
        BT_RUN(test_custom_headers);
        BT_RUN(test_client_certificate);
        BT_RUN(test_http_method);
        BT_RUN(test_write_only_headers);
        BT_RUN(test_certificate_validation_interface);
        BT_RUN(test_file_methods);
    }
    return bt_end(manager);
}
