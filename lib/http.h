/* HTTPS client over libcurl: the organisation certificate as TLS client
 * certificate, server certificates verified against a CA bundle, timeouts,
 * and one kept-alive connection pool per handle (one handle per thread). */
#ifndef MM_HTTP_H
#define MM_HTTP_H

#include "buf.h"
#include "error.h"

typedef struct {
    const char *cert_file;     /* client certificate (PEM), NULL for none */
    const char *key_file;      /* its private key (PEM) */
    const char *ca_file;       /* CA bundle for the server's certificate */
    long connect_timeout_ms;   /* 0 = 5000 */
    long timeout_ms;           /* whole request, 0 = 30000 */
    size_t max_response;       /* bytes, 0 = 16 MiB */
} mm_http_config;

typedef struct mm_http mm_http;

/* Call once per process before threads start (curl_global_init). */
int mm_http_global_init(mm_error *err);

mm_http *mm_http_new(const mm_http_config *cfg, mm_error *err);
void mm_http_free(mm_http *h);

/* Sends a request (method "GET"/"POST"; body may be NULL).  extra_headers is a
 * NULL-terminated list of "Name: value" or NULL.  Any HTTP status is a
 * success of the transfer: *status gets it and resp the body.  Connection,
 * TLS and timeout failures return -1 with MM_ERR_TRANSPORT. */
int mm_http_request(mm_http *h, const char *method, const char *url, const char *content_type,
                    const char *body, size_t body_len, const char *const *extra_headers,
                    long *status, mm_buf *resp, mm_error *err);

#endif
