# Build a RIOT application written for tinyDTLS's sock_dtls on secure_sock's sock_dtls instead,
# without touching it:
#   make -C <app> RIOT_MAKEFILES_GLOBAL_PRE=<secure_sock>/ports/riot/sock_dtls_secure_sock.mk ...
# RIOT includes this file at the top of its Makefile.include, after the application's Makefile:
# it selects the module sock_dtls_secure_sock instead of tinyDTLS's tinydtls_sock_dtls, on
# mbedTLS (it drops `USEPKG += tinydtls`) or, with SOCK_SECURE_DRIVER=tinydtls, on RIOT's
# pkg/tinydtls through secure_sock's tinyDTLS driver (module sock_secure_tinydtls), or with
# SOCK_SECURE_DRIVER=wolfssl on RIOT's pkg/wolfssl (module sock_secure_wolfssl; it needs
# PKG_SOURCE_LOCAL_WOLFSSL, a wolfSSL 5.5.4 tree: scripts/wolfssl-source.sh). (An
# application of one's own says `EXTERNAL_MODULE_DIRS += <secure_sock>/ports/riot` and
# `USEMODULE += sock_dtls_secure_sock` - plus `USEMODULE += sock_secure_tinydtls` for tinyDTLS -
# instead of `USEPKG += tinydtls`.)
SOCK_DTLS_SECURE_SOCK_PORT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
EXTERNAL_MODULE_DIRS += $(SOCK_DTLS_SECURE_SOCK_PORT)
SOCK_SECURE_DRIVER ?= mbedtls
ifeq (tinydtls,$(SOCK_SECURE_DRIVER))
  USEMODULE := $(filter-out tinydtls_sock_dtls,$(USEMODULE)) sock_dtls_secure_sock sock_secure_tinydtls
else ifeq (wolfssl,$(SOCK_SECURE_DRIVER))
  USEPKG := $(filter-out tinydtls,$(USEPKG))
  USEMODULE := $(filter-out tinydtls_sock_dtls,$(USEMODULE)) sock_dtls_secure_sock sock_secure_wolfssl
else ifeq (mbedtls,$(SOCK_SECURE_DRIVER))
  USEPKG := $(filter-out tinydtls,$(USEPKG))
  USEMODULE := $(filter-out tinydtls_sock_dtls,$(USEMODULE)) sock_dtls_secure_sock
else
  $(error SOCK_SECURE_DRIVER=$(SOCK_SECURE_DRIVER): mbedtls, tinydtls or wolfssl)
endif
