# What both examples' Makefiles share: the transport.
# SOCK_SECURE_EXAMPLE_TLS=1: TLS 1.2 over TCP (module sock_secure_tcp: RIOT's sock_tcp, on GNRC
# its gnrc_tcp) instead of DTLS 1.2 over UDP (module sock_secure_udp)
SOCK_SECURE_EXAMPLE_TLS ?= 0
ifeq (1,$(SOCK_SECURE_EXAMPLE_TLS))
  USEMODULE += sock_secure_tcp
  CFLAGS += -DSOCK_SECURE_EXAMPLE_TLS=1
  # gnrc_tcp's close blocks through TIME_WAIT (2 MSL) after an active close: 2 s, not 60 s
  CFLAGS += -DCONFIG_GNRC_TCP_MSL_MS=1000
else
  USEMODULE += sock_secure_udp
endif
