# Tests of jobs that survive anything (owner: survive): bitsd killed at many
# points, retry policy and JobInactivityTimeout, notifications, credentials.
# All run the real bitsd (with the real engine) against bits-server.
#   survive_faults   kill points (prints "kill_points N lost M")
#   survive_retry    TRANSIENT_ERROR / MinimumRetryDelay / NoProgressTimeout,
#                    JobInactivityTimeout (BITSD_INACTIVITY_TIMEOUT)
#   survive_notify   event re-delivery, notify command lines (fake wine)
#   survive_auth     Basic/Digest credentials, 401, proxy with 407
if(TARGET bitsd AND TARGET bits_server_harness)
  add_library(survive_util STATIC
    ${CMAKE_CURRENT_LIST_DIR}/survive_util.c)
  target_include_directories(survive_util PUBLIC
    ${CMAKE_CURRENT_LIST_DIR}
    ${CMAKE_CURRENT_LIST_DIR}/bitsserver)
  target_compile_definitions(survive_util PUBLIC _GNU_SOURCE BITSD_PATH="$<TARGET_FILE:bitsd>")
  target_link_libraries(survive_util PUBLIC bitsipc bits_server_harness filehash PkgConfig::CMOCKA)
  add_dependencies(survive_util bitsd)

  foreach(t faults notify auth)
    add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
    target_link_libraries(test_${t} PRIVATE survive_util)
  endforeach()
  target_link_libraries(test_auth PRIVATE PkgConfig::CURL)
  # Negotiate: a private Kerberos realm (tests/krb5/realm.sh); the tests skip
  # when bitsd and bits-server were built without Kerberos.
  target_compile_definitions(test_auth PRIVATE
    KRB5_REALM_SH="${CMAKE_CURRENT_LIST_DIR}/krb5/realm.sh")
  if(KRB5_FOUND)
    target_compile_definitions(test_auth PRIVATE WINEBITS_HAVE_KRB5)
  endif()

  add_test(NAME survive_faults COMMAND test_faults kill)
  add_test(NAME survive_retry COMMAND test_faults retry)
  add_test(NAME survive_notify COMMAND test_notify)
  add_test(NAME survive_auth COMMAND test_auth)
  set_tests_properties(survive_faults survive_retry survive_notify survive_auth
                       PROPERTIES TIMEOUT 300)
endif()
