/* SPDX-License-Identifier: EUPL-1.2 */
/* Every fixed Swedish text of mmprintd that a person reads, in one table:
 * the job's one-liners (CUPS INFO: lines, the separator page, the exception
 * list) and the API's answers (the "message" field).  English stays in the
 * code and the logs. */
#ifndef SRV_TEXTS_H
#define SRV_TEXTS_H

typedef enum {
    /* the job's progress and reasons */
    SRV_SV_DIGITAL,           /* the recipient has a mailbox */
    SRV_SV_PAPER_ASKED,       /* policy paper-only */
    SRV_SV_FAR_NO_ANSWER,
    SRV_SV_CANNOT_SEAL,       /* the letter cannot go digitally */
    SRV_SV_SEND_LATE,         /* no delivery before the deadline */
    SRV_SV_NOT_DELIVERED,     /* Delivered=false */
    SRV_SV_REFUSED,           /* the operator refused it */
    SRV_SV_PRINT_UNREADABLE,
    SRV_SV_PRINT_LATE,
    SRV_SV_PRINTER_UNTRUSTED, /* the ipps:// printer's certificate is not ours */
    SRV_SV_CANCELLED_IN_CUPS,
    SRV_SV_NO_RECIPIENT,      /* "personnummer saknas" */
    SRV_SV_RECIPIENT_UNSURE,  /* the bundle's recipient claim does not hold together */
    SRV_SV_RECIPIENT_INVALID, /* a number the filter would never have sent */
    SRV_SV_IMAGE_ONLY,        /* a raster job: no text to read a recipient from */
    /* FaR's outcomes (policy.c maps mm_reach_why to them) */
    SRV_SV_REACH_NOT_FOUND,
    SRV_SV_REACH_NO_MAILBOX,
    SRV_SV_REACH_ANONYMOUS,
    SRV_SV_REACH_OTHER_TYPE,
    SRV_SV_REACH_PENDING,
    SRV_SV_REACH_SENDER_REFUSED,
    SRV_SV_REACH_NO_ADDRESS,
    /* the API's answers; a letter qpdf cannot print is refused with lib's
     * mm_pdf_problem_sv() ("Brevet togs inte emot: ..."). */
    SRV_SV_INTERNAL,
    SRV_SV_NOT_FOUND,
    SRV_SV_JOB_NOT_FOUND,
    SRV_SV_METHOD,
    SRV_SV_DRAINING,
    SRV_SV_BUSY,
    SRV_SV_TOO_MANY_REQUESTS, /* over request_rate for this principal */
    SRV_SV_TOO_LARGE,
    SRV_SV_CLIENT_NOT_ALLOWED,
    SRV_SV_BAD_KEY,
    SRV_SV_BAD_BUNDLE,
    SRV_SV_BAD_DOCUMENT_TYPE,
    SRV_SV_NOT_PDF,
    SRV_SV_BAD_POLICY,
    SRV_SV_BAD_RECIPIENT,
    SRV_SV_HAS_RECIPIENT,
    SRV_SV_NOT_CANCELLABLE,
    SRV_SV_ALREADY_FINAL,
    SRV_SV_MAY_NOT_CANCEL,
    SRV_SV_MAY_NOT_RESOLVE,
    SRV_SV_MAY_NOT_SEE_EXCEPTIONS,
    SRV_SV_MAY_NOT_SUBMIT,
    SRV_SV_MAY_NOT_COMPLETE,
    SRV_SV_MAY_NOT_LIST,
    SRV_SV_MAY_NOT_PRECHECK,
    SRV_SV_MAY_NOT_METRICS,
    SRV_SV_PRECHECK_RATE,
    SRV_SV_BAD_ACTION,
    SRV_SV_NOT_EXCEPTION,
    SRV_SV_NO_DOCUMENT,
    SRV_SV_BAD_SINCE,
    SRV_SV_BAD_FILTER,
    SRV_SV_FAR_UNAVAILABLE,
    /* the web portal (server/web.h) */
    SRV_SV_WEB_LOGIN_FAILED,  /* #fel on the login page */
    SRV_SV_WEB_LOGGED_OUT,    /* an expired or ended session */
    SRV_SV_WEB_THROTTLED,     /* 429: too many login attempts */
    SRV_SV_WEB_CSRF,          /* 403: missing or wrong CSRF token */
    SRV_SV_WEB_FORBIDDEN,     /* 403: the role may not */
    SRV_SV_WEB_NOT_FOUND,
    SRV_SV_WEB_NO_LETTER,     /* 404: unknown, or another person's letter */
    SRV_SV_WEB_NOT_SIGNED_IN, /* 401 JSON */
    SRV_SV_WEB_BAD_DATE,
    SRV_SV_WEB_NO_LETTERS,
    SRV_SV_WEB_LOGIN_ERROR,   /* the check itself failed (database, PAM) */
    SRV_SV_USER_EXISTS,       /* the admin API's accounts */
    SRV_SV_USER_NOT_FOUND,
    SRV_SV_BAD_USER,
    SRV_SV_MAY_NOT_USERS,
    /* a letter's state and channel as "Mina brev" shows them */
    SRV_SV_STATE_NEEDS_RECIPIENT,
    SRV_SV_STATE_SENDING,     /* queued and sending */
    SRV_SV_STATE_PRINTING,
    SRV_SV_STATE_DELIVERED,
    SRV_SV_STATE_PRINTED,
    SRV_SV_STATE_POSTED,
    SRV_SV_STATE_RETURNED,
    SRV_SV_STATE_FAILED,
    SRV_SV_STATE_CANCELLED,
    SRV_SV_STATE_EXPIRED,
    SRV_SV_CHANNEL_DIGITAL,
    SRV_SV_CHANNEL_PAPER,
    /* "Behöver mottagare" and "Att hantera" (server/web_letters.c); the
     * preflight's sentences with a number or an operator in them are
     * built in server/preview.c */
    SRV_SV_WEB_NO_HELD,        /* /behover: nothing waits */
    SRV_SV_WEB_NO_EXCEPTIONS,  /* /hantera: nothing to handle */
    SRV_SV_WEB_PN_HINT,        /* under the field Personnummer */
    SRV_SV_WEB_CONFIRM_LABEL,  /* the checkbox #bekrafta */
    SRV_SV_WEB_CONFIRM_NEEDED, /* Skicka without it */
    SRV_SV_WEB_NOT_HELD,       /* 409: the letter got its recipient meanwhile */
    SRV_SV_WEB_NOT_CANCELLABLE,
    SRV_SV_WEB_NO_PREVIEW,     /* the first page could not be rendered */
    SRV_SV_WEB_SENT,           /* after Skicka */
    SRV_SV_WEB_CANCELLED,      /* after Makulera brevet */
    SRV_SV_WEB_HANDLED,        /* after Markera som hanterat */
    /* the print room's paper leg (issue 12: api_printroom.c, printq.c) */
    SRV_SV_MAY_NOT_PRINTROOM,  /* 403: the print room's list */
    SRV_SV_MAY_NOT_POST,       /* 403: marking a letter posted */
    SRV_SV_NOT_PRINTED,        /* 409: only a printed letter can be posted */
    SRV_SV_ALREADY_POSTED,     /* 409: it is posted already */
    SRV_SV_BAD_DAY,            /* 400: day is no YYYY-MM-DD */
    SRV_SV_UNKNOWN_ROOM,       /* 404: no print room of that name */
    SRV_SV_SEP_HEADING,        /* the separator page's first line */
    SRV_SV_SEP_BACK,           /* the back of the separator sheet on a two-sided printer */
    SRV_SV_POSTAL_A,           /* the postal classes as the separator page and the list say them */
    SRV_SV_POSTAL_B,
    SRV_SV_POSTAL_REK,
    /* "Utskriftsrummet", the print room's page (server/web_printroom.c) */
    SRV_SV_WEB_PR_NONE,         /* no paper letter that day */
    SRV_SV_WEB_PR_BAD_ROOM,     /* ?rum= names no print room */
    SRV_SV_WEB_PR_POSTED_ONE,   /* after Markera som postad */
    SRV_SV_WEB_PR_POSTED_MANY,  /* "N " before it: after Markera alla */
    SRV_SV_WEB_PR_POSTED_NONE,  /* Markera alla found nothing printed */
    SRV_SV_WEB_PR_NOT_PRINTED,  /* 409: posting a letter that is not printed */
    SRV_SV_WEB_PR_REPRINTED,    /* after Skriv ut igen */
    SRV_SV_WEB_PR_NOT_FAILED,   /* 409: reprinting a letter that has not failed */
    SRV_SV_WEB_PR_GONE,         /* 410: reprinting a letter no longer stored */
    SRV_SV_WEB_PR_NOT_KEPT,     /* the action cell of a failed letter no longer stored */
    SRV_SV_WEB_PR_RESOLVED,     /* after "Misslyckades": someone took care of it */
    /* The statistics (issue 12: server/stats.h, api_stats.c, web_stats.c) */
    SRV_SV_MAY_NOT_SEE_STATS,  /* 403 of /api/v1/stats and /statistik */
    SRV_SV_STATS_BAD_PERIOD,   /* a from/to that is no date, or ends first */
    SRV_SV_STATS_BAD_BY,       /* by other than month, department, operator, channel */
    SRV_SV_STATS_REACH_NOT_FOUND, /* why a looked-up recipient had no usable mailbox, by reach word */
    SRV_SV_STATS_REACH_NO_MAILBOX,
    SRV_SV_STATS_REACH_ANONYMOUS,
    SRV_SV_STATS_REACH_OTHER_TYPE,
    SRV_SV_STATS_REACH_PENDING,
    SRV_SV_STATS_REACH_SENDER_REFUSED,
    SRV_SV_STATS_REACH_NO_ADDRESS,
    SRV_SV_STATS_REACH_OTHER,  /* a word of a later version */
    /* "Nyttomodell", the benefit model (server/web_model.c) */
    SRV_SV_MODEL_INTRO,
    SRV_SV_MODEL_FIX,           /* the summary of refused fields */
    SRV_SV_MODEL_EMPTY,
    SRV_SV_MODEL_BAD_AMOUNT,
    SRV_SV_MODEL_BAD_RATE,
    SRV_SV_MODEL_BAD_DECISIONS,
    SRV_SV_MODEL_REALISED_INTRO, /* beside the model: the statistics of the last 12 months */
    SRV_SV_MODEL_NO_STATS,       /* the statistics could not be read */
    SRV_SV_MODEL_FROM_REALISED,  /* what the link "Beräkna modellen med utfallet" does */
    /* Batch print streams (issue 13, server/batch.c, api_batches.c) */
    SRV_SV_BATCH_NOT_FOUND,
    SRV_SV_BATCH_TOO_LARGE,      /* over batch_max_bytes (413) */
    SRV_SV_BATCH_BAD_BUNDLE,     /* not a batch bundle (400) */
    SRV_SV_BATCH_RECEIVED,       /* state received / splitting */
    SRV_SV_BATCH_HELD,           /* the split is in doubt (before the reason) */
    SRV_SV_BATCH_CANCELLED,
    SRV_SV_BATCH_TOO_MANY_PAGES, /* over batch_max_pages */
    SRV_SV_BATCH_TOO_MANY_LETTERS, /* over batch_max_letters */
    SRV_SV_BATCH_SPLIT_FAILED,   /* the confined split failed (not a readable PDF ...) */
    SRV_SV_BATCH_NOT_HELD,       /* cancel of a batch not held */
    /* why the whole batch is in doubt, by lib/batch.h's mm_batch_doubt */
    SRV_SV_BATCH_DOUBT_PAGES_REMAINDER,
    SRV_SV_BATCH_DOUBT_OUTLINE_ORDER,
    SRV_SV_BATCH_DOUBT_OUTLINE_START,
    SRV_SV_BATCH_DOUBT_NO_OUTLINE,
    SRV_SV_BATCH_DOUBT_TEXT_LEADING,
    SRV_SV_BATCH_DOUBT_TEXT_NO_START,
    SRV_SV_BATCH_DOUBT_MANIFEST_COVER,
    SRV_SV_BATCH_DOUBT_NO_MANIFEST,
    SRV_SV_COUNT
} srv_text;

/* The Swedish text (static, never NULL; "" for an unknown id). */
const char *srv_sv(srv_text text);

#endif
