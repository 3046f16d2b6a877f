/*
 * model.h — the loaded forms of the two input documents: a rule set (SPEC §2.1) and a case
 * (SPEC §2.2). Both live in an arena; decimals are exact (cb_dec). A loaded rule set is
 * immutable and shared read-only between threads; a case belongs to one pricing call.
 */
#ifndef CB_MODEL_H
#define CB_MODEL_H

#include <stdint.h>

#include "arena.h"
#include "carebill.h"
#include "dates.h"
#include "money.h"
#include "xmldoc.h"

enum { CB_SCHEME_EMPLOYEE, CB_SCHEME_RESIDENT };
enum { CB_SETTING_OUTPATIENT, CB_SETTING_INPATIENT };
enum { CB_CAPGROUP_OUTPATIENT, CB_CAPGROUP_INPATIENT };
enum { CB_MED_SERVICE, CB_MED_DRUG, CB_MED_CONSUMABLE };
enum { CB_EC_BED, CB_EC_NURSING, CB_EC_SERVICE };
/* What a code names ([RULE-4]: codes are unique across the three). */
enum { CB_CODE_MEDICAL, CB_CODE_ELDERCARE, CB_CODE_FEE };

/* ---- rule set ---- */

typedef struct rs_med_item {
	const char *code, *name;
	int kind;              /* CB_MED_* */
	char cls;              /* 'A', 'B' or 'C' */
	const cb_dec *price;   /* service: fixed price; else NULL */
	const cb_dec *limit;   /* drug/consumable: 医保支付限价, or NULL */
	const cb_dec *b_ratio; /* class B: 先行自付比例; else NULL */
} rs_med_item;

typedef struct rs_ec_item {
	const char *code, *name, *unit;
	int kind; /* CB_EC_* */
	const cb_dec *ceiling;
} rs_ec_item;

typedef struct rs_row {
	int scheme, setting, retired, cap_group;
	const char *level;
	const cb_dec *deductible, *ratio, *cap;
	const char *label; /* "scheme/setting/level/retired|active" */
} rs_row;

typedef struct rs_home_visit {
	const char *fee_item;
	const cb_dec *base, *included_km, *per_km, *radius_km, *extra_staff, *surcharge;
} rs_home_visit;

typedef struct rs_inst {
	const char *id, *name, *level;
	const cb_dec *bed_reserve_ratio;
	cb_strmap prices;           /* elder-care item code -> const cb_dec* price */
	const rs_home_visit *visit; /* NULL: the institution does not price visits */
} rs_inst;

typedef struct rs_code {
	int kind; /* CB_CODE_* */
	const void *def; /* rs_med_item*, rs_ec_item* or rs_inst* (fee item) */
} rs_code;

typedef struct rs_ltc {
	const char *payer;
	const cb_dec *daily_cap, *ratio;
	const char **grades;
	size_t ngrades;
} rs_ltc;

struct cb_ruleset {
	cb_arena *arena;
	const char *id, *effective_from, *name;
	char sha256[65];   /* fingerprint of the rule set's bytes (provenance) */
	cb_ptrvec rows;   /* rs_row* */
	cb_ptrvec insts;  /* rs_inst*, in document order */
	cb_strmap codes;  /* code -> rs_code* */
	cb_strmap inst_by_id;
	const rs_ltc *ltc; /* NULL without <ltc> */
	xmlSchemaPtr case_schema;
};

const rs_row *cb_ruleset__row(const cb_ruleset *rs, int scheme, int setting, const char *level,
			      int retired);
const rs_code *cb_ruleset__code(const cb_ruleset *rs, const char *code);
const rs_inst *cb_ruleset__inst(const cb_ruleset *rs, const char *id);
int cb_ruleset__ltc_grade(const cb_ruleset *rs, const char *grade);

/* ---- case ---- */

enum { CS_ENCOUNTER, CS_VISIT, CS_STAY, CS_SERVICE };
enum { CS_WINDOW_CONTRACT, CS_WINDOW_YEAR, CS_WINDOW_MONTH };
enum { CS_FAMILY_DOCTOR, CS_LTC, CS_COMMERCIAL };

typedef struct cs_line {
	const char *id, *item;
	const cb_dec *qty;
	const cb_dec *price;  /* as given, or NULL */
	const char *at_text;
	cb_time at;
	unsigned long src;    /* source line */
	const rs_med_item *med;
} cs_line;

typedef struct cs_unit {
	int type;          /* CS_* */
	const char *id, *institution;
	const rs_inst *inst;
	unsigned long src;
	/* encounter */
	int setting;
	int32_t date;      /* outpatient date; visit and service date */
	int32_t admit, discharge;
	/* visit and service */
	cb_time at;
	const char *at_text;
	const cb_dec *distance_km;
	const cb_dec *staff; /* a count, 1 when not given */
	int surcharge;
	/* stay */
	const char *bed, *nursing; /* nursing may be NULL */
	int32_t from, to;
	int has_to;
	int dates_ok;      /* from and to parsed and in order */
	/* service */
	const char *item;
	const cb_dec *qty;
	cs_line **lines;   /* encounter and visit lines, in document order */
	cs_line **ordered; /* the same in [ORD-2] order, made once at load for a patient who is
			    * not held (pricing reads the case and never sorts it) */
	size_t nlines;
} cs_unit;

typedef struct cs_cover {
	const char *item;
	unsigned long src;
	/* family-doctor */
	const cb_dec *quota;
	const cb_dec *used; /* NULL when not given */
	int window;
	/* commercial */
	const cb_dec *ratio, *annual_cap, *paid;
} cs_cover;

typedef struct cs_contract {
	const char *id, *payer, *grade;
	int type;
	int32_t from, to;
	int has_to;
	unsigned long src;
	cs_cover **covers;
	size_t ncovers;
} cs_contract;

typedef struct cs_accum {
	int year;
	const cb_dec *od_used;       /* outpatient-deductible-used */
	const cb_dec *fund_paid[2];  /* by CB_CAPGROUP_* */
} cs_accum;

typedef struct cs_patient {
	const char *id;
	int scheme, retired;
	unsigned long src;
	int held;                  /* input errors found ([CASE-6]) */
	cb_ptrvec accums;          /* cs_accum* */
	cb_ptrvec contracts;       /* cs_contract* */
	cb_ptrvec units;           /* cs_unit* in document order */
	cb_ptrvec findings;        /* cb_finding* (input errors) */
} cs_patient;

typedef struct cs_case {
	cb_arena *arena;
	cb_arena *tree;            /* a streamed document's elements (NULL: none, or in arena) */
	const cb_ruleset *rs;      /* the rule set it was loaded against (outlives the case) */
	const char *name;
	char sha256[65];           /* fingerprint of the case's bytes (provenance, §8) */
	const char *ruleset;
	int32_t period_from, period_to;
	cb_ptrvec patients;        /* cs_patient*, document order; repeats merged */
	cb_ptrvec doc_findings;    /* cb_finding* */
	int rejected;
} cs_case;

#endif
