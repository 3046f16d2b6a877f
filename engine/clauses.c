/*
 * clauses.c — the policy sentence behind each SPEC clause (SPEC §0 and the clause texts),
 * shown by `carebill explain` beside each step.
 */
#include "clauses.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"

static const cb_clause clauses[] = {
	{"NUM-1", "Decimal text is digits with an optional fraction; each kind of value has a fixed number of fraction digits."},
	{"NUM-2", "All arithmetic is exact; round2 rounds to 0.01 yuan, half up (四舍五入)."},
	{"NUM-3", "Splitting an amount by a ratio: part = round2(amount × ratio), rest = amount − part, so the parts add up to the fen."},
	{"NUM-4", "Money is shown with two fraction digits; quantities drop trailing zeros."},
	{"NUM-5", "Dates are YYYY-MM-DD, local time; the insurance year is the calendar year."},
	{"NUM-6", "Day ranges count the first day and not the last (算入不算出)."},
	{"DOC-1", "A case that is not well-formed or fails its schema is rejected as a whole."},
	{"DOC-2", "A rule set with any problem is refused; nothing is priced with it."},
	{"RULE-1", "Medical catalogue items are services (fixed price set by the medical insurance bureau), drugs or consumables (payment limit 医保支付限价), in classes A/B/C (甲/乙/丙类)."},
	{"RULE-2", "Elder-care bed and nursing fees are priced under government guidance (发展改革部门会同民政部门): an institution's price must not exceed the guidance ceiling."},
	{"RULE-3", "Policy rows must cover every scheme, setting, level and retired combination a case uses."},
	{"RULE-4", "Codes are unique across the medical catalogue, the elder-care guidance and the home-visit fee items."},
	{"CASE-1", "Ids are unique per patient; a line id already seen at an institution is a duplicate."},
	{"CASE-2", "A line lies inside its encounter and names an item of its own track; quantities are positive."},
	{"CASE-3", "A service line uses the catalogue price; drug and consumable lines carry their price."},
	{"CASE-4", "Stays are clipped to the billing period and must not overlap."},
	{"CASE-5", "Quota use, commercial payments and accumulators carry in from earlier runs."},
	{"CASE-6", "Input errors hold the whole patient; other patients are billed."},
	{"ORD-1", "Each patient's units are processed on one timeline, so quotas, caps and accumulators never depend on input order."},
	{"ORD-2", "Within a unit, lines are taken in time order, ties by id."},
	{"DUP-1", "No duplicate charge (不得重复收费): a line already billed is not charged again."},
	{"DUP-2", "A service already funded by a family-doctor contract (家庭医生签约, 经费保障) must not be charged again: it is paid by the contract within its quota."},
	{"DUP-3", "On a day inside a hospital stay, the elder-care bed is kept at the reserve ratio (保留床位) and nursing is not charged: nursing is never billed in two tracks for one day."},
	{"DUP-4", "Nothing is paid twice: the parts of every amount add up exactly."},
	{"MED-1", "Medical function (医疗功能): charges are priced by the medical insurance bureau's prices: amount = round2(qty × price)."},
	{"MED-2", "Over the payment limit (超限价), the excess of a drug or consumable is paid by the patient."},
	{"MED-3", "Class C is wholly self-financed (全自费); class B pays a self-first share (先行自付); the rest is in scope of insurance (符合范围金额)."},
	{"MED-4", "Outpatient and inpatient charges go into basic medical insurance reimbursement (医保报销) by the policy row of the patient's scheme, the setting and the institution's level."},
	{"MED-5", "The deductible (起付线) is paid first: per admission for inpatients, per year for outpatients and home visits."},
	{"MED-6", "The fund pays its ratio (统筹基金支付比例) of the in-scope amount above the deductible, within the annual cap."},
	{"MED-7", "The patient pays the self-financed, over-limit and self-first parts, the deductible and the co-payment."},
	{"MED-8", "The year's deductible used and fund paid grow after each settlement."},
	{"EC-1", "Elder-care function (康养功能): bed and nursing fees are priced under government guidance; elder-care income is accounted separately (单独核算)."},
	{"EC-2", "A stay bills each day of the billing period it covers: one bed day and one nursing day."},
	{"EC-3", "Days with the same item, medical-day flag and paying contracts form one run, ending at each month end."},
	{"EC-4", "Long-term care insurance (长期护理保险) shares nursing for eligible grades: ltc = round2(days × min(daily cap, price) × ratio)."},
	{"EC-5", "Commercial insurance is encouraged to cover nursing and care: it pays its ratio of what LTC leaves, within its annual cap."},
	{"EC-6", "Per-use elder-care services are billed at the institution's price."},
	{"HV-1", "Home visits charge medical service price + home-visit fee (医药服务价格 + 上门服务费); the fee is set from service radius, labour and transport cost."},
	{"HV-2", "A visit beyond the institution's service radius is not priced."},
	{"HV-3", "The home-visit fee is never claimed from medical insurance."},
	{"HV-4", "Services, drugs and consumables delivered at home follow the institution's medical price policy and settle as an outpatient unit."},
	{"ACC-1", "Every amount belongs to one account (medical, elder-care, home visit); elder-care is never mixed into the others."},
	{"BAT-1", "The batch database holds rule sets, patients, contracts, events, the ledger and every claim document."},
	{"BAT-2", "A run bills every unbilled unit settled on or before its date."},
	{"BAT-3", "Each patient is billed in one transaction."},
	{"BAT-4", "A run killed and restarted ends with the same claim documents."},
	{"BAT-5", "Patients are independent, so a run can be split into shards."},
};

