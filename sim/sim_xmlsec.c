/* SPDX-License-Identifier: EUPL-1.2 */
/* --verify-with=xmlsec1: each signature of a deliverSecure checked by the
 * xmlsec1 command-line tool, on a prefix-free copy of the signed element
 * made here with libxml2's tree calls (spec/mina-meddelanden.md §4.3).
 * xmlsec1 parses and canonicalises that copy itself, so neither our
 * canonical-form writer (lib/c14n.c, which the signer shares) nor
 * lib/sigverify's rewrite takes part in the verdict. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libxml/tree.h>
#include "base64.h"
#include "ns.h"
#include "sim_request.h"
#include "xmlutil.h"

/* xmlsec1 verifies one signature in milliseconds; a hung one is killed. */
#define SIM_XMLSEC1_TIMEOUT_MS 10000
#define SIM_XMLSEC1_ERR_MAX 4096

static atomic_ulong temp_serial;

/* Pass 1: keeps each element's namespace URI in _private (the
 * declarations go away in pass 2) and drops comments and PIs, which an
 * operator's unmarshalling never sees.  -1 for what the prefix-free form
 * cannot carry. */
static int note_namespaces(xmlNodePtr n, char *why, size_t cap)
{
    for (xmlNodePtr c = n->children, next; c; c = next) {
        next = c->next;
        if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_ELEMENT_NODE && note_namespaces(c, why, cap)) {
            return -1;
        }
    }
    if (!n->ns) {
        snprintf(why, cap, "element %.60s has no namespace", (const char *)n->name);
        return -1;
    }
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (a->ns) {
            snprintf(why, cap, "namespaced attribute %.60s is outside the signature profile", (const char *)a->name);
            return -1;
        }
    n->_private = xmlStrdup(n->ns->href);
    return n->_private ? 0 : (snprintf(why, cap, "out of memory"), -1);
}

/* Pass 2, top down: every prefix declaration removed, the namespace
 * declared as the default where it differs from the parent's. */
static int set_default_namespaces(xmlNodePtr n, xmlNsPtr parent_ns)
{
    xmlChar *href = n->_private;
    n->_private = NULL;
    xmlFreeNsList(n->nsDef);
    n->nsDef = NULL;
    int rc = 0;
    if (parent_ns && xmlStrEqual(parent_ns->href, href))
        n->ns = parent_ns;
    else if (!(n->ns = xmlNewNs(n, href, NULL)))
        rc = -1;
    xmlFree(href);
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && set_default_namespaces(c, n->ns))
            rc = -1;
    return rc;
}

static void free_notes(xmlNodePtr n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE) {
            xmlFree(n->_private);
            n->_private = NULL;
            free_notes(n->children);
        }
}

/* The signed element as the standalone document its signer signed: root
 * renamed to {Message/v3}root_name, no prefixes.  NULL with why. */
static xmlDocPtr prefix_free_copy(xmlNodePtr el, const char *root_name, char *why, size_t cap)
{
    xmlDocPtr nd = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = nd ? xmlDocCopyNode(el, nd, 1) : NULL;
    if (!root) {
        xmlFreeDoc(nd);
        snprintf(why, cap, "out of memory copying %s", root_name);
        return NULL;
    }
    xmlDocSetRootElement(nd, root);
    xmlNodeSetName(root, BAD_CAST root_name);
    int rc = note_namespaces(root, why, cap);
    if (rc == 0) {
        xmlFree(root->_private);
        root->_private = xmlStrdup(BAD_CAST MM_NS_M3);
        rc = root->_private && set_default_namespaces(root, NULL) == 0 ? 0 : -1;
        if (rc)
            snprintf(why, cap, "out of memory rewriting %s", root_name);
    }
    if (rc) {
        free_notes(root);
        xmlFreeDoc(nd);
        return NULL;
    }
    return nd;
}

/* Creates dir/SERIAL-what exclusively (never follows or reuses a name)
 * and writes data; the path goes to path.  0, or -1 with why. */
