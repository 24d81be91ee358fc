# tinyDTLS: no package registry carries it, so the builder supplies a source tree and CMake builds
# it here, from SS_TINYDTLS_DIR into this build directory, with secure_sock's own configuration
# (src/tlsman/tinydtls/stack/dtls_config.h) - nothing of it enters the repository. Tested with
# eclipse/tinydtls 95d02ee28ea745541d6c55dba49f3b3ab8b71a43, the commit RIOT pins in
# pkg/tinydtls/Makefile (docs/BACKENDS.md says how to get it):
#
#   git clone https://github.com/eclipse/tinydtls && git -C tinydtls checkout 95d02ee28ea7
#   cmake -S . -B build -DSS_TINYDTLS_DIR=$PWD/tinydtls
#
# Defines SS_TINYDTLS_FOUND and, when found, the static library ss_tinydtls (tinyDTLS's sources
# with stack/alloc.c, stack/debug.c - its logging compiled out - and, unless SS_TINYDTLS_AES is
# tinydtls, stack/aes.c in place of its aes/rijndael.c, each compiled with
# stack/alloc_hook.h forced in), whose headers it gives
# its users as system headers. SS_TINYDTLS_PSK / SS_TINYDTLS_ECC leave a key exchange out.
set(SS_TINYDTLS_DIR "" CACHE PATH "a tinyDTLS source tree to build the tinydtls driver against")
option(SS_TINYDTLS_PSK "tinyDTLS: TLS_PSK_WITH_AES_128_CCM[_8]" ON)
option(SS_TINYDTLS_ECC "tinyDTLS: TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with raw public keys" ON)
set(SS_TINYDTLS_AES "compact" CACHE STRING
    "tinyDTLS's AES: compact (stack/aes.c, 0.9 KB) or tinydtls (its aes/rijndael.c, 6.3 KB)")
set(SS_TINYDTLS_FOUND OFF)
if(NOT SS_TINYDTLS_DIR)
  return()
endif()

get_filename_component(SS_TINYDTLS_DIR "${SS_TINYDTLS_DIR}" ABSOLUTE)
foreach(f dtls.c dtls.h tinydtls.h netq.c peer.c crypto.c ccm.c hmac.c sha2/sha2.c
          aes/rijndael.c)
  if(NOT EXISTS "${SS_TINYDTLS_DIR}/${f}")
    message(FATAL_ERROR "SS_TINYDTLS_DIR=${SS_TINYDTLS_DIR}: no ${f} there (not a tinyDTLS tree)")
  endif()
endforeach()
if(EXISTS "${SS_TINYDTLS_DIR}/dtls_config.h")
  message(FATAL_ERROR "SS_TINYDTLS_DIR=${SS_TINYDTLS_DIR} holds a dtls_config.h of its own (an "
                      "in-tree configure run): it would override secure_sock's; use a clean tree")
endif()
if(NOT SS_TINYDTLS_PSK AND NOT SS_TINYDTLS_ECC)
  message(FATAL_ERROR "SS_TINYDTLS_PSK and SS_TINYDTLS_ECC are both OFF")
endif()

# version: the tree's own (its CMakeLists.txt) and, for a git checkout, the commit
set(SS_TINYDTLS_VERSION "unknown")
if(EXISTS "${SS_TINYDTLS_DIR}/CMakeLists.txt")
  file(STRINGS "${SS_TINYDTLS_DIR}/CMakeLists.txt" _v REGEX "set\\(PACKAGE_VERSION")
  if(_v MATCHES "\"([^\"]+)\"")
    set(SS_TINYDTLS_VERSION "${CMAKE_MATCH_1}")
  endif()
endif()
set(SS_TINYDTLS_PACKAGE_VERSION "${SS_TINYDTLS_VERSION}")
find_program(SS_GIT git)
if(SS_GIT AND EXISTS "${SS_TINYDTLS_DIR}/.git")
  execute_process(COMMAND ${SS_GIT} -C "${SS_TINYDTLS_DIR}" rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE _c OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc
                  ERROR_QUIET)
  if(_rc EQUAL 0 AND _c)
    set(SS_TINYDTLS_VERSION "${SS_TINYDTLS_VERSION}+${_c}")
  endif()
endif()

set(_stack ${CMAKE_SOURCE_DIR}/src/tlsman/tinydtls/stack)
set(_src dtls.c netq.c peer.c session.c crypto.c ccm.c hmac.c dtls_time.c dtls_prng.c
         aes/rijndael_wrap.c sha2/sha2.c) # dtls_debug.c: stack/debug.c instead
if(SS_TINYDTLS_AES STREQUAL "tinydtls")
  list(APPEND _src aes/rijndael.c)
elseif(NOT SS_TINYDTLS_AES STREQUAL "compact")
  message(FATAL_ERROR "SS_TINYDTLS_AES=${SS_TINYDTLS_AES}: compact or tinydtls")
endif()
if(SS_TINYDTLS_ECC)
  list(APPEND _src ecc/ecc.c)
endif()
list(TRANSFORM _src PREPEND "${SS_TINYDTLS_DIR}/")
if(SS_TINYDTLS_AES STREQUAL "compact")
  list(APPEND _src ${_stack}/aes.c)
endif()
add_library(ss_tinydtls STATIC ${_src} ${_stack}/alloc.c ${_stack}/debug.c)
set(SS_TINYDTLS_INCLUDE_DIRS ${_stack} ${SS_TINYDTLS_DIR})
# The driver sees tinyDTLS's headers (and our dtls_config.h) as system headers, so that our
# warning flags (-Wconversion, ...) apply to our code only (RIOT's pkg does the same).
target_include_directories(ss_tinydtls PRIVATE ${SS_TINYDTLS_INCLUDE_DIRS})
target_include_directories(ss_tinydtls SYSTEM INTERFACE ${SS_TINYDTLS_INCLUDE_DIRS})
# The key exchanges left out: for the whole build, so that the driver sees what tinyDTLS has.
set(SS_TINYDTLS_DEFS PACKAGE_VERSION="${SS_TINYDTLS_PACKAGE_VERSION}")
if(NOT SS_TINYDTLS_PSK)
  list(APPEND SS_TINYDTLS_DEFS SS_TINYDTLS_NO_PSK)
endif()
if(NOT SS_TINYDTLS_ECC)
  list(APPEND SS_TINYDTLS_DEFS SS_TINYDTLS_NO_ECC)
endif()
target_compile_definitions(ss_tinydtls PRIVATE ${SS_TINYDTLS_DEFS})
# tinyDTLS is not our code: its own warnings are not ours to fix (-w); every allocation it makes
# goes through stack/alloc.c (zeroed on free, counted).
target_compile_options(ss_tinydtls PRIVATE -w -include ${_stack}/alloc_hook.h)
find_package(Threads REQUIRED) # dtls_mutex.h: a pthread mutex around its global cipher context
target_link_libraries(ss_tinydtls PUBLIC Threads::Threads)
set(SS_TINYDTLS_FOUND ON)
message(STATUS "tinyDTLS ${SS_TINYDTLS_VERSION} from ${SS_TINYDTLS_DIR}")
