/*
 * batch.h — what the batch modules share (SPEC §10): the open database handle with its
 * prepared statements and rule-set cache (batch_db.c), used by the import (batch_import.c)
 * and the run (batch.c). Statements are prepared once per connection, on first use, and
 * reused; every SQL text the batch runs is in batch_db.c's table, next to the schema.
 */
#ifndef CB_BATCH_H
#define CB_BATCH_H

#include <sqlite3.h>
#include <stdint.h>

#include "arena.h"
#include "carebill_batch.h"

/* The prepared statements (SQL in batch_db.c, same order). */
enum {
	BS_BEGIN, BS_COMMIT,
	BS_RULESET_SHA, BS_RULESET_INSERT, BS_RULESET_XML, BS_RULESET_FIRST,
	BS_PATIENT_UPSERT, BS_EVENTS_DROP_CONTRACTS, BS_EVENTS_DROP_UNBILLED,
	BS_EVENTS_DROP_STAYS, BS_EVENT_PUT, BS_QUOTA_CARRY, BS_PAID_CARRY, BS_ACCUM_CARRY,
	BS_PAGE_FIRST, BS_PAGE_NEXT, BS_CLAIM_EXISTS, BS_EVENTS_OF, BS_BILLED, BS_STAY_MONTHS,
	BS_QUOTA_GET, BS_PAID_GET, BS_ACCUM_GET, BS_LEDGER_GET,
	BS_CLAIM_PUT, BS_BILLED_PUT, BS_LEDGER_PUT, BS_QUOTA_PUT, BS_PAID_PUT, BS_ACCUM_PUT,
	BS_FINDINGS_DROP, BS_FINDING_PUT, BS_RUN_START, BS_RUN_FINISH,
	BS_CLAIMS_ALL, BS_CLAIMS_OF_RUN,
	BS_COUNT
};

struct cb_batch {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[BS_COUNT];
	/* rule sets loaded from the database, by id (a handful) */
	char **rs_ids;
	cb_ruleset **rs;
	size_t rs_n;
	char *last_id;       /* cb_batch_add_ruleset_file's *id */
};

/* The statement `which`, reset and unbound, ready to bind; NULL on failure (error set). */
sqlite3_stmt *cb_bdb__stmt(cb_batch *b, int which);
/* Set the thread's error from the connection's last SQLite error: CB_EIO. */
int cb_bdb__fail(cb_batch *b, const char *what);
/* Step a statement that returns no row: 0, or CB_EIO (error set). */
int cb_bdb__done(cb_batch *b, sqlite3_stmt *st, const char *what);
/* Run statement `which` without parameters (BEGIN, COMMIT): 0 or CB_EIO. A rollback is run
 * with sqlite3_exec, so that it never replaces the message of what failed. */
int cb_bdb__exec(cb_batch *b, int which);
/* Bind text (NULL binds SQL NULL); the text must outlive the step. */
int cb_bdb__text(sqlite3_stmt *st, int i, const char *s);
/* A column's text, "" for NULL. */
const char *cb_bdb__col(sqlite3_stmt *st, int i);

/* The registered rule set `id`, loaded once per connection; NULL with CB_ERULESET set when
 * it is not registered (or CB_EIO on failure; see *rc). Borrowed from the handle. */
const cb_ruleset *cb_bdb__ruleset(cb_batch *b, const char *id, int *rc);

/* Text buffers: buf.h (shared with the claim writer). */
#include "buf.h"

/* The summary of a run with what it owns (batch_summary.c); pub comes first, so the public
 * pointer is the struct's. */
typedef struct bsummary {
	cb_batch_summary pub;
	cb_arena *arena;
	char date[11];
	cb_strmap by_payer;   /* payer -> cb_dec* */
	cb_ptrvec payers;     /* payer names, first seen first */
} bsummary;

/* A summary for a run with options o; NULL when out of memory. */
bsummary *cb_bsum__new(const cb_batch_options *o);
/* Add money text `amount` to what `payer` is owed: 0, CB_ENOMEM or CB_EINVAL. */
int cb_bsum__add(bsummary *s, const char *payer, const char *amount);
/* Fill payers (medical-insurance first, then bytewise) and patients_owe: 0 or CB_ENOMEM. */
int cb_bsum__finish(bsummary *s);

/* FNV-1a 64-bit hash of a NUL-terminated string ([BAT-5] shards). */
uint64_t cb_batch__fnv1a(const char *s);

#endif
