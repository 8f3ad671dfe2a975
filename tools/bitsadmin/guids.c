/*
 * mingw's libuuid has no BITS GUIDs: this one file defines every GUID the
 * BITS headers declare (the values come from the SDK headers themselves).
 */
#include <windows.h>
#include <initguid.h>
#include <bits.h>
#include <bits1_5.h>
#include <bits2_0.h>
