/*
 * price.h — the per-patient pricing state shared by the track modules (medical.c,
 * eldercare.c, visit.c) and the contract and duplicate rules (contracts.c). One pstate lives
 * for one patient; everything it allocates comes from its scratch arena (working values) or
 * the result's arena (what the claim shows).
 */
#ifndef CB_PRICE_H
#define CB_PRICE_H

#include "model.h"
#include "result.h"

enum { CB_ACC_MEDICAL, CB_ACC_HOME_VISIT, CB_ACC_ELDERCARE };

/*
 * State kept outside the case, between runs ([BAT-1], [CASE-5]): the batch answers from its
 * database when the engine first needs a value the case does not carry. Each function returns
 * 1 and sets its out-parameters when it knows the value, 0 when it does not (start at zero),
 * -1 on failure, after setting the thread's error message (pricing stops with CB_EIO and
 * keeps that message). Any member may be NULL.
 */
typedef struct cb_state_io {
	void *ud;
	int (*quota_used)(void *ud, const char *patient, const char *contract, const char *item,
			  const char *window_from, cb_dec *used);
	int (*commercial_paid)(void *ud, const char *patient, const char *contract,
			       const char *item, int year, cb_dec *paid);
	int (*accumulators)(void *ud, const char *patient, int year, cb_dec *od_used,
			    cb_dec *fund_paid_out, cb_dec *fund_paid_in);
	/* [DUP-1] 1 when the line id was billed for the patient at the institution before */
	int (*line_billed)(void *ud, const char *patient, const char *institution,
			   const char *line_id);
	/* [BAT-2] 1 when this run must not bill unit `unit_id` (an encounter, visit or
	 * service), or, with `month` ("YYYY-MM-01"), that month of stay `unit_id`: billed by an
	 * earlier run, or not yet due. A skipped unit still counts for medical days ([DUP-3]). */
	int (*skip_unit)(void *ud, const char *patient, const char *unit_id, const char *month);
} cb_state_io;


/* cb_case_price_buffer with an outside state (io may be NULL). */
int cb_case__price(cb_result **out, const cb_ruleset *rs, const char *buf, size_t len,
		   const char *name, const cb_price_options *opts, const cb_state_io *io);

/* Price a loaded case (it is not changed: a loaded case may be priced again, by any thread). */
int cb_case__price_model(cb_result **out, const cs_case *cs, const cb_price_options *opts,
			 const cb_state_io *io);

/* A year's medical accumulators ([MED-8], [CASE-5]). */
typedef struct yearacc {
	int year;
	cb_dec *od_used;     /* outpatient deductible used */
	cb_dec *fund_paid[2];/* by CB_CAPGROUP_* */
} yearacc;

/* What one payer owes for one unit: summed into one claim item. Lives in the scratch arena
 * (the patient's claim items are made from it before the patient's state is reset). */
typedef struct payitem {
	const char *payer, *patient, *unit;      /* the result's copies */
	const char *payer_src, *unit_src;        /* the texts they were copied from */
	cb_dec *amount;
} payitem;

/* A claim item made for one payer, numbered in order of first appearance from 0. */
typedef struct pclaimed {
	cb_claim_item *item;
	size_t payer;
} pclaimed;

/* What pricing one case reuses from patient to patient (price_case owns it). */
typedef struct pcall {
	cb_ptrmap copies;     /* rule-set or case text -> its copy in the result's arena */
	cb_ptrmap canonical;  /* rule text (by address) -> the same clauses in SPEC order */
	cb_strmap canonical_text; /* the same by content */
	cb_keymap seen_lines; /* [DUP-1] (institution, line id), emptied per patient */
	cb_keymap line_times; /* [DUP-1] (item, day and second) -> first line id, per patient */
	cb_keymap unit_rank;  /* unit id -> its bill's rank + 1, per patient (order_pay) */
	cb_dec_memo *texts;   /* texts of values made so far (in the result's arena) */
	/* claim items (§8), made at the end of each patient while its data is in cache:
	 * build_claims only hands them out to their claims */
	pclaimed *claimed;
	size_t nclaimed, claimed_cap;
	cb_strmap payer_no;   /* payer text (by content) -> its number + 1 */
	cb_ptrvec payers;     /* payer texts, by number */
	cb_dec *totals;       /* by payer number (payer_cap of them, zero beyond payers.n) */
	size_t *counts;       /* items by payer number */
	size_t payer_cap;     /* totals and counts allocated */
	struct pday {         /* days met so far: direct-mapped by day number */
		int32_t day;
		int year;
		const char *text; /* YYYY-MM-DD in the result's arena; NULL: slot unused */
	} *days;
	uint32_t day_mask;    /* days has day_mask + 1 slots */
} pcall;

#define CB_PRICE_DAY_SLOTS 512 /* the most: a case spans a few hundred days */

