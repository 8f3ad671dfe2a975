# Tests of the integration: winebits, and the conformance programs under
# Wine (the native half; winetest/CMakeLists.txt builds the programs).

# winebits itself, without Wine: command line, refusals, status/stop of a
# real bitsd.
if(TARGET winebits AND TARGET bitsd)
  add_executable(test_winebits ${CMAKE_CURRENT_LIST_DIR}/wine/test_winebits.c)
  target_compile_definitions(test_winebits PRIVATE
    _GNU_SOURCE WINEBITS_PATH="$<TARGET_FILE:winebits>" BITSD_PATH="$<TARGET_FILE:bitsd>")
  target_link_libraries(test_winebits PRIVATE PkgConfig::CMOCKA)
  add_dependencies(test_winebits winebits bitsd)
  add_test(NAME winebits_tool COMMAND test_winebits)
  set_tests_properties(winebits_tool PROPERTIES TIMEOUT 120)
endif()

# One prefix per ctest run: wine_prefix_setup copies a cached, wineboot-ed
# base prefix and installs winebits into it; each *_test.exe then runs
# against its own fresh bits-server; wine_prefix_cleanup stops bitsd and
# the prefix's wineserver.
find_program(WINE_PROGRAM wine)
find_program(WINEBOOT_PROGRAM wineboot)
find_program(WINESERVER_PROGRAM wineserver)
if(NOT WINE_PROGRAM OR NOT WINEBOOT_PROGRAM OR NOT WINESERVER_PROGRAM)
  message(STATUS "wine not found: conformance tests under Wine are not registered")
  return()
endif()

set(WINETEST_SCRIPTS "${CMAKE_CURRENT_LIST_DIR}/wine")
set(WINETEST_PREFIX "${CMAKE_BINARY_DIR}/wineprefix-test")
set(WINETEST_RUNS "${CMAKE_BINARY_DIR}/winetest-runs")

add_test(NAME wine_prefix_setup
  COMMAND bash "${WINETEST_SCRIPTS}/prefix_setup.sh" "${CMAKE_BINARY_DIR}" "${BITS_BIN_DIR}")
set_tests_properties(wine_prefix_setup PROPERTIES
  FIXTURES_SETUP wineprefix RUN_SERIAL TRUE TIMEOUT 600)

add_test(NAME wine_prefix_cleanup
  COMMAND bash "${WINETEST_SCRIPTS}/prefix_cleanup.sh" "${BITS_BIN_DIR}" "${WINETEST_PREFIX}")
set_tests_properties(wine_prefix_cleanup PROPERTIES
  FIXTURES_CLEANUP wineprefix RUN_SERIAL TRUE TIMEOUT 120)

# Runs first, so every conformance program sees a prefix Wine has updated.
add_test(NAME winebits_survives_wineboot_update
  COMMAND bash "${WINETEST_SCRIPTS}/wineboot_update.sh" "${BITS_BIN_DIR}" "${WINETEST_PREFIX}")
set_tests_properties(winebits_survives_wineboot_update PROPERTIES
  FIXTURES_REQUIRED wineprefix RUN_SERIAL TRUE TIMEOUT 300)

# release first, on a freshly started service: that is where the hang it
# guards against showed most reliably (see winetest/release_test.c).
foreach(program release jobrules upload reply methods download enum error newer callbacks)
  add_test(NAME winetest_${program}
    COMMAND bash "${WINETEST_SCRIPTS}/run_test.sh" "${BITS_BIN_DIR}" "${WINETEST_PREFIX}"
            ${program}_test.exe "${WINETEST_RUNS}/${program}")
  set_tests_properties(winetest_${program} PROPERTIES
    FIXTURES_REQUIRED wineprefix RUN_SERIAL TRUE TIMEOUT 1000
    DEPENDS winebits_survives_wineboot_update)
endforeach()

# 32-bit programs (WoW64): the PE32 builds of the conformance programs
# (WINEBITS_WIN32, build/bin/i386) in the same prefix, served by the 64-bit
# qmgr.dll through the 32-bit proxy/stub DLL that winebits registered in the
# 32-bit registry view.  Only when this Wine runs PE32 (Debian: wine32:i386,
# whose loader is /usr/lib/wine/wine; the prefix is then WoW64).
find_program(WINE32_LOADER wine PATHS /usr/lib/wine NO_DEFAULT_PATH)
if(NOT WINEBITS_WIN32)
  message(STATUS "WINEBITS_WIN32 is OFF: 32-bit conformance tests are not registered")
