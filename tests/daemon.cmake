# Tests of bitsd (service/daemon.cmake).
#   daemon_store  the SQLite store
#   daemon_jobs   job state machine and error codes, scripted engine, no network
#   daemon_ipc    the real bitsd over TCP, with bits-server for transfers
add_executable(test_store ${CMAKE_CURRENT_LIST_DIR}/test_store.c)
target_link_libraries(test_store PRIVATE bitsdcore PkgConfig::CMOCKA)
add_test(NAME daemon_store COMMAND test_store)

add_executable(test_jobs ${CMAKE_CURRENT_LIST_DIR}/test_jobs.c)
target_link_libraries(test_jobs PRIVATE bitsdcore PkgConfig::CMOCKA)
add_test(NAME daemon_jobs COMMAND test_jobs)

if(TARGET bitsd AND TARGET bits_server_harness)
  add_executable(test_ipc ${CMAKE_CURRENT_LIST_DIR}/test_ipc.c)
  target_link_libraries(test_ipc PRIVATE survive_util)
  add_dependencies(test_ipc bitsd)
  add_test(NAME daemon_ipc COMMAND test_ipc)
  set_tests_properties(daemon_ipc PROPERTIES TIMEOUT 180)
endif()

# The newer interfaces' side of bitsd (Job3/4/5, HttpOptions, File2/3/5).
add_executable(test_newer ${CMAKE_CURRENT_LIST_DIR}/test_newer.c)
target_link_libraries(test_newer PRIVATE bitsdcore PkgConfig::CMOCKA)
add_test(NAME daemon_newer COMMAND test_newer)
