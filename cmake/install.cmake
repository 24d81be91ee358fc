# What `cmake --install` puts under a prefix, and the Debian packages CPack makes of it
# (docs/GUIDE.md, "Use it in your program"):
#
#   lib   libsecure_sock.so.0 (SONAME libsecure_sock.so.0, exports exactly the functions the
#         public headers declare: scripts/public-symbols.sh makes its version script; the stacks
#         it was built with are private dependencies: DT_NEEDED, never on the application's
#         link line)
#   dev   include/secure_sock/, libsecure_sock.so (link), libsecure_sock.a (the core, the POSIX
#         part, the drivers and, in a tinyDTLS build, tinyDTLS itself), secure_sock.pc
#         (Libs.private: the stacks, for --static) and the CMake package secure_sock
#         (find_package(secure_sock): secure_sock::secure_sock, secure_sock::secure_sock_static)
#   tool  bin/ssock, share/man/man1/ssock.1
#
# Both libraries are built from the objects of the in-tree ones (secure_sock, secure_sock_posix,
# secure_sock_core; the tests link those), into ${CMAKE_BINARY_DIR}/lib.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SS_LIB_OBJECTS $<TARGET_OBJECTS:secure_sock_core> $<TARGET_OBJECTS:secure_sock_posix>
                   $<TARGET_OBJECTS:secure_sock>)
if(TARGET ss_tinydtls)
  list(APPEND SS_LIB_OBJECTS $<TARGET_OBJECTS:ss_tinydtls>)
endif()
# The stacks, as the drivers link them (paths), and what the application must compile with: the
# CONFIG_* values the library was built with (e.g. a tinyDTLS build's session area) - a program
# built with others is refused at create with SOCK_SECURE_E_ABI.
set(SS_STACK_LIBS "")
foreach(t secure_sock secure_sock_posix secure_sock_core)
  get_target_property(_l ${t} LINK_LIBRARIES)
  if(NOT _l)
    continue()
  endif()
  foreach(l ${_l})
    if(NOT TARGET ${l} OR l STREQUAL "Threads::Threads")
      list(APPEND SS_STACK_LIBS ${l})
    endif()
  endforeach()
endforeach()
if(TARGET ss_tinydtls)
  list(APPEND SS_STACK_LIBS Threads::Threads)
endif()
list(REMOVE_DUPLICATES SS_STACK_LIBS)
get_target_property(_defs secure_sock_core INTERFACE_COMPILE_DEFINITIONS)
set(SS_PUBLIC_DEFS "")
foreach(d ${_defs})
  if(d MATCHES "^CONFIG_SOCK_SECURE_")
    list(APPEND SS_PUBLIC_DEFS ${d})
  endif()
endforeach()

# The version script: exactly what the public headers declare.
file(GLOB_RECURSE SS_PUBLIC_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/include/secure_sock/*.h)
execute_process(COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/public-symbols.sh
                        ${CMAKE_SOURCE_DIR}/include --map
                OUTPUT_FILE ${CMAKE_BINARY_DIR}/secure_sock.map RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "scripts/public-symbols.sh failed (${_rc})")
endif()

add_library(secure_sock_shared SHARED ${SS_LIB_OBJECTS})
add_library(secure_sock_static STATIC ${SS_LIB_OBJECTS})
foreach(t secure_sock_shared secure_sock_static)
  set_target_properties(${t} PROPERTIES OUTPUT_NAME secure_sock
                        ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
                        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
  target_include_directories(${t} INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_definitions(${t} INTERFACE ${SS_PUBLIC_DEFS})
  target_link_libraries(${t} PRIVATE ${SS_STACK_LIBS}) # static: $<LINK_ONLY:...> for its users
endforeach()
set_target_properties(secure_sock_shared PROPERTIES VERSION ${PROJECT_VERSION}
                      SOVERSION ${PROJECT_VERSION_MAJOR} EXPORT_NAME secure_sock
                      LINK_DEPENDS ${CMAKE_BINARY_DIR}/secure_sock.map)
set_target_properties(secure_sock_static PROPERTIES EXPORT_NAME secure_sock_static)
target_link_options(secure_sock_shared PRIVATE
                    -Wl,--version-script=${CMAKE_BINARY_DIR}/secure_sock.map -Wl,--no-undefined)

install(TARGETS secure_sock_shared EXPORT secure_sockTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS secure_sock_static EXPORT secure_sockTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY include/secure_sock DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
if(TARGET ssock)
  install(TARGETS ssock RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tool)
  install(FILES docs/ssock.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tool)
endif()

# CMake package: find_package(secure_sock) -> secure_sock::secure_sock (shared),
# secure_sock::secure_sock_static; secure_sock_DRIVERS lists the backends built in.
set(SS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/secure_sock)
set(SS_NEEDS_THREADS OFF)
if("Threads::Threads" IN_LIST SS_STACK_LIBS)
  set(SS_NEEDS_THREADS ON)
endif()
install(EXPORT secure_sockTargets NAMESPACE secure_sock:: DESTINATION ${SS_CMAKE_DIR}
        COMPONENT dev)
configure_package_config_file(cmake/secure_sockConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/secure_sockConfig.cmake
                              INSTALL_DESTINATION ${SS_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/secure_sockConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/secure_sockConfig.cmake
              ${CMAKE_BINARY_DIR}/secure_sockConfigVersion.cmake
        DESTINATION ${SS_CMAKE_DIR} COMPONENT dev)

# pkg-config: relocatable (the prefix is found from the .pc file's own place). The stacks go to
# Libs.private as -l flags, not Requires.private: pkg-config resolves Requires.private even for a
# shared link, which would make every stack's -dev package a build requirement of every program.
set(SS_PC_LIBS_PRIVATE "")
foreach(l ${SS_STACK_LIBS})
  if(l STREQUAL "Threads::Threads")
    string(APPEND SS_PC_LIBS_PRIVATE " -pthread")
  else()
    get_filename_component(n ${l} NAME_WE)
    string(REGEX REPLACE "^lib" "" n ${n})
    string(APPEND SS_PC_LIBS_PRIVATE " -l${n}")
  endif()
endforeach()
set(SS_PC_CFLAGS "")
foreach(d ${SS_PUBLIC_DEFS})
  string(APPEND SS_PC_CFLAGS " -D${d}")
endforeach()
file(RELATIVE_PATH SS_PC_UP ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" SS_PC_UP "${SS_PC_UP}")
configure_file(cmake/secure_sock.pc.in ${CMAKE_BINARY_DIR}/secure_sock.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/secure_sock.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)

include(cmake/package.cmake)
