# Transfer engine of bitsd (API: transfer.h): BITS upload protocol,
# upload-reply, Range-resumable downloads, all on one libcurl multi handle.
# The saved checkpoint is shared by the engine and the daemon core.
add_library(xfersaved STATIC ${CMAKE_CURRENT_LIST_DIR}/xfer_saved.c)
target_include_directories(xfersaved PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/common)
target_link_libraries(xfersaved PUBLIC bitsproto)

add_library(xferengine STATIC
  ${CMAKE_CURRENT_LIST_DIR}/transfer.c
  ${CMAKE_CURRENT_LIST_DIR}/transfer_cancel.c
  ${CMAKE_CURRENT_LIST_DIR}/upload.c
  ${CMAKE_CURRENT_LIST_DIR}/download.c
  ${CMAKE_CURRENT_LIST_DIR}/dlranges.c
  ${CMAKE_CURRENT_LIST_DIR}/localcopy.c
  ${CMAKE_CURRENT_LIST_DIR}/sizepass.c
  ${CMAKE_CURRENT_LIST_DIR}/httputil.c
  ${CMAKE_CURRENT_LIST_DIR}/tlswatch.c
  ${CMAKE_CURRENT_LIST_DIR}/certcheck.c)
target_include_directories(xferengine PUBLIC
  ${CMAKE_CURRENT_LIST_DIR}
  ${CMAKE_SOURCE_DIR}/common)
target_compile_definitions(xferengine PRIVATE _GNU_SOURCE)
target_link_libraries(xferengine PUBLIC PkgConfig::CURL bitsproto xfersaved)
# tlswatch.c: OpenSSL's client certificate callback; certcheck.c: DER and
# key pins of the server chain (libssl-dev)
find_package(OpenSSL REQUIRED)
target_link_libraries(xferengine PRIVATE OpenSSL::SSL)
