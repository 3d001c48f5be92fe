/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd internals: the registry of simulated FaR data, fault-injection
 * rules, and the request handlers shared by the files of sim/. */
#ifndef SIM_H
#define SIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <libxml/xmlschemas.h>
#include <openssl/x509_vfy.h>
#include "buf.h"
#include "dsig.h"
#include "error.h"

#define SIM_ID_LEN 13      /* 12 digits + NUL */
#define SIM_NAME_LEN 257   /* Sender/Dispatcher Name is 2..256 characters */

typedef struct {
    char key[32];          /* the name used in /op/KEY/Service/v3 */
    char id[SIM_ID_LEN];   /* ServiceSupplier/Id */
    char name[SIM_NAME_LEN];
} sim_operator;

typedef struct {
    char id[SIM_ID_LEN];
    int op;                /* index into operators, -1 = none */
    char type[16];         /* Secure | Anonymous | Not */
    int pending;
    int accept_all;
    char (*accepts)[SIM_ID_LEN];
    size_t n_accepts;
} sim_recipient;

typedef struct {
    char id[SIM_ID_LEN];
    char name[SIM_NAME_LEN];
} sim_sender;

typedef struct {
    char id[SIM_ID_LEN];
    char name[SIM_NAME_LEN];
    char (*senders)[SIM_ID_LEN];
    size_t n_senders;
} sim_dispatcher;

typedef struct {
    sim_operator *ops;
    size_t n_ops;
    sim_recipient *rcps;   /* sorted by id for bsearch */
    size_t n_rcps;
    sim_sender *senders;
    size_t n_senders;
    sim_dispatcher *disps;
    size_t n_disps;
} sim_registry;

/* Fault-injection rule (one line of the --faults file). */
enum { SIM_ACT_NONE, SIM_ACT_HTTP, SIM_ACT_FAULT, SIM_ACT_DROP, SIM_ACT_REFUSE_TLS, SIM_ACT_NOT_DELIVERED,
       SIM_ACT_ANSWER_RECIPIENT };

typedef struct {
    int far;               /* selector: FaR requests */
    char op[32];           /* selector: operator key, "" = any */
    char recipient[SIM_ID_LEN]; /* selector: recipient, "" = any */
    long delay_ms;
    int action;
    int http_status;
    int fault_code;
    char description[256];
    char answer_recipient[SIM_ID_LEN]; /* answer-recipient=: the RecipientId of the receipt */
    double flaky;          /* probability the rule applies, 1 = always */
    long count;            /* remaining applications, -1 = unlimited */
    int line;
} sim_rule;

typedef struct {
    sim_rule *rules;
    size_t n;
} sim_faults;

/* Parses a registry file; NULL and err on any malformed line. */
sim_registry *sim_registry_load(const char *path, mm_error *err);
void sim_registry_free(sim_registry *r);
const sim_recipient *sim_registry_recipient(const sim_registry *r, const char *id);
int sim_registry_operator(const sim_registry *r, const char *key);
int sim_recipient_accepts(const sim_recipient *rc, const char *sender);
/* 1 when signer (org number) may sign for sender: it is the sender, or a
 * dispatcher whose Senders list holds sender. */
int sim_registry_may_sign(const sim_registry *r, const char *signer, const char *sender);

sim_faults *sim_faults_load(const char *path, mm_error *err);
void sim_faults_free(sim_faults *f);
int sim_faults_have_refuse_tls(const sim_faults *f);

/* Duplicate detection set of "recipient|message id" strings. */
typedef struct {
    char **slots;
    size_t cap, used;
} sim_set;
/* Returns 1 when key was already present, 0 when added, -1 on memory error. */
int sim_set_add(sim_set *s, const char *key);
void sim_set_free(sim_set *s);

/* The daemon's state, shared by all connection threads. */
typedef struct {
    /* swapped on SIGHUP under the write lock; readers hold the read lock */
    pthread_rwlock_t lock;
    sim_registry *reg;
    sim_faults *faults;
    /* rule counters and the random generator for flaky= */
    pthread_mutex_t fault_mu;
    uint64_t rng;
    /* inbox index and the duplicate set */
    pthread_mutex_t index_mu;
    int index_fd;
    uint64_t index_written;    /* lines appended (under index_mu) */
    pthread_mutex_t sync_mu;   /* one fdatasync at a time; then index_synced */
    uint64_t index_synced;
    sim_set seen;
    /* read-only after start */
    xmlSchemaPtr rcp_schema;
    xmlSchemaPtr svc_schema;
    X509_STORE *ca_store;
    mm_cert_cache *certs;  /* signer certificates seen, decoded once */
    const char *inbox;
    int index_only;        /* --index-only: no TRANSID.xml copies (load tests) */
    const char *xmlsec1_path; /* --verify-with=xmlsec1: this program decides each signature; NULL = lib/sigverify */
    char tmpdir[4096];     /* mmsimd's own private temporary directory ("" = none) */
    const char *registry_path;
    const char *faults_path;
    char base_url[300];    /* https://HOST:PORT */
    char refuse_url[300];  /* https://HOST:PORT of the TLS-refusing listener, "" until started */
} sim_state;

/* Outcome of one HTTP request: status, content type and body to send, or
 * drop = close the connection without an answer. */
typedef struct {
    int status;
    const char *content_type;
    mm_buf body;
    int drop;
    const char *auth_op;   /* Authority operation: faults use its c1 fault element */
    char log[600];         /* "operation ... outcome" for the access log line */
} sim_reply;

/* Handles one POST body for url.  Fills reply; never fails. */
void sim_handle(sim_state *st, const char *url, const char *body, size_t len, int too_big, sim_reply *reply);

/* Decides, for a new TCP connection on the main listener, whether a
 * "far refuse-tls" rule tells us to close it before the handshake. */
int sim_refuse_connection(sim_state *st);

/* Loads the duplicate set from an existing index.tsv. */
int sim_index_open(sim_state *st, mm_error *err);

#endif
