/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl subscribe QUEUE mmprint://SERVER[:PORT]/ and mmctl unsubscribe QUEUE:
 * the CUPS subscription that starts the mmprint notifier when a job ends,
 * so that a job cancelled in CUPS is cancelled on the server too (see
 * notifier/mmprint.c).
 *
 * The subscription is made on the server (printer-uri ipp://localhost/),
 * not on the queue, and names the queue in notify-user-data for the
 * notifier to filter on: cupsd before 2.4.12 (Debian 12 has 2.4.2) sends a
 * printer subscription no job-completed event for a job cancelled before it
 * started, which is exactly a held letter (OpenPrinting/cups#1209).  It
 * has no lease end (notify-lease-duration 0), so cupsd keeps it in
 * subscriptions.conf across restarts.  subscribe replaces any earlier
 * mmprint subscription for the queue, so running it again leaves exactly
 * one.  Run as root (cupsd's SystemGroup) by mmprint-queue install/remove;
 * the cupsd is the local one or $CUPS_SERVER. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cups/cups.h>

#include "client.h"
#include "mmctl.h"

#define MAX_SUBS 64

/* Also the limit of notify-user-data (63 octets), which carries it. */
static int queue_ok(const char *q)
{
    if (!*q || strlen(q) > 63)
        return 0;
    for (const char *p = q; *p; p++)
        if (!(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '_' &&
            *p != '-')
            return 0;
    return 1;
}

#define SERVER_URI "ipp://localhost/"

/* The ids of the mmprint subscriptions for queue (recipient mmprint:...,
 * user data the queue name); returns their number, or -1 (message printed). */
static int our_subscriptions(const char *queue, int *ids, int max)
{
    ipp_t *req = ippNewRequest(IPP_OP_GET_SUBSCRIPTIONS);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, SERVER_URI);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    ippAddBoolean(req, IPP_TAG_OPERATION, "my-subscriptions", 0);
    static const char *const want[] = {"notify-subscription-id", "notify-recipient-uri", "notify-user-data"};
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 3, NULL, want);
    ipp_t *resp = cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/");
    if (cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND && resp &&
        !ippFindAttribute(resp, "notify-subscription-id", IPP_TAG_INTEGER)) {
        ippDelete(resp); /* cupsd's answer when there are none */
        return 0;
    }
    if (!resp || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        fprintf(stderr, "mmctl: cannot list cupsd's subscriptions: %s\n", cupsLastErrorString());
        ippDelete(resp);
        return -1;
    }
    int n = 0, id = 0, mine = 0;
    const char *recipient = NULL;
    size_t qlen = strlen(queue);
    /* Each subscription is one group; a separator (no name) ends it. */
    for (ipp_attribute_t *a = ippFirstAttribute(resp);; a = ippNextAttribute(resp)) {
        if (!a || !ippGetName(a)) {
            if (id > 0 && mine && recipient && !strncmp(recipient, "mmprint:", 8) && n < max)
                ids[n++] = id;
            id = mine = 0;
            recipient = NULL;
            if (!a)
                break;
            continue;
        }
        if (ippGetGroupTag(a) != IPP_TAG_SUBSCRIPTION)
            continue;
        const char *name = ippGetName(a);
        if (!strcmp(name, "notify-subscription-id")) {
            id = ippGetInteger(a, 0);
        } else if (!strcmp(name, "notify-recipient-uri")) {
            recipient = ippGetString(a, 0, NULL);
        } else if (!strcmp(name, "notify-user-data")) {
            int len = 0;
            const void *data = ippGetOctetString(a, 0, &len);
            mine = data && (size_t)len == qlen && !memcmp(data, queue, qlen);
        }
    }
    ippDelete(resp);
    return n;
}

static int cancel_subscription(int id)
{
    ipp_t *req = ippNewRequest(IPP_OP_CANCEL_SUBSCRIPTION);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, SERVER_URI);
    ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "notify-subscription-id", id);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    ippDelete(cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/"));
    if (cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        fprintf(stderr, "mmctl: cannot cancel subscription %d: %s\n", id, cupsLastErrorString());
        return -1;
    }
    return 0;
}

static int remove_ours(const char *queue, int *removed)
{
    int ids[MAX_SUBS];
    int n = our_subscriptions(queue, ids, MAX_SUBS);
    *removed = 0;
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (cancel_subscription(ids[i]))
            return -1;
        (*removed)++;
    }
    return 0;
}

/* A subscription for a queue that does not exist would never fire: 0 when
 * cupsd knows queue, -1 with its answer said. */
