/* SPDX-License-Identifier: EUPL-1.2 */
/* HTTPS client over one libcurl easy handle per mm_http, so connections to
 * FaR and mailbox operators are kept alive and reused between requests. */
#include "http.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_RESPONSE ((size_t)16 * 1024 * 1024)
/* The client's side of mmprintd's tls_priorities: TLS 1.2 with AEAD
 * ciphers and forward secrecy only (OpenSSL's names), TLS 1.3's AEAD
 * suites.  No CBC, no static RSA key exchange. */
#define TLS12_CIPHERS "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:" \
                      "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"    \
                      "DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256"
#define TLS13_CIPHERS "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

struct mm_http {
    CURL *curl;
    int https_only;
    char *cert_file;
    char *key_file;
    char *ca_file;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response;
    char errbuf[CURL_ERROR_SIZE];
};

/* What the write callback needs for one transfer. */
typedef struct {
    mm_buf *out;
    size_t max;
    int too_large;
    int no_memory;
} sink;

int mm_http_url_is_https(const char *url)
{
    return url && !strncasecmp(url, "https://", 8) && url[8] && url[8] != '/' && url[8] != ':';
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init_once(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int mm_http_global_init(mm_error *err)
{
    pthread_once(&global_once, global_init_once);
    if (global_rc != CURLE_OK)
        return mm_error_set(err, MM_ERR_SYSTEM, (int)global_rc, "curl_global_init failed: %s",
                            curl_easy_strerror(global_rc));
    return 0;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb;
    if (n > s->max || s->out->len > s->max - n) {
        s->too_large = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (mm_buf_append(s->out, ptr, n) < 0) {
        s->no_memory = 1;
        return 0;
    }
    return n;
}

/* Progress callback: a non-zero return aborts with CURLE_ABORTED_BY_CALLBACK. */
static int on_progress(void *clientp, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    const volatile sig_atomic_t *flag = clientp;
    return *flag ? 1 : 0;
}

static char *dup_opt(const char *s, int *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = 1;
    return d;
}

void mm_http_free(mm_http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->cert_file);
    free(h->key_file);
    free(h->ca_file);
    free(h);
}

/* Any setopt failure means this libcurl cannot do what we promise. */
#define SETOPT(opt, val)                                                                          \
    do {                                                                                          \
        CURLcode rc_ = curl_easy_setopt(h->curl, opt, val);                                       \
        if (rc_ != CURLE_OK) {                                                                    \
            mm_error_set(err, MM_ERR_SYSTEM, (int)rc_, "curl option %s: %s", #opt,                \
                         curl_easy_strerror(rc_));                                                \
            mm_http_free(h);                                                                      \
            return NULL;                                                                          \
        }                                                                                         \
    } while (0)

mm_http *mm_http_new(const mm_http_config *cfg, mm_error *err)
{
    if (mm_http_global_init(err) < 0)
        return NULL;
    /* Catch unreadable files here with a clear message instead of an
     * opaque TLS failure on the first request. */
    const char *files[][2] = {{cfg->cert_file, "client certificate"},
                              {cfg->key_file, "client key"},
                              {cfg->ca_file, "CA bundle"}};
    for (size_t i = 0; i < 3; i++)
        if (files[i][0] && access(files[i][0], R_OK) != 0) {
            mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot read %s %s", files[i][1], files[i][0]);
            return NULL;
        }
    if (cfg->cert_file && !cfg->key_file) {
        mm_error_set(err, MM_ERR_INPUT, 0, "client certificate given without its key");
        return NULL;
    }

    mm_http *h = calloc(1, sizeof *h);
    if (!h) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        return NULL;
    }
    int fail = 0;
    h->cert_file = dup_opt(cfg->cert_file, &fail);
    h->key_file = dup_opt(cfg->key_file, &fail);
    h->ca_file = dup_opt(cfg->ca_file, &fail);
    h->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    h->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    h->max_response = cfg->max_response > 0 ? cfg->max_response : DEFAULT_MAX_RESPONSE;
    h->https_only = cfg->https_only;
    h->curl = fail ? NULL : curl_easy_init();
    if (!h->curl) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot create curl handle");
        mm_http_free(h);
        return NULL;
    }

    SETOPT(CURLOPT_ERRORBUFFER, h->errbuf);
    SETOPT(CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: thread-safe */
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
    SETOPT(CURLOPT_PROTOCOLS_STR, cfg->https_only ? "https" : "https,http");
#else
    SETOPT(CURLOPT_PROTOCOLS, (long)(cfg->https_only ? CURLPROTO_HTTPS : CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    SETOPT(CURLOPT_SSL_CIPHER_LIST, TLS12_CIPHERS);
    SETOPT(CURLOPT_TLS13_CIPHERS, TLS13_CIPHERS);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, h->timeout_ms);
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(CURLOPT_TCP_KEEPIDLE, 30L);
    SETOPT(CURLOPT_TCP_KEEPINTVL, 15L);
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_response);
    SETOPT(CURLOPT_WRITEFUNCTION, on_data);
    if (h->ca_file)
        SETOPT(CURLOPT_CAINFO, h->ca_file);
    if (h->ca_file && cfg->ca_file_only)
        SETOPT(CURLOPT_CAPATH, (char *)NULL);
    if (cfg->abort_flag) {
        SETOPT(CURLOPT_NOPROGRESS, 0L);
        SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
        SETOPT(CURLOPT_XFERINFODATA, (void *)cfg->abort_flag);
    }
    if (h->cert_file) {
        SETOPT(CURLOPT_SSLCERT, h->cert_file);
        SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
        SETOPT(CURLOPT_SSLKEY, h->key_file);
        SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
    }
    return h;
}

/* The streamed body's source for libcurl's read callback. */
typedef struct {
    mm_http_reader read;
    void *ctx;
    unsigned long long left;
    int failed;
} source;

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
    source *src = userdata;
    size_t want = size * nitems;
    if (want > src->left)
        want = (size_t)src->left;
    if (want == 0)
        return 0;
    long n = src->read(src->ctx, buf, want);
    /* Short of the announced length: the server must not take half a body. */
    if (n <= 0) {
        src->failed = 1;
        return CURL_READFUNC_ABORT;
    }
    src->left -= (unsigned long long)n;
    return (size_t)n;
}

