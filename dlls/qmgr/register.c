/*
 * DllRegisterServer / DllUnregisterServer: what LOCAL_SERVER activation
 * through the "BITS" service needs.
 *   HKCR\CLSID\{4991D34B-...}          AppID = {69AD4AEE-...}
 *   HKCR\AppID\{69AD4AEE-...}          LocalService = BITS
 *   service BITS                       svchost.exe -k netsvcs, demand start,
 *                                      Parameters\ServiceDll = qmgr.dll
 *   SvcHost\netsvcs                    contains BITS
 * Stock Wine prefixes have all of this; registering again changes nothing
 * there, and a prefix without the service gets it.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "qmgr_private.h"

static const WCHAR clsid_key[] = L"CLSID\\{4991D34B-80A1-4291-83B6-3328366B9097}";
static const WCHAR appid[] = L"{69AD4AEE-51BE-439B-A92C-86AE490E8B30}";
static const WCHAR appid_key[] = L"AppID\\{69AD4AEE-51BE-439B-A92C-86AE490E8B30}";
static const WCHAR service_name[] = L"BITS";
static const WCHAR svchost_key[] = L"Software\\Microsoft\\Windows NT\\CurrentVersion\\SvcHost";
static const WCHAR service_params_key[] = L"System\\CurrentControlSet\\Services\\BITS\\Parameters";

static LONG set_string(HKEY root, const WCHAR *path, const WCHAR *name, const WCHAR *value,
                       DWORD type)
{
    HKEY key;
    LONG err;

    if ((err = RegCreateKeyExW(root, path, 0, NULL, 0, KEY_WRITE, NULL, &key, NULL)))
        return err;
    err = RegSetValueExW(key, name, 0, type, (const BYTE *)value,
                         (wcslen(value) + 1) * sizeof(WCHAR));
    RegCloseKey(key);
    return err;
}

/* The versioned manager CLSIDs (BITS 1.5 ... 10.3) run the same server. */
static const WCHAR *const versioned_keys[] =
{
    L"CLSID\\{F087771F-D74F-4C1A-BB8A-E16ACA9124EA}", L"CLSID\\{6D18AD12-BDE3-4393-B311-099C346E6DF9}",
    L"CLSID\\{03CA98D6-FF5D-49B8-ABC6-03DD84127020}", L"CLSID\\{659CDEA7-489E-11D9-A9CD-000D56965251}",
    L"CLSID\\{BB6DF56B-CACE-11DC-9992-0019B93A3A84}", L"CLSID\\{1ECCA34C-E88A-44E3-8D6A-8921BDE9E452}",
    L"CLSID\\{4BD3E4E1-7BD4-4A2B-9964-496400DE5193}", L"CLSID\\{4575438F-A6C8-4976-B0FE-2F26B80D959E}",
    L"CLSID\\{5FD42AD5-C04E-4D36-ADC7-E08FF15737AD}",
};

static LONG register_versioned(void)
{
    LONG err = 0;
    size_t i;

    for (i = 0; !err && i < sizeof(versioned_keys) / sizeof(versioned_keys[0]); i++)
        err = set_string(HKEY_CLASSES_ROOT, versioned_keys[i], L"AppID", appid, REG_SZ);
    return err;
}

static LONG register_com(void)
{
    LONG err;

    if ((err = set_string(HKEY_CLASSES_ROOT, clsid_key, NULL,
                          L"Background Intelligent Transfer Service", REG_SZ)))
        return err;
    if ((err = set_string(HKEY_CLASSES_ROOT, clsid_key, L"AppID", appid, REG_SZ)))
        return err;
    if ((err = set_string(HKEY_CLASSES_ROOT, appid_key, L"LocalService", service_name, REG_SZ)))
        return err;
    return register_versioned();
}

/* Adds BITS to the netsvcs group (a REG_MULTI_SZ) unless it is there. */
static LONG add_to_netsvcs(void)
{
    WCHAR list[4096], *p;
    DWORD size = sizeof(list) - 2 * sizeof(WCHAR), type;
    HKEY key;
    LONG err;

    if ((err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, svchost_key, 0, NULL, 0,
                               KEY_READ | KEY_WRITE, NULL, &key, NULL)))
        return err;
    memset(list, 0, sizeof(list));
    if (RegQueryValueExW(key, L"netsvcs", NULL, &type, (BYTE *)list, &size) || type != REG_MULTI_SZ)
        size = 0;
    for (p = list; *p; p += wcslen(p) + 1)
    {
        if (!wcsicmp(p, service_name))
        {
            RegCloseKey(key);
            return ERROR_SUCCESS;
        }
    }
    if ((p - list) + ARRAYSIZE(service_name) + 1 >= ARRAYSIZE(list))
    {
        RegCloseKey(key);
        return ERROR_MORE_DATA;
    }
    wcscpy(p, service_name);
    p += ARRAYSIZE(service_name);
    *p++ = 0;
    err = RegSetValueExW(key, L"netsvcs", 0, REG_MULTI_SZ, (BYTE *)list,
                         (DWORD)((p - list) * sizeof(WCHAR)));
    RegCloseKey(key);
    return err;
}

static LONG register_service(void)
{
    WCHAR system_dir[MAX_PATH], command[MAX_PATH + 32], dll[MAX_PATH + 16];
    SC_HANDLE manager, service;
    LONG err = ERROR_SUCCESS;

    if (!GetSystemDirectoryW(system_dir, MAX_PATH))
        return GetLastError();
    _snwprintf(command, ARRAYSIZE(command), L"%s\\svchost.exe -k netsvcs", system_dir);
    _snwprintf(dll, ARRAYSIZE(dll), L"%s\\qmgr.dll", system_dir);
    if (!(manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS)))
        return GetLastError();
    service = OpenServiceW(manager, service_name, SERVICE_QUERY_CONFIG);
    if (!service)
    {
        service = CreateServiceW(manager, service_name, L"BITS Service", SERVICE_ALL_ACCESS,
                                 SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
                                 SERVICE_ERROR_NORMAL, command, NULL, NULL, NULL, NULL, NULL);
        if (!service)
            err = GetLastError();
        else if (!(err = set_string(HKEY_LOCAL_MACHINE, service_params_key, L"ServiceDll",
                                    dll, REG_EXPAND_SZ)))
            err = add_to_netsvcs();
    }
    if (service)
        CloseServiceHandle(service);
    CloseServiceHandle(manager);
    return err;
}

HRESULT WINAPI DllRegisterServer(void)
{
    LONG err;

    TRACE("\n");
    if ((err = register_com()) || (err = register_service()))
        return HRESULT_FROM_WIN32(err);
    return S_OK;
}

/* Removes the COM registration only: the service definition is shared
 * with Wine's builtin qmgr and stays. */
HRESULT WINAPI DllUnregisterServer(void)
{
    size_t i;
    LONG err;

    TRACE("\n");
    err = RegDeleteTreeW(HKEY_CLASSES_ROOT, clsid_key);
    if (err && err != ERROR_FILE_NOT_FOUND)
        return HRESULT_FROM_WIN32(err);
    for (i = 0; i < sizeof(versioned_keys) / sizeof(versioned_keys[0]); i++)
        RegDeleteTreeW(HKEY_CLASSES_ROOT, versioned_keys[i]);
    err = RegDeleteTreeW(HKEY_CLASSES_ROOT, appid_key);
    if (err && err != ERROR_FILE_NOT_FOUND)
        return HRESULT_FROM_WIN32(err);
    return S_OK;
}
