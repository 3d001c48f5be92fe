# SPDX-License-Identifier: EUPL-1.2
# doc: man pages, the admin and handläggare guides, the API and bundle formats.
dist_man_MANS += doc/mmprintd.8 doc/mmprintd.conf.5 doc/mmsimd.8 doc/mmctl.1 doc/mmctl.conf.5
mmprintdocdir = $(docdir)
dist_mmprintdoc_DATA = doc/admin-guide.md doc/handlaggare.md doc/utskriftsrum.md
EXTRA_DIST += doc/api.md doc/job-bundle.md doc/mmsimd-registry.example
