# HTTPS (owner: tls): the real bitsd through stunnel in front of bits-server
# (tests/tls/tls_front.sh makes the certificates with the openssl CLI).
#   tls_https   trust (BITSD_CA_FILE), unknown CA / name mismatch errors and
#               the BG_SSL_IGNORE_* flags, client certificates (memory only)
# Exit 77 = skipped: stunnel is not installed (CI installs stunnel4).
if(TARGET survive_util)
  add_executable(test_tls ${CMAKE_CURRENT_LIST_DIR}/../test_tls.c)
  target_link_libraries(test_tls PRIVATE survive_util)
  target_compile_definitions(test_tls PRIVATE
    TLS_FRONT_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/tls_front.sh")
  add_test(NAME tls_https COMMAND test_tls)
  set_tests_properties(tls_https PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
