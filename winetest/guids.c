/* mingw's libuuid has no BITS GUIDs: this file defines every one the BITS
 * headers declare (shared/reference/WINE.md). */
#include <windows.h>
#include <initguid.h>
#include <bits.h>
#include <bits1_5.h>
