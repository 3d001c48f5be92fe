#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"

#define MAX_REPLY (256u * 1024u)

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* The backend's and notifier's keys (backend.conf, mmctl.conf(5)'s
 * "client" file); timeouts are written in seconds and kept in ms. */
static const mm_config_key client_keys[] = {
    {"cert", MM_CONFIG_TEXT, offsetof(mm_client_conf, cert), sizeof((mm_client_conf *)0)->cert, NULL, 0, 0, 0,
     MM_CONFIG_REQUIRED},
    {"key", MM_CONFIG_TEXT, offsetof(mm_client_conf, key), sizeof((mm_client_conf *)0)->key, NULL, 0, 0, 0,
     MM_CONFIG_REQUIRED},
    {"ca", MM_CONFIG_TEXT, offsetof(mm_client_conf, ca), sizeof((mm_client_conf *)0)->ca, NULL, 0, 0, 0,
     MM_CONFIG_REQUIRED},
    {"connect_timeout", MM_CONFIG_LONG, offsetof(mm_client_conf, connect_timeout_ms), 0, "5", 1, 3600, 1000, 0},
    {"timeout", MM_CONFIG_LONG, offsetof(mm_client_conf, timeout_ms), 0, "120", 1, 3600, 1000, 0},
};

int mm_client_conf_load(const char *path, mm_client_conf *conf, mm_error *err)
{
    memset(conf, 0, sizeof *conf);
    return mm_config_load_table(path, client_keys, sizeof client_keys / sizeof client_keys[0], conf, NULL, err);
}

static int id_is_named(uid_t uid, gid_t gid, int is_group, const char *name)
{
    if (is_group) {
        struct group *g = getgrnam(name);
        return g && g->gr_gid == gid;
    }
    struct passwd *p = getpwnam(name);
    return p && p->pw_uid == uid;
}

int mm_client_check_key(const char *path, mm_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot read key %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return mm_error_set(err, MM_ERR_INPUT, 0, "key %s is not a regular file", path);
    if (st.st_mode & (S_IROTH | S_IWOTH))
        return mm_error_set(err, MM_ERR_INPUT, 0, "key %s is accessible by others (mode %03o); chmod 600 or 640 root:lp",
                            path, (unsigned)(st.st_mode & 0777));
    if ((st.st_mode & (S_IRGRP | S_IWGRP)) && st.st_gid != 0 && !id_is_named(0, st.st_gid, 1, "lp"))
        return mm_error_set(err, MM_ERR_INPUT, 0, "key %s is group-accessible by a group other than root or lp (mode %03o)",
                            path, (unsigned)(st.st_mode & 0777));
    if (st.st_mode & S_IWGRP)
        return mm_error_set(err, MM_ERR_INPUT, 0, "key %s is group-writable (mode %03o)", path,
                            (unsigned)(st.st_mode & 0777));
    if (st.st_uid != 0 && st.st_uid != geteuid() && !id_is_named(st.st_uid, 0, 0, "lp"))
        return mm_error_set(err, MM_ERR_INPUT, 0, "key %s is owned by uid %u, not root or lp", path,
                            (unsigned)st.st_uid);
    return 0;
}

