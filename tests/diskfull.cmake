# A full disk loses nothing (owner: diskfull): the real bitsd against
# bits-server with real full file systems, small tmpfs mounts the test makes
# in a mount namespace of its own.  Needs root (CI runs as root); skips
# (exit 77) without it.
#   diskfull   destination, reply directory and state directory full;
#              Complete on a full file system
if(TARGET survive_util)
  add_executable(test_diskfull ${CMAKE_CURRENT_LIST_DIR}/test_diskfull.c)
  target_link_libraries(test_diskfull PRIVATE survive_util PkgConfig::SQLITE)
  add_test(NAME diskfull COMMAND test_diskfull)
  set_tests_properties(diskfull PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
