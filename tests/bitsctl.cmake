# Tests of bitsctl (tools/bitsctl) and the shared names (common/bitsnames.c):
# the real bitsd --foreground on a temporary prefix, the real bits-server,
# and bitsctl run as a program.
if(TARGET bitsd AND TARGET bits_server_harness AND TARGET bitsctl)
  add_executable(test_bitsctl ${CMAKE_CURRENT_LIST_DIR}/test_bitsctl.c
                 ${CMAKE_SOURCE_DIR}/common/bitsnames.c)
  target_compile_definitions(test_bitsctl PRIVATE BITSCTL_PATH="$<TARGET_FILE:bitsctl>")
  target_link_libraries(test_bitsctl PRIVATE survive_util util)
  add_dependencies(test_bitsctl bitsd bitsctl)
  add_test(NAME bitsctl COMMAND test_bitsctl)
  set_tests_properties(bitsctl PROPERTIES TIMEOUT 240)
endif()
