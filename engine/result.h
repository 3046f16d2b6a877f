/*
 * result.h — the priced result behind the public walking API and the claim writer. Every
 * value is final text in the [NUM-4] formats, owned by the result's arena, so a result
 * outlives the rule set and case it came from. Public structs are the first member of the
 * private ones, so the getters can go from one to the other.
 */
#ifndef CB_RESULT_H
#define CB_RESULT_H

#include <stdint.h>

#include "arena.h"
#include "carebill.h"

typedef struct rbill {
	cb_bill pub;
	cb_ptrvec lines;         /* cb_line* */
	cb_settlement *settle;
	int32_t key_day;         /* [ORD-1] ordering key */
	int rank;                /* medical 0, home-visit 1, eldercare 2 */
} rbill;

typedef struct raccum_out {
	const char *year, *od_used, *fund_paid_out, *fund_paid_in;
} raccum_out;

typedef struct rquota_out {
	const char *contract, *item, *window, *window_from, *used;
} rquota_out;

typedef struct rcommercial_out {
	const char *contract, *item, *year, *paid;
} rcommercial_out;

typedef struct rpatient {
	cb_patient pub;
	cb_ptrvec bills;        /* rbill* in [ORD-1] order */
	cb_ptrvec accums;       /* raccum_out* */
	cb_ptrvec quotas;       /* rquota_out* */
	cb_ptrvec commercials;  /* rcommercial_out* */
} rpatient;

typedef struct rclaim {
	cb_claim pub;
	cb_ptrvec items;        /* cb_claim_item* */
} rclaim;

struct cb_result {
	cb_arena *arena;
	cb_result_status status;
	int trace;
	const void *io;         /* const cb_state_io*, while pricing */
	int io_failed;
	const char *case_name, *doc_name, *ruleset_id, *ruleset_from;
	char case_sha256[65], ruleset_sha256[65];
	cb_ptrvec patients;     /* rpatient*, by id */
	cb_ptrvec claims;       /* rclaim* */
	cb_ptrvec findings;     /* cb_finding* */
};

#endif
