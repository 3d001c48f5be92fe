# SPDX-License-Identifier: EUPL-1.2
# web: the portal's style sheet and script, served by mmprintd under
# /static/ from web_assets (default this folder, server/local.mk's define).
webassetsdir = $(pkgdatadir)/web
dist_webassets_DATA = web/mmprint.css web/mmprint.js
# The held letter's live check (server/web_letters.c).
dist_webassets_DATA += web/letters.js
