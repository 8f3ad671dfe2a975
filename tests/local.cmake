# Downloads from local remote names (file://, C:\..., UNC), the size pass
# and PRECONFIG proxies from the prefix's registry: engine, daemon helpers
# and the real bitsd against bits-server.
if(TARGET bitsd AND TARGET bits_server_harness)
  add_executable(test_local ${CMAKE_CURRENT_LIST_DIR}/test_local.c)
  target_compile_definitions(test_local PRIVATE _GNU_SOURCE BITSD_PATH="$<TARGET_FILE:bitsd>")
  target_link_libraries(test_local PRIVATE bitsdcore xferengine bitsipc bits_server_harness
    filehash PkgConfig::CMOCKA)
  add_dependencies(test_local bitsd)
  add_test(NAME engine_local COMMAND test_local)
  set_tests_properties(engine_local PROPERTIES TIMEOUT 300)
endif()
