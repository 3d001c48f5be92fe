# SPDX-License-Identifier: EUPL-1.2
# ppd: the queue's PPD, compiled from the .drv source with ppdc (cups-ppdc)
# at build time; tools/mmprint-queue installs a queue with it.
ppddir = $(datadir)/ppd/mmprint
ppd_DATA = ppd/mmprint.ppd
ppd/mmprint.ppd: $(srcdir)/ppd/mmprint.drv $(srcdir)/ppd/mmprint_sv.po
	$(AM_V_GEN)rm -rf ppd/.ppdc && $(MKDIR_P) ppd/.ppdc && \
	ppdc -l en,sv -d ppd/.ppdc $(srcdir)/ppd/mmprint.drv && \
	mv ppd/.ppdc/mmprint.ppd $@ && rm -rf ppd/.ppdc
CLEANFILES += ppd/mmprint.ppd
EXTRA_DIST += ppd/mmprint.drv ppd/mmprint_sv.po
