/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprintd: the central signing server.  Reads one configuration file,
 * refuses unsafe keys and certificates, resumes unfinished jobs, and
 * serves the job API until SIGTERM. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "dsig.h"
#include "http.h"
#include "instance.h"
#include "log.h"
#include "mmprintd.h"
#include "pdfcheck.h"
#include "preview.h"
#include "batch.h"
#include "rate.h"
#include "sandbox.h"
#include "web.h"

/* Exit statuses (mmprintd(8)). */
enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_LOCKED = 3 };

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static void usage(FILE *f)
{
    fprintf(f, "usage: mmprintd [-c CONFIG] [-t] [-v]\n"
               "  -c CONFIG  configuration file (default " SYSCONFDIR "/mmprint/mmprintd.conf)\n"
               "  -t         check the configuration, certificates and keys, then exit\n"
               "  -v         verbose (debug) logging\n");
}

static int prepare_spool(const char *dir, mm_error *err)
{
    struct stat sb;
    if (mkdir(dir, 0700) && errno != EEXIST)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot create spool_dir %s: %s", dir, strerror(errno));
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "spool_dir %s is not a directory", dir);
    if (sb.st_uid != geteuid())
        return mm_error_set(err, MM_ERR_INPUT, 0, "spool_dir %s is not owned by the server's user", dir);
    if ((sb.st_mode & 077) && chmod(dir, 0700))
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot restrict spool_dir %s: %s", dir, strerror(errno));
    return 0;
}

static int check_certs(srv *s, mm_error *err)
{
    long days = 0;
    if (srv_conf_check_trust(&s->conf, err))
        return -1;
    if (srv_check_cert_key(s->conf.org_cert, s->conf.org_key, &days, err))
        return -1;
    s->cert_days_left = days;
    if (days < 30)
        mm_log(MM_LOG_WARN, "the organisation certificate %s expires in %ld days: renew it now", s->conf.org_cert,
               days);
    if (!s->conf.plain_loopback) {
        if (srv_check_cert_key(s->conf.tls_cert, s->conf.tls_key, &days, err))
            return -1;
        if (days < 30)
            mm_log(MM_LOG_WARN, "the server TLS certificate %s expires in %ld days: renew it now", s->conf.tls_cert,
                   days);
    }
    return 0;
}

/* The signals main waits for; blocked in every thread so only sigtimedwait
 * sees them. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Serves until SIGTERM or SIGINT, with upkeep hourly and at SIGHUP. */
static void serve(srv *s, srv_instance *inst, const sigset_t *set)
{
    int64_t next_purge = srv_now_ms() + 3600 * 1000;
    for (;;) {
        struct timespec ts = {60, 0};
        int sig = sigtimedwait(set, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            srv_instance_stopping(inst);
            break;
        }
        if (sig == SIGHUP || srv_now_ms() >= next_purge) {
            srv_maintain(s);
            next_purge = srv_now_ms() + 3600 * 1000;
        }
    }
}

/* Stops taking jobs, answers the synchronous waiters with the jobs' current
 * state, and lets the workers finish their current step. */
static void drain(srv *s, struct MHD_Daemon *d)
{
    atomic_store(&s->draining, 1);
    pthread_mutex_lock(&s->wait_mu);
    for (srv_waiter *w = s->waiters; w; w = w->next)
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&s->wait_mu);
    srv_web_stop(s);
    srv_batch_stop(s); /* first: it hands letters to the workers' queues */
    if (s->send_threads)
        srv_work_stop(s);
    srv_api_stop(s, d);
    if (s->send_threads)
        srv_work_free(s);
}

/* What this program runs in its confined children (lib/sandbox.h). */
static const mm_sandbox_entry sandboxed[] = {MM_PDF_CHECK_ENTRY, SRV_PREVIEW_ENTRIES, SRV_BATCH_ENTRY, {NULL, NULL}};