const char *cb_clause__policy(const char *id)
{
	for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++)
		if (strcmp(clauses[i].id, id) == 0)
			return clauses[i].policy;
	return "";
}

/* The clauses' places in SPEC order by id, in an open-addressing table made once: every
 * priced case puts its rule lists in that order, token by token, and a walk through the whole
 * list cost some 60 comparisons a token. Slots hold place + 1; 0 is empty. */
enum { RANK_SLOTS = 256 }; /* a power of two, over twice the clauses */
static uint16_t rank_slots[RANK_SLOTS];
static pthread_once_t rank_once = PTHREAD_ONCE_INIT;

static size_t id_hash(const char *id, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)id[i]) * 16777619u;
	return h & (RANK_SLOTS - 1);
}

static void rank_init(void)
{
	for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++) {
		size_t s = id_hash(clauses[i].id, strlen(clauses[i].id));
		while (rank_slots[s])
			s = (s + 1) & (RANK_SLOTS - 1);
		rank_slots[s] = (uint16_t)(i + 1);
	}
}

/* The place of the clause whose id is the len bytes at id; the count of clauses when none. */
static size_t rank_of(const char *id, size_t len)
{
	pthread_once(&rank_once, rank_init);
	for (size_t s = id_hash(id, len); rank_slots[s]; s = (s + 1) & (RANK_SLOTS - 1)) {
		const char *c = clauses[rank_slots[s] - 1].id;
		if (strncmp(c, id, len) == 0 && c[len] == '\0')
			return rank_slots[s] - 1u;
	}
	return sizeof clauses / sizeof clauses[0];
}

const char *cb_clause__canonical(struct cb_arena *a, const char *rule)
{
	size_t n = sizeof clauses / sizeof clauses[0];
	char seen[sizeof clauses / sizeof clauses[0]] = {0};
	for (const char *p = rule; *p;) {
		size_t len = strcspn(p, " ");
		size_t r = rank_of(p, len);
		if (r < n)
			seen[r] = 1;
		p += len;
		p += *p == ' ';
	}
	char buf[256];
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (!seen[i])
			continue;
		size_t len = strlen(clauses[i].id);
		if (used + len + 2 > sizeof buf)
			continue;
		if (used)
			buf[used++] = ' ';
		memcpy(buf + used, clauses[i].id, len);
		used += len;
	}
	buf[used] = '\0';
	return cb_arena_strdup(a, buf);
}

const cb_clause *cb_clause__all(size_t *n)
{
	*n = sizeof clauses / sizeof clauses[0];
	return clauses;
}
