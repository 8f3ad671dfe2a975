# bitsadmin.exe against the whole chain (qmgr.dll + bitsd + bits-server),
# in the Wine prefix of the conformance tests.  Include after winetest.cmake:
# it reuses that file's fixture "wineprefix" and its variables.
if(NOT WINE_PROGRAM OR NOT WINEBOOT_PROGRAM OR NOT WINESERVER_PROGRAM OR NOT WINETEST_PREFIX)
  message(STATUS "wine or the wineprefix fixture missing: bitsadmin test not registered")
  return()
endif()

add_test(NAME bitsadmin
  COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/wine/bitsadmin_run.sh" "${BITS_BIN_DIR}"
          "${WINETEST_PREFIX}" "${CMAKE_BINARY_DIR}/bitsadmin-run")
set_tests_properties(bitsadmin PROPERTIES
  FIXTURES_REQUIRED wineprefix RUN_SERIAL TRUE TIMEOUT 900
  DEPENDS winebits_survives_wineboot_update)