int main(int argc, char **argv)
{
    mm_sandbox_child_main(argc, argv, sandboxed);
    const char *config = SYSCONFDIR "/mmprint/mmprintd.conf";
    int check_only = 0, verbose = 0, opt, rc = EXIT_USAGE, locked = 0, started = 0;
    static srv s;
    srv_instance inst;
    struct MHD_Daemon *d = NULL;
    sigset_t set;
    mm_error err;
    mm_error_clear(&err);
    s.listen_fd = -1;

    while ((opt = getopt(argc, argv, "c:tvh")) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 't': check_only = 1; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); rc = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    if (optind != argc) {
        usage(stderr);
        goto out;
    }
    mm_log_init("mmprintd", verbose ? MM_LOG_DEBUG : MM_LOG_INFO);
    /* A fixed threshold: glibc otherwise raises it to the size of each
     * large block freed (up to 32 MiB), after which blocks that size come
     * from the threads' heaps and stay resident once freed, one heap per
     * worker thread.  A 5,000-letter batch's report then held 300 MB
     * (tools/bench/batch); mapped, a large block goes back on free. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    /* Spool files, the database and its WAL are for the server's user only. */
    umask(077);

    rc = 1;
    /* Root could read every key on the machine and the helpers it runs
     * would too: the server and its check run as their own user only. */
    if (geteuid() == 0) {
        mm_log(MM_LOG_ERROR, "refusing to run as root: start mmprintd as its own user (mmprint, User= in "
                             "mmprintd.service, or runuser -u mmprint -- mmprintd)");
        goto out;
    }
    /* libcups' own trust rules (trust on first use, any root) never
     * decide about the printer, and it stores no certificate under $HOME:
     * print.c verifies the printer itself.  Set before any thread runs. */
    setenv("CUPS_TRUSTFIRST", "no", 1);
    setenv("CUPS_ANYROOT", "no", 1);
    /* A statement that fires a trigger (the statistics' rollup, /metrics'
     * job counts: store.c) keeps a statement journal.  By default SQLite
     * starts it as a 64 KiB buffer (spilled to a temporary file beyond
     * that), allocated and freed at every write, and the heap gives it
     * back to the kernel each time.  The store's own calls, 3000 jobs of
     * an insert and two changes, two busy cores: 0.33 ms a job without the
     * triggers, 4.4 ms with them, 1.6 ms with statement journals kept in
     * memory in small pieces (this setting).  PRAGMA temp_store = MEMORY
     * gives 0.46 ms but puts every sort in memory too (+53 MB and twice the
     * time for a GROUP BY over 1,000,000 jobs).  SQLite takes it for the
     * whole process and only before its first use, so here, before the
     * store is opened; a speed matter only (a program that opens a store
     * without it, such as the unit tests, works the same). */
    if (sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1) != SQLITE_OK)
        mm_log(MM_LOG_WARN, "SQLite was already in use: statement journals keep their default");
    if (srv_conf_load(config, &s.conf, &err) || check_certs(&s, &err)) {
        mm_log(MM_LOG_ERROR, "refusing to start: %s", err.msg);
        goto out;
    }
    if (mm_http_global_init(&err) || mm_dsig_init(&err)) {
        mm_log(MM_LOG_ERROR, "cannot initialise libraries: %s", err.msg);
        goto out;
    }
    s.signer = mm_signer_load(s.conf.org_cert, s.conf.org_key, &err);
    if (!s.signer) {
        mm_log(MM_LOG_ERROR, "refusing to start: %s", err.msg);
        goto out;
    }
    snprintf(s.orgnr, sizeof s.orgnr, "%s", mm_signer_orgnr(s.signer));
    if (!s.conf.sender_id[0] && !s.orgnr[0]) {
        mm_log(MM_LOG_ERROR, "refusing to start: the organisation certificate has no organisation number "
                             "(serialNumber); set sender_id");
        goto out;
    }
    if (check_only) {
        /* Only a look at the lock, never taking it: the check runs while
         * the server does (ExecStartPre, an admin testing a change). */
        printf("mmprintd: configuration %s is usable; organisation certificate valid for %ld more days\n", config,
               s.cert_days_left);
        srv_conf_print(&s.conf, stdout);
        long pid = srv_instance_holder(s.conf.database);
        if (pid > 0)
            printf("mmprintd: the running mmprintd (pid %ld) uses %s; restart it to apply the configuration\n", pid,
                   s.conf.database);
        rc = 0;
        goto out;
    }
    /* Nothing touches the spool, the store or the journal before the lock:
     * a second server must leave a running one's state alone. */
    int lrc = srv_instance_lock(&inst, s.conf.database, s.conf.spool_dir, s.conf.lock_wait_s, &err);
    if (lrc) {
        mm_log(MM_LOG_ERROR, "%s%s", lrc > 0 ? "" : "refusing to start: ", err.msg);
        rc = lrc > 0 ? EXIT_LOCKED : EXIT_REFUSED;
        goto out;
    }
    locked = 1;
    rc = EXIT_REFUSED;
    if (prepare_spool(s.conf.spool_dir, &err) || !(s.store = srv_store_open(s.conf.database, &err))) {
        mm_log(MM_LOG_ERROR, "refusing to start: %s", err.msg);
        goto out;
    }
    if (!(s.reach_rate = srv_rate_new(s.conf.reach_rate, s.conf.reach_burst))) {
        mm_log(MM_LOG_ERROR, "refusing to start: out of memory");
        goto out;
    }
    /* Recovery (spool sweep, retention, resume) only once the port is ours:
     * a server that cannot serve must not change anything either. */
    if (srv_api_listen(&s, &err)) {
        mm_log(MM_LOG_ERROR, "refusing to start: %s", err.msg);
        goto out;
    }
    srv_spool_sweep(&s);
    if (!mm_sandbox_landlock())
        mm_log(MM_LOG_WARN, "Landlock is not available in this kernel: qpdf runs with resource limits and a clean "
                            "environment only, not shut off from the organisation key");
    if (s.conf.printer_cleartext && !strncmp(s.conf.printer_uri, "ipp://", 6))
        mm_log(MM_LOG_WARN, "printer_uri %s is plain ipp:// (printer_insecure_cleartext = yes): paper letters and "
                            "their separator pages travel UNENCRYPTED to the printer; use ipps:// with printer_ca",
               s.conf.printer_uri);
    for (size_t i = 1; i < s.conf.nrooms; i++) /* the print rooms of printroom_dir */
        if (s.conf.rooms[i].cleartext && !strncmp(s.conf.rooms[i].uri, "ipp://", 6))
            mm_log(MM_LOG_WARN, "print room %s (%s): uri %s is plain ipp:// (insecure_cleartext = yes): its letters "
                                "travel UNENCRYPTED to the printer; use ipps:// with ca",
                   s.conf.rooms[i].name, s.conf.rooms[i].file, s.conf.rooms[i].uri);
    block_signals(&set);

    rc = 1;
    started = 1;
    if (srv_work_start(&s, &err)) {
        mm_log(MM_LOG_ERROR, "%s", err.msg);
        goto out;
    }
    if (srv_resume(&s, &err))
        mm_log(MM_LOG_ERROR, "cannot resume unfinished jobs: %s", err.msg);
    /* after the jobs: a batch's letters stored before a crash were handed
     * on just now; the worker resumes the batches not split yet */
    if (srv_batch_start(&s, &err)) {
        mm_log(MM_LOG_ERROR, "%s", err.msg);
        goto out;
    }
    srv_maintain(&s);
    d = srv_api_start(&s, &err);
    if (!d) {
        mm_log(MM_LOG_ERROR, "%s", err.msg);
        goto out;
    }
    if (srv_web_start(&s, &err)) {
        mm_log(MM_LOG_ERROR, "refusing to start: %s", err.msg);
        rc = 1;
        goto out;
    }
    mm_log(MM_LOG_INFO, "listening on %s:%d (%s), organisation certificate valid for %ld days",
           s.conf.listen_address, s.conf.port, s.conf.plain_loopback ? "plain HTTP, loopback" : "HTTPS, client certificates",
           s.cert_days_left);
    rc = 0;
    serve(&s, &inst, &set);
    mm_log(MM_LOG_INFO, "stopping: no new jobs, finishing the current steps");

out:
    if (started)
        drain(&s, d);
    for (int i = 0; i < 3; i++)
        free(s.pem[i]);
    srv_store_close(s.store);
    srv_rate_free(s.reach_rate);
    if (locked)
        srv_instance_unlock(&inst);
    mm_signer_free(s.signer);
    mm_dsig_shutdown();
    if (started)
        mm_log(MM_LOG_INFO, "stopped; unfinished jobs resume at the next start");
    return rc;
}