static int queue_exists(const char *queue)
{
    char printer_uri[256];
    snprintf(printer_uri, sizeof printer_uri, "ipp://localhost/printers/%s", queue);
    ipp_t *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, printer_uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", NULL, "printer-name");
    ippDelete(cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/"));
    if (cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        fprintf(stderr, "mmctl subscribe: no queue %s in cupsd: %s\n", queue, cupsLastErrorString());
        return -1;
    }
    return 0;
}

/* Creates the server-wide job-completed subscription for queue and says
 * its id (removed: whether it replaced an earlier one).  0, or -1 with
 * cupsd's refusal said. */
static int add_subscription(const char *queue, const char *recipient, int removed)
{
    ipp_t *req = ippNewRequest(IPP_OP_CREATE_PRINTER_SUBSCRIPTIONS);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, SERVER_URI);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    ippAddString(req, IPP_TAG_SUBSCRIPTION, IPP_TAG_URI, "notify-recipient-uri", NULL, recipient);
    /* job-completed also reports canceled and aborted jobs (job-state says which). */
    ippAddString(req, IPP_TAG_SUBSCRIPTION, IPP_TAG_KEYWORD, "notify-events", NULL, "job-completed");
    /* 0: never expires (cupsd's default lease is a day). */
    ippAddInteger(req, IPP_TAG_SUBSCRIPTION, IPP_TAG_INTEGER, "notify-lease-duration", 0);
    /* The notifier's argv[2]: which queue's jobs it reports. */
    ippAddOctetString(req, IPP_TAG_SUBSCRIPTION, "notify-user-data", queue, (int)strlen(queue));
    ipp_t *resp = cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/");
    ipp_attribute_t *id = resp ? ippFindAttribute(resp, "notify-subscription-id", IPP_TAG_INTEGER) : NULL;
    if (!resp || cupsLastError() > IPP_STATUS_OK_CONFLICTING || !id) {
        ipp_attribute_t *code = resp ? ippFindAttribute(resp, "notify-status-code", IPP_TAG_ENUM) : NULL;
        fprintf(stderr, "mmctl subscribe: cupsd refused the subscription for %s: %s%s%s\n", queue,
                cupsLastErrorString(), code ? "; " : "",
                code ? ippEnumString("notify-status-code", ippGetInteger(code, 0)) : "");
        if (code && ippGetInteger(code, 0) == IPP_STATUS_ERROR_URI_SCHEME)
            fprintf(stderr, "mmctl subscribe: the mmprint notifier is not installed in cupsd's "
                            "ServerBin/notifier directory\n");
        ippDelete(resp);
        return -1;
    }
    printf("subscription %d: jobs ending on %s are reported to %s%s\n", ippGetInteger(id, 0), queue, recipient,
           removed ? " (replaced the earlier one)" : "");
    ippDelete(resp);
    return 0;
}

/* One exit path: rc (0, 1 cupsd refused, 2 bad arguments) is set before
 * each jump to out. */
int mmctl_cmd_subscribe(int argc, char **argv)
{
    int rc = 2, removed = 0;
    char base[400];
    mm_error err;
    mm_error_clear(&err);

    if (argc != 3) {
        fprintf(stderr, "usage: mmctl subscribe QUEUE mmprint://SERVER[:PORT]/\n");
        rc = 2;
        goto out;
    }
    const char *queue = argv[1], *recipient = argv[2];
    if (!queue_ok(queue)) {
        fprintf(stderr, "mmctl subscribe: '%s' is not a queue name\n", queue);
        rc = 2;
        goto out;
    }
    if (mm_client_base_url(recipient, base, sizeof base, &err)) {
        fprintf(stderr, "mmctl subscribe: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    if (queue_exists(queue) || remove_ours(queue, &removed) || add_subscription(queue, recipient, removed)) {
        rc = 1;
        goto out;
    }
    rc = 0;

out:
    return rc;
}

/* One exit path, as subscribe. */
int mmctl_cmd_unsubscribe(int argc, char **argv)
{
    int rc = 2, removed = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: mmctl unsubscribe QUEUE\n");
        rc = 2;
        goto out;
    }
    if (!queue_ok(argv[1])) {
        fprintf(stderr, "mmctl unsubscribe: '%s' is not a queue name\n", argv[1]);
        rc = 2;
        goto out;
    }
    if (remove_ours(argv[1], &removed)) {
        rc = 1;
        goto out;
    }
    printf("%d mmprint subscription%s of %s cancelled\n", removed, removed == 1 ? "" : "s", argv[1]);
    rc = 0;

out:
    return rc;
}
