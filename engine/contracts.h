/*
 * contracts.h — the no-duplicate-charge rules shared by every track (SPEC §4): duplicate
 * line ids ([DUP-1]), family-doctor funding with quotas ([DUP-2]), and the contract state
 * the elder-care track reads: the paying LTC contract ([EC-4]) and commercial covers with
 * their annual caps ([EC-5]).
 */
#ifndef CB_CONTRACTS_H
#define CB_CONTRACTS_H

#include "price.h"

/* How a line's quantity is paid ([DUP-2]). */
typedef struct cb_contract_use {
	const cs_contract *by;  /* the funding family-doctor contract, or NULL */
	cb_dec *funded;         /* funded quantity, or NULL when nothing is funded */
	cb_dec *charged;        /* the charged rest of a split, or NULL (no split) */
	int exhausted;          /* covered by some contract, but no quota was left */
} cb_contract_use;

int cb_contracts__init(pstate *ps);
void cb_contracts__free(pstate *ps);

/*
 * [DUP-2] Fund `qty` of `item` on `day` from the covering family-doctor contracts (earliest
 * `from`, then id; the first with quota left funds; the rest of a split is charged). Notes
 * QUOTA_EXHAUSTED on `ref` when covering contracts exist but none has quota left, or when
 * the quota runs out inside the line (`ref` NULL: no note, the caller notes once per run).
 * 0, or -1 when out of memory.
 */
int cb_contracts__fund(pstate *ps, const char *item, int32_t day, const cb_dec *qty,
		       const char *ref, unsigned long src, cb_contract_use *use);

/* Whether some active family-doctor contract covers `item` on `day` with quota left,
 * without consuming any (elder-care runs use it to find their boundaries). */
const cs_contract *cb_contracts__would_fund(pstate *ps, const char *item, int32_t day);

/* Fill a funded line: amount shown, funded-by, patient 0.00, and what the payer owes for
 * `unit`. `amount` is the line's amount (round2(qty × price) unless the track says else). */
void cb_contracts__funded_line(pstate *ps, cb_line *out, const cb_contract_use *use,
			       const cb_dec *amount, const char *unit);

/* Fill a duplicate line ([DUP-1]): zero amounts and a DUPLICATE_LINE note. */
void cb_contracts__duplicate_line(pstate *ps, cb_line *out, const char *inst,
				  unsigned long src);

/* [EC-4] The LTC contract that pays on `day`: the first eligible one (earliest from, then
 * id) whose grade is in the rule set's grades; NULL if none. */
const cs_contract *cb_contracts__ltc(pstate *ps, int32_t day);

/* [EC-5] The commercial contract covering `item` on `day` (earliest from, then id), with its
 * cover, or NULL. */
const cs_contract *cb_contracts__commercial(pstate *ps, const char *item, int32_t day,
					    const cs_cover **cover);

/* [EC-5] commercial = min(round2(base × ratio), annual-cap − paid so far in day's year);
 * consumes the cap and notes CAP_REACHED on `ref` when the cap reduces the share. The payer
 * is owed it for `unit`. */
int cb_contracts__commercial_share(pstate *ps, const cs_contract *k, const cs_cover *cv,
				   int32_t day, const cb_dec *base, cb_dec *share,
				   const char *ref, const char *unit);

/* Append the quota and commercial state after the run to the statement. */
int cb_contracts__statement(pstate *ps);

#endif