int mm_client_base_url(const char *uri, char *out, size_t out_size, mm_error *err)
{
    static const char scheme[] = "mmprint://";
    if (!uri || strncmp(uri, scheme, sizeof scheme - 1) != 0)
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI must start with %s", scheme);
    const char *host = uri + sizeof scheme - 1;
    size_t hl = strcspn(host, "/?#");
    const char *rest = host + hl;
    if (*rest == '?' || *rest == '#' || (*rest == '/' && rest[1] != '\0'))
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI must be mmprint://host[:port]/");
    if (hl == 0 || hl > 255)
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI has no usable host");
    char hp[256];
    memcpy(hp, host, hl);
    hp[hl] = '\0';
    if (strchr(hp, '@'))
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI must not carry credentials");
    /* Split host and port, keeping [v6] literals whole. */
    char *port = NULL;
    if (hp[0] == '[') {
        char *close = strchr(hp, ']');
        if (!close || (close[1] != '\0' && close[1] != ':'))
            return mm_error_set(err, MM_ERR_INPUT, 0, "device URI has a malformed IPv6 address");
        if (close[1] == ':')
            port = close + 1;
    } else {
        port = strchr(hp, ':');
    }
    long portno = MM_CLIENT_DEFAULT_PORT;
    if (port) {
        *port++ = '\0';
        char *end = NULL;
        errno = 0;
        portno = strtol(port, &end, 10);
        if (errno || end == port || *end || portno < 1 || portno > 65535)
            return mm_error_set(err, MM_ERR_INPUT, 0, "device URI has a bad port");
    }
    for (const char *p = hp; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-[]:_", *p))
            return mm_error_set(err, MM_ERR_INPUT, 0, "device URI host has a bad character");
    if (hp[0] == '\0')
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI has no host");
    int n = snprintf(out, out_size, "https://%s:%ld", hp, portno);
    if (n < 0 || (size_t)n >= out_size)
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI too long");
    return 0;
}

static void json_str(json_t *o, const char *key, char *dst, size_t size)
{
    json_t *v = json_object_get(o, key);
    copy_str(dst, size, json_is_string(v) ? json_string_value(v) : "");
}

void mm_client_parse_reply(long status, const char *body, size_t len, mm_client_reply *r)
{
    memset(r, 0, sizeof *r);
    r->status = status;
    json_t *o = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        return;
    }
    json_str(o, "id", r->id, sizeof r->id);
    json_str(o, "state", r->state, sizeof r->state);
    json_str(o, "channel", r->channel, sizeof r->channel);
    json_str(o, "operator", r->operator_name, sizeof r->operator_name);
    json_str(o, "printer", r->printer, sizeof r->printer);
    json_str(o, "message", r->message, sizeof r->message);
    json_str(o, "error", r->error, sizeof r->error);
    json_t *p = json_object_get(o, "pages");
    if (json_is_integer(p) && json_integer_value(p) > 0 && json_integer_value(p) < 1000000)
        r->pages = (int)json_integer_value(p);
    /* Server text goes into CUPS logs and job attributes: no line breaks. */
    for (char *c = r->message; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    json_decref(o);
}

mm_client_action mm_client_classify(const mm_client_reply *r)
{
    long s = r->status;
    if (s == 200 || s == 201) {
        static const char *const done[] = {"delivered", "printed", "queued", "sending", "printing"};
        for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
            if (!strcmp(r->state, done[i]))
                return MM_CLIENT_DONE;
        if (!strcmp(r->state, "needs-recipient"))
            return MM_CLIENT_HOLD;
        if (!strcmp(r->state, "returned") || !strcmp(r->state, "failed") || !strcmp(r->state, "cancelled") ||
            !strcmp(r->state, "expired"))
            return MM_CLIENT_CANCEL;
        /* An answer we do not understand: asking again is safe (idempotent). */
        return MM_CLIENT_RETRY;
    }
    if (s == 401 || s == 403)
        return MM_CLIENT_STOP;
    if (s == 408 || s == 429 || s >= 500 || s < 400)
        return MM_CLIENT_RETRY;
    return MM_CLIENT_CANCEL;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    mm_buf *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n > MAX_REPLY || mm_buf_append(b, ptr, n) != 0)
        return 0; /* makes curl fail the transfer */
    return n;
}

static int on_progress(void *clientp, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    const volatile sig_atomic_t *flag = clientp;
    return flag && *flag ? 1 : 0;
}

/* One HTTPS POST with the client certificate; any HTTP answer fills r and
 * returns 0, transport failures and an abort return -1 (MM_ERR_TRANSPORT). */
