# Tests of the transfer engine (service/engine.cmake) against bits-server.
foreach(t upload download)
  add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
  target_compile_definitions(test_${t} PRIVATE _GNU_SOURCE)
  target_link_libraries(test_${t} PRIVATE xferengine bits_server_harness filehash PkgConfig::CMOCKA)
  add_test(NAME engine_${t} COMMAND test_${t})
  set_tests_properties(engine_${t} PROPERTIES TIMEOUT 600)
endforeach()
# test_download also runs bitsd's job code around the engine (start-up
# check of finished download files, durable Complete).
target_link_libraries(test_download PRIVATE bitsdcore xferengine)

# Engine helpers (URLs, header values, the error table): no server needed.
add_executable(test_upload_http ${CMAKE_CURRENT_LIST_DIR}/test_upload_http.c)
target_link_libraries(test_upload_http PRIVATE xferengine PkgConfig::CMOCKA)
add_test(NAME engine_http COMMAND test_upload_http)

# Throughput check of the engine alone (run by hand, not by ctest).
add_executable(test_upload_bench ${CMAKE_CURRENT_LIST_DIR}/test_upload_bench.c)
target_link_libraries(test_upload_bench PRIVATE xferengine)