typedef struct pstate {
	const cb_ruleset *rs;
	const cs_case *cs;
	const cs_patient *pt;
	cb_result *res;
	cb_arena *ra;        /* the result's arena */
	cb_arena *scratch;   /* working values of this patient */
	rpatient *out;
	pcall *call;         /* tables shared by the patients of one case */
	/* vectors below live in the scratch arena (cb_ptrvec_push_in) */
	cb_ptrvec years;     /* yearacc* */
	cb_ptrvec pay;       /* payitem* */
	cb_ptrvec findings;  /* cb_finding* from pricing, in processing order */
	const char *unit_src, *unit_copy; /* the unit being priced: its id and the result's copy */
	cb_dec *owes[3];     /* the patient's share per account ([ACC-1]) */
	void *contracts;     /* contract state (contracts.c) */
	int trace;           /* record cb_steps (explain) */
	const cb_state_io *io; /* state between runs, or NULL */
	cb_ptrvec steps;     /* steps of the amount being derived */
	int oom;
	int io_failed;
} pstate;

/* Whether the state store says to skip a unit (month CB_NO_MONTH) or the month starting on
 * day `month` of a stay (see cb_state_io). */
#define CB_NO_MONTH INT32_MIN
int cb_price__skip(pstate *ps, const char *unit_id, int32_t month);

/* The result's copy of a text of the rule set or the case, which live while pricing: one
 * copy per distinct address, for texts that many lines or bills show (codes, payers). */
const char *cb_price__text(pstate *ps, const char *s);

/* A stable sort (insertion for short arrays, else qsort), after a linear check that most
 * inputs pass: they are in order already. Only for orders without ties between different
 * elements, or with a stable qsort (glibc's merge sort). */
void cb_price__sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* Mark out-of-memory when p is NULL; returns p. */
void *cb_price__track(pstate *ps, void *p);
/* A working decimal (cleared with the patient). */
cb_dec *cb_price__dec(pstate *ps);

/* A day as YYYY-MM-DD in the result arena (one text per day), and its calendar year. */
const char *cb_price__day(pstate *ps, int32_t day);
int cb_price__day_year(pstate *ps, int32_t day);
/* Text of d as `kind` in the result arena (texts of equal values may be shared). */
const char *cb_price__fmt(pstate *ps, const cb_dec *d, cb_dec_kind kind);
/* Money text of d in the result arena. Zero, the most common amount of all, is static text:
 * it outlives any result. */
static inline const char *cb_price__money(pstate *ps, const cb_dec *d)
{
	return cb_dec_is_zero(d) ? "0.00" : cb_price__fmt(ps, d, CB_DEC_MONEY);
}
/* The accumulators of `year`, created at zero if the case gave none. */
yearacc *cb_price__year(pstate *ps, int year);
/* Add `amount` to what `payer` owes for `unit` (nothing when amount is 0). */
void cb_price__owe(pstate *ps, const char *payer, const char *unit, const cb_dec *amount);
/* Record a pricing finding (a note or warning) about `ref`. */
void cb_price__finding(pstate *ps, const char *code, const char *rule, const char *ref,
		       unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* A new bill of `track` for unit `u` appended to the patient's output. */
rbill *cb_price__bill(pstate *ps, const cs_unit *u, const char *track, int rank, int32_t key);
/* A new empty line appended to bill b. */
cb_line *cb_price__line(pstate *ps, rbill *b);

/* Explanations (issue 6): when ps->trace, record a step of the amount being derived:
 * `exact` before rounding (may be NULL: same as value), `value` kept; the formula is printf
 * text with the inputs. cb_price__x formats an exact value for a formula. Steps are attached
 * to the line or settlement they explain by cb_price__steps_to(). */
void cb_price__step(pstate *ps, const char *clause, const char *what, const cb_dec *exact,
		    const cb_dec *value, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* A step whose arguments are evaluated only when tracing: formatting a formula's inputs with
 * cb_price__x costs more than the arithmetic it explains. */
#define CB_STEP(ps, ...) ((ps)->trace ? cb_price__step((ps), __VA_ARGS__) : (void)0)
const char *cb_price__x(pstate *ps, const cb_dec *d);
void cb_price__steps_to(pstate *ps, const cb_step *const **steps, size_t *count);

/* [DUP-1] Whether line `id` at `inst` was already billed for the patient; records it if
 * not. Returns 1 for a duplicate. */
int cb_price__seen_line(pstate *ps, const char *inst, const char *id);

/* Tracks. Each returns 0, or -1 when out of memory (ps->oom set). */
int cb_medical__unit(pstate *ps, const cs_unit *u);
int cb_eldercare__stay(pstate *ps, const cs_unit *u);
int cb_eldercare__service(pstate *ps, const cs_unit *u);
int cb_visit__unit(pstate *ps, const cs_unit *u);

/* Medical lines and settlement of one unit into bill b (shared by encounters and visits). */
int cb_medical__lines(pstate *ps, const cs_unit *u, rbill *b, int setting);

#endif
