# CPack: three Debian packages from the install components (cmake/install.cmake):
#   libsecure-sock0     lib   the shared library (Depends from dpkg-shlibdeps: the stacks' runtime)
#   libsecure-sock-dev  dev   headers, static library, .so link, pkg-config file, CMake package
#   ssock               tool  the command-line tool and its man page
#   (cd build && cpack -G DEB)      (ctest: debian_packages, tests/install/deb.sh, checks them)
set(CPACK_PACKAGE_NAME secure-sock)
set(CPACK_PACKAGE_VENDOR "secure_sock")
set(CPACK_PACKAGE_CONTACT "secure_sock maintainers <secure-sock@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DTLS 1.2 and TLS 1.2 behind one socket API")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL lib dev tool)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS OFF)

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libsecure-sock${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_LIB_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_LIB_PACKAGE_GENERATE_SHLIBS ON) # a shlibs file; CPack adds ldconfig to postinst
set(CPACK_COMPONENT_LIB_DESCRIPTION
    "secure_sock: DTLS 1.2 and TLS 1.2 behind one socket API (shared library)\n
 Built with the backends: ${SS_BUILT_DRIVERS}.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsecure-sock-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libsecure-sock${PROJECT_VERSION_MAJOR} (= ${PROJECT_VERSION})")
# only a static link needs the stacks' development files (secure_sock.pc's Libs.private)
set(_sugg "")
foreach(d ${SS_BUILT_DRIVERS})
  if(d STREQUAL "mbedtls")
    list(APPEND _sugg libmbedtls-dev)
  elseif(d STREQUAL "wolfssl")
    list(APPEND _sugg libwolfssl-dev)
  elseif(d STREQUAL "gnutls")
    list(APPEND _sugg libgnutls28-dev)
  endif()
endforeach()
list(APPEND _sugg pkg-config)
string(REPLACE ";" ", " CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "${_sugg}")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "secure_sock: development files\n
 Headers, the static library, the pkg-config file and the CMake package.")

set(CPACK_DEBIAN_TOOL_PACKAGE_NAME ssock)
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION net)
set(CPACK_DEBIAN_TOOL_PACKAGE_SHLIBDEPS ON)
set(CPACK_COMPONENT_TOOL_DESCRIPTION
    "DTLS/TLS client and server for operators (secure_sock)\n
 ssock server|client|demo over DTLS 1.2 (UDP) or TLS 1.2 (TCP), PSK or certificates.")
include(CPack)
