/* SPDX-License-Identifier: EUPL-1.2 */
/* The portal's own static files (/static/NAME from web_assets: the style
 * sheet and the one small script, installed from web/ by make install):
 * names of one path segment with a known type only, cached long (pages
 * refer to them with ?v=VERSION). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "web.h"

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
    {".ico", "image/x-icon"},
};

enum MHD_Result srv_web_get_static(srv_web_req *rq, const char *name)
{
    const char *type = NULL;
    size_t n = strlen(name);
    /* No "..", no hidden file, nothing but a plain name. */
    if (n && n < 100 && name[0] != '.' && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n &&
        !strstr(name, ".."))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            size_t e = strlen(types[i].ext);
            if (n > e && !strcmp(name + n - e, types[i].ext))
                type = types[i].type;
        }
    char path[1200];
    int fd = -1;
    struct stat sb;
    if (type && (size_t)snprintf(path, sizeof path, "%s/%s", rq->s->conf.web_assets, name) < sizeof path)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0 && (fstat(fd, &sb) || !S_ISREG(sb.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        return srv_web_message(rq, 404, "Sidan finns inte", srv_sv(SRV_SV_WEB_NOT_FOUND));
    /* MHD reads the file and closes fd with the response. */
    struct MHD_Response *resp = MHD_create_response_from_fd((size_t)sb.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    return srv_web_send(rq->conn, 200, resp, 1);
}
