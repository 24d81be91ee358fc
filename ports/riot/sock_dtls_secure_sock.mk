# Build a RIOT application written for tinyDTLS's sock_dtls on secure_sock's sock_dtls instead,
# without touching it:
#   make -C <app> RIOT_MAKEFILES_GLOBAL_PRE=<secure_sock>/ports/riot/sock_dtls_secure_sock.mk ...
# RIOT includes this file at the top of its Makefile.include, after the application's Makefile:
# it drops `USEPKG += tinydtls` and selects the module sock_dtls_secure_sock. (An application of
# one's own says `EXTERNAL_MODULE_DIRS += <secure_sock>/ports/riot` and
# `USEMODULE += sock_dtls_secure_sock` instead of `USEPKG += tinydtls`.)
SOCK_DTLS_SECURE_SOCK_PORT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
EXTERNAL_MODULE_DIRS += $(SOCK_DTLS_SECURE_SOCK_PORT)
USEPKG := $(filter-out tinydtls,$(USEPKG))
USEMODULE := $(filter-out tinydtls_sock_dtls,$(USEMODULE)) sock_dtls_secure_sock
