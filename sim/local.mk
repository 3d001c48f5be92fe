# SPDX-License-Identifier: EUPL-1.2
# sim: mmsimd, the simulator of FaR and mailbox operators (sim/mmsimd.c is
# the daemon; sim_*.c its parts).  A daemon: sbin, mmsimd(8).
sbin_PROGRAMS += sim/mmsimd
sim_mmsimd_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS)
sim_mmsimd_SOURCES = sim/mmsimd.c sim/sim.h sim/sim_config.c \
	sim/sim_request.h sim/sim_soap.c sim/sim_reply.c sim/sim_inject.c sim/sim_far.c sim/sim_operator.c sim/sim_profile.c sim/sim_xmlsec.c sim/sim_inbox.c
sim_mmsimd_LDADD = $(MM_LIB) $(MM_SIGN_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) -lpthread