static int request(mm_http *h, const char *method, const char *url, const char *content_type, const char *body,
                   size_t body_len, source *src, unsigned long long stream_len, const char *const *extra_headers,
                   long *status, mm_buf *resp, mm_error *err);

int mm_http_request(mm_http *h, const char *method, const char *url, const char *content_type,
                    const char *body, size_t body_len, const char *const *extra_headers,
                    long *status, mm_buf *resp, mm_error *err)
{
    return request(h, method, url, content_type, body, body_len, NULL, 0, extra_headers, status, resp, err);
}

int mm_http_post_stream(mm_http *h, const char *url, const char *content_type, mm_http_reader read, void *ctx,
                        unsigned long long body_len, const char *const *extra_headers, long *status, mm_buf *resp,
                        mm_error *err)
{
    source src = {read, ctx, body_len, 0};
    int rc = request(h, "POST", url, content_type, NULL, 0, &src, body_len, extra_headers, status, resp, err);
    if (src.failed) {
        mm_buf_reset(resp);
        return mm_error_set(err, MM_ERR_TRANSPORT, 0, "%s: the body to send could not be read", url);
    }
    return rc;
}

/* One transfer: body (in memory) or src (streamed, stream_len bytes). */
static int request(mm_http *h, const char *method, const char *url, const char *content_type, const char *body,
                   size_t body_len, source *src, unsigned long long stream_len, const char *const *extra_headers,
                   long *status, mm_buf *resp, mm_error *err)
{
    if (status)
        *status = 0;
    mm_buf_reset(resp);
    /* Said plainly here rather than as libcurl's "protocol disabled". */
    if (h->https_only && !mm_http_url_is_https(url))
        return mm_error_set(err, MM_ERR_INPUT, 0, "refusing %s: only https:// URLs are allowed", url);
    struct curl_slist *hdrs = NULL, *tmp;
    char line[256];
    int ok = 1;

    if (content_type && (body || src)) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        ok &= (tmp = curl_slist_append(hdrs, line)) != NULL;
        if (tmp)
            hdrs = tmp;
    }
    /* No "Expect: 100-continue" round trip for a body in memory.  A
     * streamed one (a batch of up to a GiB) asks for it, whatever its
     * size (curl asks only above 1 MiB): a server that
     * refuses it on its headers (413 on Content-Length) answers before any
     * of it is sent, where sending into a closed connection could lose
     * that answer to a broken send and look like a server that is down. */
    if (ok && (tmp = curl_slist_append(hdrs, src ? "Expect: 100-continue" : "Expect:")))
        hdrs = tmp;
    else
        ok = 0;
    for (size_t i = 0; ok && extra_headers && extra_headers[i]; i++) {
        if ((tmp = curl_slist_append(hdrs, extra_headers[i])))
            hdrs = tmp;
        else
            ok = 0;
    }
    if (!ok) {
        curl_slist_free_all(hdrs);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory building HTTP headers");
    }

    sink s = {resp, h->max_response, 0, 0};
    CURL *c = h->curl;
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    if (!strcmp(method, "GET")) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (src) {
        /* POST with POSTFIELDS NULL takes the body from the read callback. */
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)NULL);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, src);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)stream_len);
    } else {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
        if (strcmp(method, "POST"))
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }

    CURLcode rc = curl_easy_perform(c);
    /* Do not leave pointers into the caller's memory in the handle. */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, NULL);
    curl_easy_setopt(c, CURLOPT_READDATA, NULL);
    curl_slist_free_all(hdrs);

    if (s.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        mm_buf_reset(resp);
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "response from %s exceeds the limit of %zu bytes", url,
                            h->max_response);
    }
    if (s.no_memory) {
        mm_buf_reset(resp);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory reading response from %s", url);
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        mm_buf_reset(resp);
        return mm_error_set(err, MM_ERR_TRANSPORT, 0, "transfer aborted");
    }
    long early = 0;
    /* A server that refuses a streamed body (413) answers before it read it
     * all and may close the connection while we still send: its answer is
     * what counts, not the broken send. */
    if (src && !src->failed && (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR) &&
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &early) == CURLE_OK && early >= 400)
        rc = CURLE_OK;
    if (rc != CURLE_OK) {
        mm_buf_reset(resp);
        return mm_error_set(err, MM_ERR_TRANSPORT, (int)rc, "%s: %s", url,
                            h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (status)
        *status = code;
    if (!resp->data)
        mm_buf_append(resp, "", 0);
    return 0;
}