elseif(NOT WINE32_LOADER)
  message(STATUS "no 32-bit Wine (wine32:i386): 32-bit conformance tests are not registered")
else()
  # Every interface marshalled by the 32-bit proxies from the registry; it
  # also checks each ProxyStubClsid32 of the 32-bit view.
  add_test(NAME winetest32_qmgrprxy
    COMMAND "${CMAKE_COMMAND}" -E env --unset=DISPLAY "WINEPREFIX=${WINETEST_PREFIX}"
            WINEDEBUG=-all "WINEDLLOVERRIDES=mscoree,mshtml="
            timeout 300 "${WINE_PROGRAM}" "${BITS_BIN_DIR}/i386/qmgrprxy_test.exe")
  set_tests_properties(winetest32_qmgrprxy PROPERTIES
    FIXTURES_REQUIRED wineprefix RUN_SERIAL TRUE TIMEOUT 400
    DEPENDS winebits_survives_wineboot_update)
  foreach(program jobrules upload reply methods download enum error newer callbacks)
    add_test(NAME winetest32_${program}
      COMMAND bash "${WINETEST_SCRIPTS}/run_test.sh" "${BITS_BIN_DIR}" "${WINETEST_PREFIX}"
              i386/${program}_test.exe "${WINETEST_RUNS}/${program}32")
    set_tests_properties(winetest32_${program} PROPERTIES
      FIXTURES_REQUIRED wineprefix RUN_SERIAL TRUE TIMEOUT 1000
      DEPENDS winebits_survives_wineboot_update)
  endforeach()
endif()

# Client certificates (tls) and the server certificate validation callback
# (certcb) over HTTPS (tests/tls): bits-server behind stunnel, the prefix's
# bitsd restarted to trust the test CA.  Exit 77: no stunnel.
set(WINETEST_TLS_PROGRAMS tls_test.exe certcb_test.exe)
if(WINEBITS_WIN32 AND WINE32_LOADER)
  list(APPEND WINETEST_TLS_PROGRAMS i386/tls_test.exe i386/certcb_test.exe)
endif()
foreach(program ${WINETEST_TLS_PROGRAMS})
  string(REGEX REPLACE "^i386/(.*)_test\\.exe$" "winetest32_\\1" name "${program}")
  string(REGEX REPLACE "^(.*)_test\\.exe$" "winetest_\\1" name "${name}")
  add_test(NAME ${name}
    COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/tls/run_tls_test.sh" "${BITS_BIN_DIR}"
            "${WINETEST_PREFIX}" ${program} "${WINETEST_RUNS}/${name}")
  set_tests_properties(${name} PROPERTIES
    FIXTURES_REQUIRED wineprefix RUN_SERIAL TRUE TIMEOUT 600 SKIP_RETURN_CODE 77
    DEPENDS winebits_survives_wineboot_update)
endforeach()

# SetNotifyCmdLine after the creating program exited: with svchost still
# around, and with the prefix's wineserver stopped before the transfer ends.
foreach(mode alive kill-wineserver)
  add_test(NAME winetest_notify_cmdline_${mode}
    COMMAND bash "${WINETEST_SCRIPTS}/notify_cmdline.sh" "${BITS_BIN_DIR}" "${WINETEST_PREFIX}"
            "${WINETEST_RUNS}/notify-${mode}" ${mode})
  set_tests_properties(winetest_notify_cmdline_${mode} PROPERTIES
    FIXTURES_REQUIRED wineprefix RUN_SERIAL TRUE TIMEOUT 600
    DEPENDS winebits_survives_wineboot_update)
endforeach()

# The notification CLSID (IBackgroundCopyJob5) after the creating program
# exited: activated through bitsnotify.exe, with svchost still around and
# with the prefix's wineserver stopped before the transfer ends.
foreach(mode alive kill-wineserver)
  add_test(NAME winetest_notify_clsid_${mode}
    COMMAND bash "${WINETEST_SCRIPTS}/notify_clsid.sh" "${BITS_BIN_DIR}" "${WINETEST_PREFIX}"
            "${WINETEST_RUNS}/notifyclsid-${mode}" ${mode})
  set_tests_properties(winetest_notify_clsid_${mode} PROPERTIES
    FIXTURES_REQUIRED wineprefix RUN_SERIAL TRUE TIMEOUT 600
    DEPENDS winebits_survives_wineboot_update)
endforeach()
