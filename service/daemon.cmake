# bitsd: the daemon around the transfer engine (engine.cmake).
#   bitsdcore  everything but main(), so tests can drive it directly
#   bitsipc    the small native IPC client (ipcclient.h) for tools and tests
#   bitsd      the daemon itself (build/bin/bitsd)
add_library(bitsdcore STATIC
  ${CMAKE_CURRENT_LIST_DIR}/log.c
  ${CMAKE_CURRENT_LIST_DIR}/statedir.c
  ${CMAKE_CURRENT_LIST_DIR}/store.c
  ${CMAKE_CURRENT_LIST_DIR}/job.c
  ${CMAKE_CURRENT_LIST_DIR}/job_newer.c
  ${CMAKE_CURRENT_LIST_DIR}/jobs.c
  ${CMAKE_CURRENT_LIST_DIR}/jobs_newer.c
  ${CMAKE_CURRENT_LIST_DIR}/clientkey.c
  ${CMAKE_CURRENT_LIST_DIR}/sched.c
  ${CMAKE_CURRENT_LIST_DIR}/notify.c
  ${CMAKE_CURRENT_LIST_DIR}/certcb.c
  ${CMAKE_CURRENT_LIST_DIR}/expire.c
  ${CMAKE_CURRENT_LIST_DIR}/control.c
  ${CMAKE_CURRENT_LIST_DIR}/localpath.c
  ${CMAKE_CURRENT_LIST_DIR}/proxycfg.c)
target_include_directories(bitsdcore PUBLIC
  ${CMAKE_CURRENT_LIST_DIR}
  ${CMAKE_SOURCE_DIR}/common)
target_compile_definitions(bitsdcore PUBLIC _GNU_SOURCE)
target_link_libraries(bitsdcore PUBLIC PkgConfig::SQLITE PkgConfig::CURL bitsproto xfersaved)

add_library(bitsipc STATIC ${CMAKE_CURRENT_LIST_DIR}/ipcclient.c)
target_include_directories(bitsipc PUBLIC
  ${CMAKE_CURRENT_LIST_DIR}
  ${CMAKE_SOURCE_DIR}/common)
target_compile_definitions(bitsipc PRIVATE _GNU_SOURCE)
target_link_libraries(bitsipc PUBLIC bitsproto)

# The engine is linked here, not into bitsdcore, so test_jobs can put a
# scripted engine in its place.
if(TARGET xferengine)
  add_executable(bitsd ${CMAKE_CURRENT_LIST_DIR}/bitsd.c)
  target_link_libraries(bitsd PRIVATE bitsdcore xferengine)
endif()

# Negotiate with a job's user and password (kerberos.c): a TGT in memory
# when Kerberos is there (top CMakeLists.txt looks for it), libcurl's
# default credentials without.
target_sources(bitsdcore PRIVATE ${CMAKE_CURRENT_LIST_DIR}/kerberos.c)
if(KRB5_FOUND)
  target_compile_definitions(bitsdcore PRIVATE HAVE_KRB5)
  target_link_libraries(bitsdcore PUBLIC PkgConfig::KRB5)
endif()
