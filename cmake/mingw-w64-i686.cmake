# Toolchain for the 32-bit PE half (WINEBITS_WIN32): the proxy/stub DLL and
# the conformance programs as PE32, for 32-bit programs in a WoW64 prefix.
# Needs only gcc-mingw-w64-i686; widl and the base IDL files are Wine's, as
# for the 64-bit half.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(CMAKE_C_COMPILER i686-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER i686-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/i686-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(WIDL /usr/bin/widl CACHE FILEPATH "widl")
set(WINE_IDL_DIR /usr/include/wine/wine/windows CACHE PATH "base IDL files")