static int post(const mm_client_conf *conf, const char *url, const char *content_type, const void *data,
                size_t len, const char *idem_key, const volatile sig_atomic_t *abort_flag, mm_client_reply *r,
                mm_error *err)
{
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    if (!c)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "curl_easy_init failed");
    struct curl_slist *hdr = NULL;
    char ctype[128], idem[300];
    snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
    hdr = curl_slist_append(hdr, ctype);
    hdr = curl_slist_append(hdr, "Accept: application/json");
    hdr = curl_slist_append(hdr, "Expect:");
    if (idem_key && *idem_key) {
        snprintf(idem, sizeof idem, "Idempotency-Key: %s", idem_key);
        hdr = curl_slist_append(hdr, idem);
    }
    mm_buf body = MM_BUF_INIT;
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_SSLCERT, conf->cert);
    curl_easy_setopt(c, CURLOPT_SSLKEY, conf->key);
    curl_easy_setopt(c, CURLOPT_CAINFO, conf->ca);
    curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, conf->timeout_ms > 0 ? conf->timeout_ms : 120000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)abort_flag);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(c);
    int rc = 0;
    if (cc != CURLE_OK) {
        if (cc == CURLE_ABORTED_BY_CALLBACK)
            rc = mm_error_set(err, MM_ERR_TRANSPORT, 0, "transfer aborted");
        else
            rc = mm_error_set(err, MM_ERR_TRANSPORT, (int)cc, "%s: %s", url,
                              errbuf[0] ? errbuf : curl_easy_strerror(cc));
    } else {
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        mm_client_parse_reply(status, body.data, body.len, r);
    }
    mm_buf_free(&body);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return rc;
}

int mm_client_submit(const mm_client_conf *conf, const char *base_url, const unsigned char *bundle,
                     size_t len, const char *idem_key, const volatile sig_atomic_t *abort_flag,
                     mm_client_reply *r, mm_error *err)
{
    memset(r, 0, sizeof *r);
    char url[600];
    if ((size_t)snprintf(url, sizeof url, "%s/api/v1/jobs", base_url) >= sizeof url)
        return mm_error_set(err, MM_ERR_INPUT, 0, "server URL too long");
    return post(conf, url, "application/vnd.mmprint-job", bundle, len, idem_key, abort_flag, r, err);
}

int mm_client_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)key[i]) && !strchr("-_.:", key[i]))
            return 0;
    return 1;
}

int mm_client_cancel_by_key(const mm_client_conf *conf, const char *base_url, const char *idem_key,
                            const volatile sig_atomic_t *abort_flag, mm_client_reply *r, mm_error *err)
{
    memset(r, 0, sizeof *r);
    if (!mm_client_key_valid(idem_key))
        return mm_error_set(err, MM_ERR_INPUT, 0, "not a usable job key");
    char url[800];
    if ((size_t)snprintf(url, sizeof url, "%s/api/v1/jobs/by-key/%s/cancel", base_url, idem_key) >= sizeof url)
        return mm_error_set(err, MM_ERR_INPUT, 0, "server URL too long");
    return post(conf, url, "application/json", "{}", 2, NULL, abort_flag, r, err);
}

/* Masks digit runs of length 10 or 12 (one '-' or '+' allowed before the
 * last four digits) that are not part of a longer run of digits. */
void mm_client_mask(char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        if (!isdigit((unsigned char)text[i]) || (i > 0 && isdigit((unsigned char)text[i - 1]))) {
            i++;
            continue;
        }
        size_t j = i, digits = 0, sep = 0;
        size_t pos[14];
        while (j < n && digits < 13) {
            if (isdigit((unsigned char)text[j])) {
                pos[digits++] = j;
            } else if ((text[j] == '-' || text[j] == '+') && !sep && (digits == 6 || digits == 8) &&
                       j + 1 < n && isdigit((unsigned char)text[j + 1])) {
                sep = 1;
            } else {
                break;
            }
            j++;
        }
        /* Organisation numbers are public and stay, as in mm_log_mask_text:
         * 16 + ten digits, or "month" digits of 20 or more (spec §1.3). */
        int org = 0;
        if (digits == 10 || digits == 12) {
            size_t m = digits - 10 + 2;
            org = (digits == 12 && text[pos[0]] == '1' && text[pos[1]] == '6') ||
                  (text[pos[m]] - '0') * 10 + (text[pos[m + 1]] - '0') >= 20;
        }
        if ((digits == 10 || digits == 12) && !org && (j >= n || !isdigit((unsigned char)text[j])))
            for (size_t k = digits - 4; k < digits; k++)
                text[pos[k]] = '*';
        i = j > i ? j : i + 1;
    }
}
