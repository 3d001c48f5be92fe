# SPDX-License-Identifier: EUPL-1.2
# backend: the CUPS backend mmprint (device URI mmprint://server[:port]/).
cupsbackenddir = $(CUPS_SERVERBIN)/backend
cupsbackend_PROGRAMS = backend/mmprint
backend_mmprint_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
backend_mmprint_SOURCES = backend/mmprint.c
# client (libcurl, jansson), libcups for the backend API.
backend_mmprint_LDADD = $(MM_LIB) $(CURL_LIBS) $(JANSSON_LIBS) $(CUPS_LIBS)

# Root-only is the supported mode (doc/admin-guide.md): CUPS runs a backend
# without the world-execute bit as root, so only root needs to read the
# client key.  The chown needs root; a staged (DESTDIR) install as another
# user leaves it to the package.  A data hook: automake installs programs of
# a directory not named *exec* with the data.
install-data-hook: install-backend-root-only
install-backend-root-only:
	chmod 0700 "$(DESTDIR)$(cupsbackenddir)/mmprint$(EXEEXT)"
	-chown root:root "$(DESTDIR)$(cupsbackenddir)/mmprint$(EXEEXT)" 2>/dev/null
.PHONY: install-backend-root-only