static int write_temp(const char *dir, const char *what, const void *data, size_t len, char *path, size_t pcap,
                      char *why, size_t cap)
{
    snprintf(path, pcap, "%s/%lu-%s", dir, (unsigned long)atomic_fetch_add(&temp_serial, 1), what);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, cap, "cannot create %s: %s", path, strerror(errno));
        path[0] = '\0';
        return -1;
    }
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(why, cap, "cannot write %s: %s", path, w < 0 ? strerror(errno) : "short write");
            close(fd);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    if (close(fd)) {
        snprintf(why, cap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* xmlsec1's own words for a failure: the text after "error=N:" of its
 * last error line ("invalid data:data and digest do not match"), else its
 * last line. */
static void xmlsec1_reason(const char *err_path, char *out, size_t cap)
{
    char buf[SIM_XMLSEC1_ERR_MAX + 1];
    int fd = open(err_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, SIM_XMLSEC1_ERR_MAX) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *pick = NULL, *last = NULL;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        last = line;
        if (strstr(line, "error="))
            pick = line;
    }
    const char *r = pick ? strchr(strstr(pick, "error="), ':') : NULL;
    snprintf(out, cap, "%s", r ? r + 1 : last ? last : "no message");
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' '; /* it goes into a SOAP fault */
}

/* Runs argv (no shell) with stdout and stderr into err_path, nothing else
 * inherited, a fixed environment; killed after the timeout.  Returns the
 * exit status, or -1 with why when it could not run or finish. */
static int run_tool(char *const argv[], const char *err_path, char *why, size_t cap)
{
    static char *const envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, deflt;
    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGPIPE);
    sigaddset(&deflt, SIGTERM);
    sigaddset(&deflt, SIGINT);
    sigaddset(&deflt, SIGHUP);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &deflt);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int e = posix_spawn(&pid, argv[0], &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (e) {
        snprintf(why, cap, "cannot run %s: %s", argv[0], strerror(e));
        return -1;
    }
    int status = 0, waited = 0;
    struct timespec tick = {0, 2000000};
    for (long ms = 0; !waited; ms += 2) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            waited = 1;
        else if (r < 0 && errno != EINTR)
            break;
        else if (ms >= SIM_XMLSEC1_TIMEOUT_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(why, cap, "%s did not finish within %d ms", argv[0], SIM_XMLSEC1_TIMEOUT_MS);
            return -1;
        } else
            nanosleep(&tick, NULL);
    }
    if (!waited) {
        snprintf(why, cap, "cannot wait for %s: %s", argv[0], strerror(errno));
        return -1;
    }
    if (!WIFEXITED(status)) {
        snprintf(why, cap, "%s was stopped by signal %d", argv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        return -1;
    }
    return WEXITSTATUS(status);
}

/* The signer's certificate from the Signature's KeyInfo (sim_profile_check
 * has made sure there is exactly one), DER, malloc'd; NULL when not base64. */
static unsigned char *keyinfo_cert(xmlNodePtr sig, size_t *len)
{
    xmlNodePtr ki = mm_xml_child(sig, MM_NS_DS, "KeyInfo");
    xmlNodePtr xd = ki ? mm_xml_child(ki, MM_NS_DS, "X509Data") : NULL;
    char *b64 = xd ? mm_xml_child_text(xd, MM_NS_DS, "X509Certificate") : NULL;
    unsigned char *der = b64 ? mm_base64_decode(b64, strlen(b64), len) : NULL;
    free(b64);
    return der;
}

int sim_xmlsec1_verify(const sim_state *st, xmlNodePtr el, const char *root_name, char *why, size_t cap)
{
    size_t cert_len = 0;
    unsigned char *cert_der = keyinfo_cert(xmlLastElementChild(el), &cert_len);
    if (!cert_der || !cert_len) {
        free(cert_der);
        snprintf(why, cap, "no readable X509Certificate in KeyInfo");
        return 1;
    }
    xmlDocPtr nd = prefix_free_copy(el, root_name, why, cap);
    if (!nd) {
        free(cert_der);
        return 1;
    }
    xmlChar *mem = NULL;
    int mlen = 0;
    xmlDocDumpMemoryEnc(nd, &mem, &mlen, "UTF-8");
    xmlFreeDoc(nd);
    char doc_path[4200] = "", cert_path[4200] = "", err_path[4200] = "";
    int rc = -1;
    if (!mem || mlen <= 0)
        snprintf(why, cap, "out of memory writing %s", root_name);
    else if (write_temp(st->tmpdir, "signed.xml", mem, (size_t)mlen, doc_path, sizeof doc_path, why, cap) == 0 &&
             write_temp(st->tmpdir, "signer.der", cert_der, cert_len, cert_path, sizeof cert_path, why, cap) == 0) {
        snprintf(err_path, sizeof err_path, "%s/%lu-xmlsec1.txt", st->tmpdir,
                 (unsigned long)atomic_fetch_add(&temp_serial, 1));
        /* The key is the certificate in KeyInfo, handed over as a file (its
         * chain is checked against --ca separately); xmlsec1 takes no key
         * from the document, no URI but "", and this one Signature: the
         * element's last child, not the first in document order (for the
         * seal that is the sender's). */
        char *const argv[] = {(char *)st->xmlsec1_path, "--verify", "--enabled-key-data", "rsa",
                              "--enabled-reference-uris", "empty", "--pubkey-cert-der", cert_path,
                              "--node-xpath",
                              "/*/*[last()][local-name()='Signature' and "
                              "namespace-uri()='http://www.w3.org/2000/09/xmldsig#']",
                              doc_path, NULL};
        int ex = run_tool(argv, err_path, why, cap);
        if (ex == 0)
            rc = 0;
        else if (ex > 0) {
            char reason[300];
            xmlsec1_reason(err_path, reason, sizeof reason);
            snprintf(why, cap, "xmlsec1 does not verify it (exit %d): %s", ex, reason);
            rc = 1;
        }
    }
    xmlFree(mem);
    free(cert_der);
    if (doc_path[0])
        unlink(doc_path);
    if (cert_path[0])
        unlink(cert_path);
    if (err_path[0])
        unlink(err_path);
    return rc;
}
