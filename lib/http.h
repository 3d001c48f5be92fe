/* SPDX-License-Identifier: EUPL-1.2 */
/* HTTPS client over libcurl, the one place that drives libcurl: a client
 * certificate (the organisation's, or a workstation's), server
 * certificates verified against a CA bundle, timeouts, size limits, an
 * abort flag, and one kept-alive connection per handle (one handle per
 * thread). */
#ifndef MM_HTTP_H
#define MM_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

typedef struct {
    const char *cert_file;     /* client certificate (PEM), NULL for none */
    const char *key_file;      /* its private key (PEM) */
    const char *ca_file;       /* CA bundle for the server's certificate */
    long connect_timeout_ms;   /* 0 = 5000 */
    long timeout_ms;           /* whole request, 0 = 30000 */
    size_t max_response;       /* bytes, 0 = 16 MiB */
    /* A transfer in progress stops (MM_ERR_TRANSPORT, "transfer aborted")
     * once *abort_flag is set, e.g. by a SIGTERM handler; NULL: never. */
    const volatile sig_atomic_t *abort_flag;
    int https_only;            /* refuse plain http:// URLs */
    int ca_file_only;          /* trust ca_file alone, not also the system's CA directory */
} mm_http_config;

typedef struct mm_http mm_http;

/* 1 when url is an https:// URL with a host (scheme in any case), the one
 * form FaR and mailbox-operator addresses may take: letters and envelopes
 * never travel in clear. */
int mm_http_url_is_https(const char *url);

/* Call once per process before threads start (curl_global_init). */
int mm_http_global_init(mm_error *err);

/* A handle for one thread; the strings in cfg are copied, the abort flag
 * is used in place (it must outlive the handle).  Unreadable certificate,
 * key or CA files are refused here.  Free with mm_http_free (NULL is fine). */
mm_http *mm_http_new(const mm_http_config *cfg, mm_error *err);
void mm_http_free(mm_http *h);

/* Sends a request (method "GET"/"POST"; body may be NULL; nothing is kept
 * after the call).  extra_headers is a NULL-terminated list of
 * "Name: value" or NULL.  Any HTTP status is a success of the transfer:
 * *status gets it and resp (the caller's, emptied first) the body.
 * Connection, TLS and timeout failures and an abort return -1 with
 * MM_ERR_TRANSPORT; a body over max_response -1 with MM_ERR_PROTOCOL. */
int mm_http_request(mm_http *h, const char *method, const char *url, const char *content_type,
                    const char *body, size_t body_len, const char *const *extra_headers,
                    long *status, mm_buf *resp, mm_error *err);

/* Fills buf with up to size bytes of a streamed body: the count (0 only
 * at the end of the body), or -1 to abort the transfer (MM_ERR_TRANSPORT). */
typedef long (*mm_http_reader)(void *ctx, char *buf, size_t size);

/* A POST whose body of exactly body_len bytes comes from read(ctx, ...) in
 * chunks as libcurl asks for them, so a body of any size is never held in
 * memory here.  Otherwise as mm_http_request: any HTTP status is a success
 * (an answer the server gives before it read the whole body, a 413 say,
 * included).  A body shorter than body_len is a transport failure. */
int mm_http_post_stream(mm_http *h, const char *url, const char *content_type, mm_http_reader read, void *ctx,
                        unsigned long long body_len, const char *const *extra_headers, long *status, mm_buf *resp,
                        mm_error *err);

#endif
