/*
 * case.c — loading and validating a case document ([DOC-1], [CASE-1]..[CASE-6], §2.3).
 *
 * Three layers, each reported with its own codes:
 *   1. well-formedness and the case XSD, then the structure XSD 1.0 cannot express (counts,
 *      attributes that depend on contract type or encounter setting): `SCHEMA`, and the
 *      ruleset id: `WRONG_RULESET` — the document is rejected whole;
 *   2. per patient, every value and reference: BAD_DECIMAL, BAD_DATE, UNKNOWN_*, WRONG_TRACK,
 *      NOT_PRICED, PRICE_MISMATCH, MISSING_PRICE, BAD_QTY, LINE_OUTSIDE_UNIT, DUPLICATE_ID,
 *      STAY_OVERLAP, OUT_OF_RADIUS, NO_POLICY — all of them are collected and hold the patient;
 *   3. nothing else: pricing never sees a held patient.
 */
#include "case.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "findings.h"
#include "sha256.h"

typedef struct cload {
	const cb_ruleset *rs;
	cs_case *cs;
	cs_patient *pt; /* the patient being loaded */
	cb_strmap unit_ids, contract_ids;
	size_t max_patients, max_lines, lines; /* lines and units of the current patient */
	int oom, over_limit;
} cload;

/* A resource limit: the whole document is refused (CB_ELIMIT), nothing is priced. */
static int over(cload *L, const cb_elem *n, const char *what, size_t limit)
{
	if (!L->over_limit)
		cb__error(CB_ELIMIT, "%s:%lu: %s: more than %zu (a resource limit of "
			  "cb_price_options)", L->cs->name, n->line, what, limit);
	L->over_limit = 1;
	return 1;
}

static void *track(cload *L, void *p)
{
	if (!p)
		L->oom = 1;
	return p;
}

static void push(cload *L, cb_ptrvec *v, void *p)
{
	if (!p || cb_ptrvec_push(v, p) != 0)
		L->oom = 1;
}

static const char *ea(const cb_elem *n, const char *name)
{
	return cb_elem__attr(n, name);
}

static int is(const cb_elem *n, const char *name)
{
	return cb_streq(n->name, name);
}

/* Record an input error for the current patient ([CASE-6]: all are kept). */
#define ERR(L, node, code, rule, ref, ...)                                                  \
	push((L), &(L)->pt->findings,                                                      \
	     cb_finding__new((L)->cs->arena, (code), (rule), (L)->pt->id, (ref),           \
			     (L)->cs->name, (node)->line, __VA_ARGS__))

/* A document-level problem: the document is rejected whole ([DOC-1]). */
static void doc_error(cload *L, unsigned long line, const char *code, const char *ref,
		      const char *msg)
{
	L->cs->rejected = 1;
	push(L, &L->cs->doc_findings,
	     cb_finding__new(L->cs->arena, code, strcmp(code, "BAD_DATE") == 0 ? "NUM-5" : "DOC-1",
			     NULL, ref, L->cs->name, line, "%s", msg));
}

/* A decimal attribute ([NUM-1]); NULL when absent or malformed (BAD_DECIMAL reported). */
static const cb_dec *num(cload *L, const cb_elem *n, const char *name, cb_dec_kind kind,
			 const char *ref)
{
	const char *text = ea(n, name);
	if (!text)
		return NULL;
	cb_dec *d = track(L, cb_arena_dec(L->cs->arena));
	char why[160];
	if (d && cb_dec_parse(d, text, kind, why, sizeof why) != 0) {
		ERR(L, n, "BAD_DECIMAL", "NUM-1", ref, "%s %s: %s=\"%.64s\" %s", n->name, ref,
		    name, text, why);
		return NULL;
	}
	return d;
}

/* A date attribute ([NUM-5]); -1 when absent or malformed (BAD_DATE reported if present). */
static int date(cload *L, const cb_elem *n, const char *name, const char *ref, int32_t *out)
{
	const char *text = ea(n, name);
	if (!text)
		return -1;
	if (cb_date_parse(text, out) != 0) {
		ERR(L, n, "BAD_DATE", "NUM-5", ref, "%s %s: %s=\"%.64s\" is not a valid date "
		    "YYYY-MM-DD", n->name, ref, name, text);
		return -1;
	}
	return 0;
}

static int time_attr(cload *L, const cb_elem *n, const char *name, const char *ref, cb_time *out)
{
	const char *text = ea(n, name);
	if (!text)
		return -1;
	if (cb_time_parse(text, out) != 0) {
		ERR(L, n, "BAD_DATE", "NUM-5", ref, "%s %s: %s=\"%.64s\" is not a valid time "
		    "YYYY-MM-DDTHH:MM[:SS]", n->name, ref, name, text);
		return -1;
	}
	return 0;
}

/* A range whose end is before its start is BAD_DATE ([NUM-5]). */
static void check_range(cload *L, const cb_elem *n, const char *ref, const char *a, int32_t from,
			const char *b, int32_t to)
{
	if (to < from)
		ERR(L, n, "BAD_DATE", "NUM-5", ref, "%s %s: %s=\"%s\" is before %s=\"%s\"", n->name,
		    ref, b, ea(n, b), a, ea(n, a));
}

static int is_true(const char *v)
{
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static const rs_inst *institution(cload *L, const cb_elem *n, const char *ref)
{
	const char *id = ea(n, "institution");
	const rs_inst *inst = cb_ruleset__inst(L->rs, id);
	if (!inst)
		ERR(L, n, "UNKNOWN_INSTITUTION", "CASE-2", ref, "%s %s: institution=\"%.64s\" is "
		    "not in rule set %s", n->name, ref, id, L->rs->id);
	return inst;
}

/* [CASE-1] unit ids share one namespace per patient. */
static void unit_id(cload *L, const cb_elem *n, const char *id)
{
	if (cb_strmap_get(&L->unit_ids, id))
		ERR(L, n, "DUPLICATE_ID", "CASE-1", id, "id \"%.64s\" is used more than once among "
		    "the encounters, visits, stays and services of patient %s", id, L->pt->id);
	else if (cb_strmap_put(&L->unit_ids, id, (void *)id) != 0)
		L->oom = 1;
}

/* ---- structure the XSD cannot express (§2.3), reported as SCHEMA ---- */

static void need(cb_xml_problems *p, const cb_elem *n, const char *what, const char *a, int want)
{
	int has = ea(n, a) != NULL;
	if (has != want)
		cb_xml_problems_add(p, (n)->line, "%s: attribute '%s' is %s", what, a,
				    want ? "required" : "not allowed");
}

static void check_cover(const cb_elem *cv, int commercial, cb_xml_problems *p)
{
	static const char *fd[] = {"quota", "window"}, *fd_opt = "used";
	static const char *co[] = {"ratio", "annual-cap"}, *co_opt = "paid";
	const char *what = commercial ? "cover of a commercial contract"
				      : "cover of a family-doctor contract";
	for (int i = 0; i < 2; i++) {
		need(p, cv, what, fd[i], !commercial);
		need(p, cv, what, co[i], commercial);
	}
	if (commercial && ea(cv, fd_opt))
		need(p, cv, what, fd_opt, 0);
	if (!commercial && ea(cv, co_opt))
		need(p, cv, what, co_opt, 0);
}

static void check_contract(const cb_elem *n, cb_xml_problems *p)
{
	const char *type = ea(n, "type");
	int ltc = strcmp(type, "ltc") == 0, commercial = strcmp(type, "commercial") == 0;
	char what[64];
	snprintf(what, sizeof what, "contract type=\"%s\"", type);
	need(p, n, what, "payer", !ltc);
	need(p, n, what, "grade", ltc);
	for (const cb_elem *c = n->first; c; c = c->next) {
		if (ltc)
			cb_xml_problems_add(p, (c)->line, "%s: element <%s> is not allowed",
					    what, c->name);
		else if (is(c, "cover"))
			check_cover(c, commercial, p);
	}
}

static void check_encounter(const cb_elem *n, cb_xml_problems *p)
{
	int inpatient = strcmp(ea(n, "setting"), "inpatient") == 0;
	const char *what = inpatient ? "encounter setting=\"inpatient\""
				     : "encounter setting=\"outpatient\"";
	need(p, n, what, "date", !inpatient);
	need(p, n, what, "admit", inpatient);
	need(p, n, what, "discharge", inpatient);
}

/* Ids and codes must not be empty; the payer name of the medical insurance fund is reserved,
 * so that no other payer's claim can ever be mixed into it ([EC-1], [HV-3]). */
static int is_name_attr(const char *a)
{
	static const char *names[] = {"id", "institution", "item", "payer", "bed", "nursing",
				      "grade", "ruleset"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (cb_streq(a, names[i]))
			return 1;
	return 0;
}

static void check_names(const cb_elem *n, cb_xml_problems *p)
{
	/* one pass over the attributes that are there: most values are not empty */
	for (size_t i = 0; i < n->nattrs; i++) {
		const char *name = n->attrs[2 * i], *v = n->attrs[2 * i + 1];
		if (!*v && is_name_attr(name))
			cb_xml_problems_add(p, (n)->line, "%s: attribute '%s' must not be empty",
					    n->name, name);
		else if (name[0] == 'p' && strcmp(name, "payer") == 0 &&
			 strcmp(v, "medical-insurance") == 0)
			cb_xml_problems_add(p, (n)->line, "%s: payer \"medical-insurance\" is "
					    "reserved for the basic medical insurance fund", n->name);
	}
	for (const cb_elem *c = n->first; c; c = c->next)
		check_names(c, p);
}

static void check_structure(const cb_elem *root, cb_xml_problems *p)
{
	int periods = 0;
	check_names(root, p);
	for (const cb_elem *n = root->first; n; n = n->next) {
		periods += is(n, "period");
		if (!is(n, "patient"))
			continue;
		for (const cb_elem *c = n->first; c; c = c->next) {
			if (is(c, "contract"))
				check_contract(c, p);
			else if (is(c, "encounter"))
				check_encounter(c, p);
		}
	}
	if (periods != 1)
		cb_xml_problems_add(p, (root)->line, "case: exactly one <period> required, "
				    "found %d", periods);
}

/* ---- contracts ([CASE-5], [DUP-2], [EC-4], [EC-5]) ---- */

static void load_cover(cload *L, const cb_elem *n, cs_contract *k, cb_ptrvec *covers)
{
	cs_cover *cv = track(L, cb_arena_alloc(L->cs->arena, sizeof *cv));
	if (!cv)
		return;
	cv->item = ea(n, "item");
	cv->src = (n)->line;
	const rs_code *code = cb_ruleset__code(L->rs, cv->item);
	if (!code)
		ERR(L, n, "UNKNOWN_ITEM", "CASE-2", k->id, "cover in contract %s: item=\"%.64s\" "
		    "is not in rule set %s", k->id, cv->item, L->rs->id);
	if (k->type == CS_COMMERCIAL) {
		if (code && code->kind == CB_CODE_MEDICAL)
			ERR(L, n, "WRONG_TRACK", "EC-5", k->id, "cover in contract %s: commercial "
			    "cover of medical item %s", k->id, cv->item);
		cv->ratio = num(L, n, "ratio", CB_DEC_RATIO, k->id);
		cv->annual_cap = num(L, n, "annual-cap", CB_DEC_MONEY, k->id);
		cv->paid = num(L, n, "paid", CB_DEC_MONEY, k->id);
	} else {
		cv->quota = num(L, n, "quota", CB_DEC_COUNT, k->id);
		cv->used = num(L, n, "used", CB_DEC_COUNT, k->id);
		const char *w = ea(n, "window");
		cv->window = strcmp(w, "year") == 0    ? CS_WINDOW_YEAR
			     : strcmp(w, "month") == 0 ? CS_WINDOW_MONTH
						       : CS_WINDOW_CONTRACT;
	}
	push(L, covers, cv);
}

static void load_contract(cload *L, const cb_elem *n)
{
	cs_contract *k = track(L, cb_arena_alloc(L->cs->arena, sizeof *k));
	if (!k)
		return;
	k->id = ea(n, "id");
	k->payer = ea(n, "payer");
	k->grade = ea(n, "grade");
	k->src = (n)->line;
	const char *type = ea(n, "type");
	k->type = strcmp(type, "ltc") == 0 ? CS_LTC
		  : strcmp(type, "commercial") == 0 ? CS_COMMERCIAL : CS_FAMILY_DOCTOR;
	if (cb_strmap_get(&L->contract_ids, k->id))
		ERR(L, n, "DUPLICATE_ID", "CASE-1", k->id, "contract id \"%.64s\" appears twice "
		    "for patient %s", k->id, L->pt->id);
	else if (cb_strmap_put(&L->contract_ids, k->id, k) != 0)
		L->oom = 1;
	int ok = date(L, n, "from", k->id, &k->from) == 0;
	k->has_to = ea(n, "to") != NULL;
	if (k->has_to && date(L, n, "to", k->id, &k->to) == 0 && ok)
		check_range(L, n, k->id, "from", k->from, "to", k->to);
	cb_ptrvec covers = {0};
	for (const cb_elem *c = n->first; c; c = c->next) {
		if (!is(c, "cover"))
			continue;
		const char *item = ea(c, "item");
		for (size_t i = 0; i < covers.n; i++)
			if (strcmp(((cs_cover *)covers.v[i])->item, item) == 0) {
				ERR(L, c, "DUPLICATE_ID", "CASE-1", k->id, "contract %s covers item "
				    "%.64s more than once", k->id, item);
				break;
			}
		load_cover(L, c, k, &covers);
	}
	k->covers = (cs_cover **)track(L, cb_ptrvec_to_arena(&covers, L->cs->arena));
	k->ncovers = covers.n;
	cb_ptrvec_free(&covers);
	push(L, &L->pt->contracts, k);
}

/* ---- encounters and visits ([CASE-2], [CASE-3], [RULE-3], [HV-2], [HV-4]) ---- */

/* [CASE-3] the price a medical line must or may carry */
static void check_line_price(cload *L, const cb_elem *n, cs_line *ln)
{
	const rs_med_item *it = ln->med;
	if (it->kind == CB_MED_SERVICE) {
		if (ln->price && cb_dec_cmp(ln->price, it->price) != 0) {
			char want[64];
			cb_dec_format(it->price, CB_DEC_PRICE, want, sizeof want);
			ERR(L, n, "PRICE_MISMATCH", "CASE-3", ln->id, "line %s: price=\"%s\" differs "
			    "from the catalogue price %s of %s", ln->id, ea(n, "price"),
			    want, it->code);
		}
	} else if (!ea(n, "price")) {
		ERR(L, n, "MISSING_PRICE", "CASE-3", ln->id, "line %s: a %s line needs a price "
		    "(item %s)", ln->id, it->kind == CB_MED_DRUG ? "drug" : "consumable", it->code);
	}
}

/* [CASE-2] a line's time lies inside its unit */
static void check_line_inside(cload *L, const cb_elem *n, const cs_unit *u, const cs_line *ln,
			      int unit_dates_ok)
{
	if (!unit_dates_ok)
		return;
	int32_t lo = u->date, hi = u->date;
	if (u->type == CS_ENCOUNTER && u->setting == CB_SETTING_INPATIENT) {
		lo = u->admit;
		hi = u->discharge;
	}
	if (ln->at.day < lo || ln->at.day > hi)
		ERR(L, n, "LINE_OUTSIDE_UNIT", "CASE-2", ln->id, "line %s: at=\"%s\" is outside "
		    "%s %s", ln->id, ln->at_text, u->type == CS_VISIT ? "visit" : "encounter",
		    u->id);
}

static cs_line *load_line(cload *L, const cb_elem *n, const cs_unit *u, int unit_dates_ok)
{
	if (++L->lines > L->max_lines && over(L, n, "lines and units of one patient", L->max_lines))
		return NULL;
	cs_line *ln = track(L, cb_arena_alloc(L->cs->arena, sizeof *ln));
	if (!ln)
		return NULL;
	ln->id = ea(n, "id");
	ln->item = ea(n, "item");
	ln->at_text = ea(n, "at");
	ln->src = (n)->line;
	ln->qty = num(L, n, "qty", CB_DEC_QTY, ln->id);
	if (ln->qty && cb_dec_sgn(ln->qty) <= 0)
		ERR(L, n, "BAD_QTY", "CASE-2", ln->id, "line %s: qty=\"%s\" must be greater than 0",
		    ln->id, ea(n, "qty"));
	ln->price = num(L, n, "price", CB_DEC_PRICE, ln->id);
	if (time_attr(L, n, "at", ln->id, &ln->at) == 0)
		check_line_inside(L, n, u, ln, unit_dates_ok);
	const rs_code *code = cb_ruleset__code(L->rs, ln->item);
	if (!code)
		ERR(L, n, "UNKNOWN_ITEM", "CASE-2", ln->id, "line %s: item=\"%.64s\" is not in "
		    "rule set %s", ln->id, ln->item, L->rs->id);
	else if (code->kind != CB_CODE_MEDICAL)
		ERR(L, n, "WRONG_TRACK", "CASE-2", ln->id, "line %s: item %s is not a medical "
		    "catalogue item", ln->id, ln->item);
	else
		ln->med = code->def;
	if (ln->med && (ln->price || !ea(n, "price")))
		check_line_price(L, n, ln);
	return ln;
}

/* [RULE-3] the policy row a medical unit settles under must exist */
static void check_policy(cload *L, const cb_elem *n, const cs_unit *u)
{
	if (!u->inst)
		return;
	int setting = u->type == CS_VISIT ? CB_SETTING_OUTPATIENT : u->setting;
	if (!cb_ruleset__row(L->rs, L->pt->scheme, setting, u->inst->level, L->pt->retired))
		ERR(L, n, "NO_POLICY", "RULE-3", u->id, "%s %s: no policy row for %s/%s/%s/%s",
		    n->name, u->id, L->pt->scheme == CB_SCHEME_EMPLOYEE ? "employee" : "resident",
		    setting == CB_SETTING_INPATIENT ? "inpatient" : "outpatient", u->inst->level,
		    L->pt->retired ? "retired" : "active");
}

/* [HV-1], [HV-2] a visit's schedule and radius */
static void check_visit(cload *L, const cb_elem *n, cs_unit *u)
{
	u->distance_km = num(L, n, "distance-km", CB_DEC_DISTANCE, u->id);
	cb_dec *one = track(L, cb_arena_dec(L->cs->arena));
	if (one)
		cb_dec_set_ui(one, 1);
	u->staff = ea(n, "staff") ? num(L, n, "staff", CB_DEC_COUNT, u->id) : one;
	if (u->staff && one && cb_dec_cmp(u->staff, one) < 0)
		ERR(L, n, "BAD_QTY", "CASE-2", u->id, "visit %s: staff=\"%s\" must be at least 1",
		    u->id, ea(n, "staff"));
	u->surcharge = is_true(ea(n, "surcharge"));
	if (!u->inst)
		return;
	if (!u->inst->visit) {
		ERR(L, n, "NOT_PRICED", "HV-4", u->id, "visit %s: institution %s has no "
		    "home-visit schedule", u->id, u->inst->id);
		return;
	}
	const cb_dec *radius = u->inst->visit->radius_km;
	if (u->distance_km && radius && cb_dec_cmp(u->distance_km, radius) > 0)
		ERR(L, n, "OUT_OF_RADIUS", "HV-2", u->id, "visit %s: distance-km=\"%s\" is beyond "
		    "the service radius of %s km", u->id, ea(n, "distance-km"),
		    ea(n, "distance-km") ? cb_arena_fmt(L->cs->arena, radius,
								 CB_DEC_DISTANCE) : "");
}

static void load_unit_lines(cload *L, const cb_elem *n, cs_unit *u, int dates_ok)
{
	cb_ptrvec lines = {0};
	for (const cb_elem *c = n->first; c; c = c->next)
		if (is(c, "line")) {
			cs_line *ln = load_line(L, c, u, dates_ok);
			if (L->over_limit)
				break;
			push(L, &lines, ln);
		}
	u->lines = (cs_line **)track(L, cb_ptrvec_to_arena(&lines, L->cs->arena));
	u->nlines = lines.n;
	cb_ptrvec_free(&lines);
}

static void load_encounter(cload *L, const cb_elem *n)
{
	cs_unit *u = track(L, cb_arena_alloc(L->cs->arena, sizeof *u));
	if (!u)
		return;
	u->id = ea(n, "id");
	u->institution = ea(n, "institution");
	u->src = (n)->line;
	unit_id(L, n, u->id);
	u->inst = institution(L, n, u->id);
	int ok;
	if (is(n, "visit")) {
		u->type = CS_VISIT;
		u->at_text = ea(n, "at");
		ok = time_attr(L, n, "at", u->id, &u->at) == 0;
		u->date = u->at.day;
		check_visit(L, n, u);
	} else {
		u->type = CS_ENCOUNTER;
		u->setting = strcmp(ea(n, "setting"), "inpatient") == 0
				     ? CB_SETTING_INPATIENT
				     : CB_SETTING_OUTPATIENT;
		if (u->setting == CB_SETTING_INPATIENT) {
			ok = (date(L, n, "admit", u->id, &u->admit) |
			      date(L, n, "discharge", u->id, &u->discharge)) == 0;
			if (ok && u->discharge < u->admit) {
				check_range(L, n, u->id, "admit", u->admit, "discharge", u->discharge);
				ok = 0;
			}
			u->date = u->discharge;
		} else {
			ok = date(L, n, "date", u->id, &u->date) == 0;
		}
	}
	load_unit_lines(L, n, u, ok);
	if (u->type == CS_ENCOUNTER || u->nlines > 0)
		check_policy(L, n, u);
	push(L, &L->pt->units, u);
}

/* ---- elder care ([CASE-2], [CASE-4], [RULE-2]) ---- */

/* An elder-care item of `kind` priced by the unit's institution; NULL otherwise (reported). */
static const char *ec_item(cload *L, const cb_elem *n, const cs_unit *u, const char *attr_name,
			   int kind)
{
	static const char *kinds[] = {"bed", "nursing", "service"};
	const char *code = ea(n, attr_name);
	const rs_code *c = cb_ruleset__code(L->rs, code);
	if (!c) {
		ERR(L, n, "UNKNOWN_ITEM", "CASE-2", u->id, "%s %s: %s=\"%.64s\" is not in rule set "
		    "%s", n->name, u->id, attr_name, code, L->rs->id);
		return NULL;
	}
	if (c->kind != CB_CODE_ELDERCARE || ((const rs_ec_item *)c->def)->kind != kind) {
		ERR(L, n, "WRONG_TRACK", "CASE-2", u->id, "%s %s: %s=\"%.64s\" is not an elder-care "
		    "%s item", n->name, u->id, attr_name, code, kinds[kind]);
		return NULL;
	}
	if (u->inst && !cb_strmap_get(&u->inst->prices, code))
		ERR(L, n, "NOT_PRICED", "RULE-2", u->id, "%s %s: institution %s does not price "
		    "%s", n->name, u->id, u->inst->id, code);
	return code;
}

static cs_unit *ec_unit(cload *L, const cb_elem *n, int type)
{
	cs_unit *u = track(L, cb_arena_alloc(L->cs->arena, sizeof *u));
	if (!u)
		return NULL;
	u->type = type;
	u->id = ea(n, "id");
	u->institution = ea(n, "institution");
	u->src = (n)->line;
	unit_id(L, n, u->id);
	u->inst = institution(L, n, u->id);
	return u;
}

static void load_stay(cload *L, const cb_elem *n)
{
	cs_unit *u = ec_unit(L, n, CS_STAY);
	if (!u)
		return;
	u->bed = ec_item(L, n, u, "bed", CB_EC_BED);
	if (ea(n, "nursing"))
		u->nursing = ec_item(L, n, u, "nursing", CB_EC_NURSING);
	int ok = date(L, n, "from", u->id, &u->from) == 0;
	u->has_to = ea(n, "to") != NULL;
	if (u->has_to) {
		ok = date(L, n, "to", u->id, &u->to) == 0 && ok;
		if (ok)
			check_range(L, n, u->id, "from", u->from, "to", u->to);
		ok = ok && u->to >= u->from;
	}
	u->dates_ok = ok;
	push(L, &L->pt->units, u);
}

static void load_service(cload *L, const cb_elem *n)
{
	cs_unit *u = ec_unit(L, n, CS_SERVICE);
	if (!u)
		return;
	u->item = ec_item(L, n, u, "item", CB_EC_SERVICE);
	u->qty = num(L, n, "qty", CB_DEC_QTY, u->id);
	if (u->qty && cb_dec_sgn(u->qty) <= 0)
		ERR(L, n, "BAD_QTY", "CASE-2", u->id, "service %s: qty=\"%s\" must be greater "
		    "than 0", u->id, ea(n, "qty"));
	u->at_text = ea(n, "at");
	if (time_attr(L, n, "at", u->id, &u->at) == 0) {
		u->date = u->at.day;
		if (u->date < L->cs->period_from || u->date >= L->cs->period_to)
			ERR(L, n, "LINE_OUTSIDE_UNIT", "CASE-4", u->id, "service %s: at=\"%s\" is "
			    "outside the billing period", u->id, u->at_text);
	}
	push(L, &L->pt->units, u);
}

/* The last day a stay occupies, as an exclusive end; open stays run past everything.
 * A stay whose from and to are equal counts that one day ([NUM-6]). */
static int32_t stay_end(const cs_unit *u)
{
	if (!u->has_to)
		return INT32_MAX;
	return u->to == u->from ? u->from + 1 : u->to;
}

static int stay_cmp(const void *pa, const void *pb)
{
	const cs_unit *a = *(const cs_unit *const *)pa, *b = *(const cs_unit *const *)pb;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* [CASE-4] two stays of one patient must not share a day, at any institution. The stays are
 * swept in [ORD-1] order (from, then id): a stay that starts before the latest end so far
 * shares days with the stay holding that end, and is reported once — the same findings
 * whatever the document order, and one per offending stay, not one per pair. */
static void check_stay_overlap(cload *L)
{
	cb_ptrvec stays = {0};
	for (size_t i = 0; i < L->pt->units.n; i++) {
		cs_unit *u = L->pt->units.v[i];
		if (u->type == CS_STAY && u->dates_ok) /* bad dates are reported already */
			push(L, &stays, u);
	}
	if (stays.n > 1)
		qsort(stays.v, stays.n, sizeof(void *), stay_cmp);
	const cs_unit *reach = NULL; /* the stay that ends last so far */
	for (size_t i = 0; i < stays.n; i++) {
		const cs_unit *u = stays.v[i];
		if (reach && u->from < stay_end(reach))
			push(L, &L->pt->findings,
			     cb_finding__new(L->cs->arena, "STAY_OVERLAP", "CASE-4", L->pt->id, u->id,
					     L->cs->name, u->src, "stay %s shares days with stay %s",
					     u->id, reach->id));
		if (!reach || stay_end(u) > stay_end(reach))
			reach = u;
	}
	cb_ptrvec_free(&stays);
}

static void load_accumulators(cload *L, const cb_elem *n)
{
	cs_accum *a = track(L, cb_arena_alloc(L->cs->arena, sizeof *a));
	if (!a)
		return;
	const char *year = ea(n, "year");
	int32_t day;
	char probe[16];
	/* every value is checked, even when the year is wrong ([CASE-6]: all errors) */
	a->od_used = num(L, n, "outpatient-deductible-used", CB_DEC_MONEY, "accumulators");
	a->fund_paid[CB_CAPGROUP_OUTPATIENT] =
		num(L, n, "outpatient-fund-paid", CB_DEC_MONEY, "accumulators");
	a->fund_paid[CB_CAPGROUP_INPATIENT] =
		num(L, n, "inpatient-fund-paid", CB_DEC_MONEY, "accumulators");
	if (strlen(year) != 4 || (snprintf(probe, sizeof probe, "%s-01-01", year),
				  cb_date_parse(probe, &day) != 0)) {
		ERR(L, n, "BAD_DATE", "NUM-5", "accumulators", "accumulators: year=\"%.64s\" is "
		    "not a year YYYY", year);
		return;
	}
	a->year = cb_date_year(day);
	for (size_t i = 0; i < L->pt->accums.n; i++)
		if (((cs_accum *)L->pt->accums.v[i])->year == a->year) {
			ERR(L, n, "DUPLICATE_ID", "CASE-5", "accumulators", "accumulators for "
			    "year %d appear twice", a->year);
			return;
		}
	push(L, &L->pt->accums, a);
}

static void load_patient_child(cload *L, const cb_elem *c)
{
	if (++L->lines > L->max_lines && over(L, c, "lines and units of one patient", L->max_lines))
		return;
	if (is(c, "accumulators"))
		load_accumulators(L, c);
	else if (is(c, "contract"))
		load_contract(L, c);
	else if (is(c, "encounter") || is(c, "visit"))
		load_encounter(L, c);
	else if (is(c, "stay"))
		load_stay(L, c);
	else if (is(c, "service"))
		load_service(L, c);
}

/* A patient id repeated in a case is DUPLICATE_ID ([CASE-1]): the repeats are merged into
 * one patient, held. */
static cs_patient *patient_for(cload *L, const cb_elem *n, cb_strmap *by_id)
{
	const char *id = ea(n, "id");
	cs_patient *pt = cb_strmap_get(by_id, id);
	if (pt) {
		L->pt = pt;
		ERR(L, n, "DUPLICATE_ID", "CASE-1", pt->id, "patient id \"%.64s\" appears more "
		    "than once in the case", id);
		return pt;
	}
	pt = track(L, cb_arena_alloc(L->cs->arena, sizeof *pt));
	if (!pt)
		return NULL;
	pt->id = id;
	pt->src = (n)->line;
	pt->scheme = strcmp(ea(n, "scheme"), "employee") == 0 ? CB_SCHEME_EMPLOYEE
								      : CB_SCHEME_RESIDENT;
	pt->retired = is_true(ea(n, "retired"));
	if (!pt->id || cb_strmap_put(by_id, pt->id, pt) != 0)
		L->oom = 1;
	push(L, &L->cs->patients, pt);
	return pt;
}

/* [ORD-2] lines by `at`, then line id bytewise; lines the same in id and time are ordered by
 * what they are (item, qty, price), so that which one is the duplicate ([DUP-1]) never
 * depends on document order; lines equal in all of that keep their document order. */
typedef struct oline {
	const cs_line *ln;
	size_t at; /* place in the document */
} oline;

static int line_cmp(const void *pa, const void *pb)
{
	const oline *x = pa, *y = pb;
	const cs_line *a = x->ln, *b = y->ln;
	int c = cb_time_cmp(a->at, b->at);
	if (!c)
		c = strcmp(a->id, b->id);
	if (!c)
		c = strcmp(a->item, b->item);
	if (!c)
		c = cb_dec_cmp(a->qty, b->qty);
	if (!c && a->price && b->price)
		c = cb_dec_cmp(a->price, b->price);
	if (!c)
		c = (a->price != NULL) - (b->price != NULL);
	if (!c)
		c = (x->at > y->at) - (x->at < y->at);
	return c;
}

/* The [ORD-2] order of each unit's lines, once, for a patient who is not held (every line's
 * values are valid). Pricing reads it and sorts nothing, so a case loaded once can be priced
 * again, by any thread, without being changed. */
static void order_lines(cload *L, cs_patient *pt)
{
	for (size_t i = 0; i < pt->units.n && !L->oom; i++) {
		cs_unit *u = pt->units.v[i];
		if (u->nlines < 2)
			continue;
		int sorted = 1;
		for (size_t j = 1; j < u->nlines && sorted; j++)
			sorted = line_cmp(&(oline){u->lines[j - 1], j - 1}, &(oline){u->lines[j], j}) <= 0;
		if (sorted)
			continue;
		/* a unit's few lines by insertion on the stack, more with qsort; the order is
		 * total (the place in the document last), so both give the same */
		enum { FEW = 32 };
		oline few[FEW];
		oline *tmp = u->nlines <= FEW ? few : malloc(u->nlines * sizeof *tmp);
		cs_line **ordered = cb_arena_alloc(L->cs->arena, u->nlines * sizeof *ordered);
		if (!tmp || !ordered) {
			if (tmp != few)
				free(tmp);
			L->oom = 1;
			return;
		}
		for (size_t j = 0; j < u->nlines; j++)
			tmp[j] = (oline){u->lines[j], j};
		if (tmp == few) {
			for (size_t j = 1; j < u->nlines; j++) {
				oline x = tmp[j];
				size_t k = j;
				for (; k > 0 && line_cmp(&tmp[k - 1], &x) > 0; k--)
					tmp[k] = tmp[k - 1];
				tmp[k] = x;
			}
		} else {
			qsort(tmp, u->nlines, sizeof *tmp, line_cmp);
		}
		for (size_t j = 0; j < u->nlines; j++)
			ordered[j] = (cs_line *)tmp[j].ln;
		if (tmp != few)
			free(tmp);
		u->ordered = ordered;
	}
}

static void load_patients(cload *L, const cb_elem *root)
{
	cb_strmap by_id = {0};
	for (const cb_elem *n = root->first; n && !L->oom; n = n->next) {
		if (!is(n, "patient"))
			continue;
		if (L->cs->patients.n >= L->max_patients &&
		    over(L, n, "patients in one case", L->max_patients))
			break;
		L->pt = patient_for(L, n, &by_id);
		if (!L->pt)
			break;
		L->lines = 0;
		cb_strmap_free(&L->unit_ids);
		cb_strmap_free(&L->contract_ids);
		for (size_t i = 0; i < L->pt->units.n; i++) /* a merged repeat keeps its ids */
			cb_strmap_put(&L->unit_ids, ((cs_unit *)L->pt->units.v[i])->id, L);
		for (const cb_elem *c = n->first; c && !L->oom && !L->over_limit;
		     c = c->next)
			load_patient_child(L, c);
		if (L->over_limit)
			break;
		check_stay_overlap(L);
	}
	cb_strmap_free(&by_id);
	cb_strmap_free(&L->unit_ids);
	cb_strmap_free(&L->contract_ids);
	for (size_t i = 0; i < L->cs->patients.n && !L->oom; i++) {
		cs_patient *pt = L->cs->patients.v[i];
		pt->held = pt->findings.n > 0;
		if (pt->findings.n)
			qsort(pt->findings.v, pt->findings.n, sizeof(void *), cb_finding__cmp);
		else
			order_lines(L, pt);
	}
}

static void free_case(cs_case *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->patients.n; i++) {
		cs_patient *pt = cs->patients.v[i];
		cb_ptrvec_free(&pt->accums);
		cb_ptrvec_free(&pt->contracts);
		cb_ptrvec_free(&pt->units);
		cb_ptrvec_free(&pt->findings);
	}
	cb_ptrvec_free(&cs->patients);
	cb_ptrvec_free(&cs->doc_findings);
	cb_arena_free(cs->arena);
	cb_arena_free(cs->tree);
	free(cs);
}

void cb_case__free(cs_case *cs)
{
	free_case(cs);
}

/* Problems from the parser or the schema become SCHEMA findings. */
static void schema_findings(cload *L, const cb_xml_problems *probs)
{
	for (size_t i = 0; i < probs->n; i++)
		doc_error(L, probs->v[i].line, "SCHEMA", "case", probs->v[i].msg);
	if (probs->oom)
		L->oom = 1;
}

/* The case's period and ruleset, after the schema and structure checks passed. */
static void load_header(cload *L, const cb_elem *root)
{
	cs_case *cs = L->cs;
	cs->ruleset = ea(root, "ruleset");
	if (cs->ruleset && strcmp(cs->ruleset, L->rs->id) != 0) {
		char msg[256];
		snprintf(msg, sizeof msg, "case: ruleset=\"%.64s\" but it is priced with rule set "
			 "\"%.64s\"", cs->ruleset, L->rs->id);
		doc_error(L, (root)->line, "WRONG_RULESET", "case", msg);
		return;
	}
	for (const cb_elem *n = root->first; n; n = n->next) {
		if (!is(n, "period"))
			continue;
		const char *f = ea(n, "from"), *t = ea(n, "to");
		char msg[256];
		if (cb_date_parse(f, &cs->period_from) || cb_date_parse(t, &cs->period_to)) {
			snprintf(msg, sizeof msg, "period: from=\"%.32s\" to=\"%.32s\": not valid "
				 "dates YYYY-MM-DD", f, t);
			doc_error(L, (n)->line, "BAD_DATE", "period", msg);
		} else if (cs->period_to < cs->period_from) {
			snprintf(msg, sizeof msg, "period: to=\"%s\" is before from=\"%s\"", t, f);
			doc_error(L, (n)->line, "BAD_DATE", "period", msg);
		}
	}
}

int cb_case__xml_char(const unsigned char *p)
{
	unsigned c = *p;
	if (c < 0x80)
		return c >= 0x20 || c == 0x9 || c == 0xA || c == 0xD;
	int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : -1;
	if (n < 0 || c > 0xF4)
		return 0;
	unsigned cp = c & (0x3F >> n);
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
		return 0;
	return n + 1;
}

/* The case's name as text XML can carry: '?' for each byte that does not start a character. */
static char *clean_name(cb_arena *a, const char *name)
{
	char *s = cb_arena_strdup(a, name);
	unsigned char *p = (unsigned char *)s;
	for (int n; p && *p; p += n)
		if (!(n = cb_case__xml_char(p))) {
			*p = '?';
			n = 1;
		}
	return s;
}

cs_case *cb_case__new(const cb_ruleset *rs, const char *name)
{
	cs_case *cs = calloc(1, sizeof *cs);
	if (!cs || !(cs->arena = cb_arena_new())) {
		free(cs);
		return NULL;
	}
	cs->rs = rs;
	if (!(cs->name = clean_name(cs->arena, name))) {
		free_case(cs);
		return NULL;
	}
	return cs;
}

int cb_case__load_tree(cs_case *cs, const cb_elem *root, const cb_xml_problems *probs,
		       size_t max_patients, size_t max_lines)
{
	cload L = {0};
	L.rs = cs->rs;
	L.cs = cs;
	L.max_patients = max_patients;
	L.max_lines = max_lines;
	cb_xml_problems more = {0};
	if (root && probs->n == 0 && !probs->oom)
		check_structure(root, &more);
	schema_findings(&L, probs);
	schema_findings(&L, &more);
	cb_xml_problems_free(&more);
	if (!root && !cs->rejected)
		L.oom = 1;
	if (!cs->rejected && !L.oom)
		load_header(&L, root);
	if (!cs->rejected && !L.oom)
		load_patients(&L, root);
	cb_strmap_free(&L.unit_ids);
	cb_strmap_free(&L.contract_ids);
	if (L.over_limit)
		return CB_ELIMIT;
	if (L.oom)
		return cb__error(CB_ENOMEM, "out of memory loading %s", cs->name);
	return CB_OK;
}

/* A name as the builder table's own static string when it is one (no copy), else a copy. */
static const char *intern(cb_arena *a, const char *name)
{
	const char *known = cb_case__known_name(name);
	return known ? known : cb_arena_strdup(a, name);
}

/* A new element of the tree in arena a, the last child of `parent` (NULL: a root), with
 * room for n attributes (elem_attr); NULL when out of memory. Both ways a document becomes a
 * tree (from its DOM, or streamed from the parser) make their elements with these two. */
static cb_elem *elem_new(cb_arena *a, cb_elem *parent, const char *name, unsigned long line,
			 size_t n)
{
	cb_elem *e = cb_arena_alloc(a, sizeof *e);
	if (!e || !(e->name = intern(a, name)) ||
	    !(e->attrs = cb_arena_alloc(a, (2 * n + 1) * sizeof *e->attrs)))
		return NULL;
	e->line = line;
	if (parent)
		cb_elem__append(parent, e);
	return e;
}

/* Attribute name="value" of e, both copied into a; 0, or -1 when out of memory. */
static int elem_attr(cb_arena *a, cb_elem *e, const char *name, const char *value)
{
	const char *k = intern(a, name), *v = cb_arena_strdup(a, value);
	if (!k || !v)
		return -1;
	e->attrs[2 * e->nattrs] = k;
	e->attrs[2 * e->nattrs + 1] = v;
	e->nattrs++;
	return 0;
}

/* The DOM of a valid document as a tree of elements in the case's arena (values copied). */
static cb_elem *from_dom(cb_arena *a, xmlNodePtr n, cb_elem *parent)
{
	size_t na = 0;
	for (xmlAttrPtr p = n->properties; p; p = p->next)
		na += p->ns == NULL;
	long line = xmlGetLineNo(n);
	cb_elem *e = elem_new(a, parent, (const char *)n->name,
			      line > 0 ? (unsigned long)line : 0, na);
	if (!e)
		return NULL;
	for (xmlAttrPtr p = n->properties; p; p = p->next) {
		if (p->ns) /* xsi:…, the only ones the XSD lets through: no case data */
			continue;
		const char *v = cb_xml_attr(n, (const char *)p->name);
		if (elem_attr(a, e, (const char *)p->name, v ? v : "") != 0)
			return NULL;
	}
	for (xmlNodePtr c = cb_xml_elem(n->children); c; c = cb_xml_elem(c->next))
		if (!from_dom(a, c, e))
			return NULL;
	return e;
}

/* The tree of a document streamed from the parser (cb_xml_stream_valid): the same elements,
 * names, values and lines from_dom makes of its DOM. */
typedef struct sbuild {
	cb_arena *a;
	cb_elem *root, *cur;
} sbuild;

static int stream_start(void *ud, const char *name, const char *const *attrs, size_t n,
			unsigned long line)
{
	sbuild *b = ud;
	if (!b->cur && b->root) /* a second root: not well-formed, the parser stops first */
		return -1;
	cb_elem *e = elem_new(b->a, b->cur, name, line, n);
	if (!e)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (elem_attr(b->a, e, attrs[2 * i], attrs[2 * i + 1]) != 0)
			return -1;
	if (!b->cur)
		b->root = e;
	b->cur = e;
	return 0;
}

static int stream_end(void *ud)
{
	sbuild *b = ud;
	if (!b->cur)
		return -1;
	b->cur = b->cur->parent;
	return 0;
}

/*
 * The tree of a well-formed, valid document in arena `a`, made in one pass while libxml2
 * parses and validates it, without a DOM: a DOM takes some 1.9 KB a line (2.4 GB for a
 * million-line case), and freeing its millions of nodes was a fifth of the time of loading
 * and pricing. NULL when the document has any problem; the caller then loads it through the
 * DOM, whose parser and validator report the problems exactly as before.
 */
static cb_elem *stream_tree(cb_arena *a, const cb_ruleset *rs, const char *buf, size_t len)
{
	sbuild b = {a, NULL, NULL};
	cb_xml_events ev = {&b, stream_start, stream_end};
	if (cb_xml_stream_valid(buf, len, rs->case_schema, &ev) != 0 || b.cur)
		return NULL;
	return b.root;
}

/* The tree of a document through its DOM, in arena a: NULL with its problems in probs when
 * it is not well-formed or not valid (probs->oom when out of memory). */
static cb_elem *dom_tree(cb_arena *a, const cb_ruleset *rs, const char *buf, size_t len,
			 cb_xml_problems *probs)
{
	xmlDocPtr doc = NULL;
	cb_elem *root = NULL;
	if (cb_xml_parse(&doc, buf, len, probs) == 0 &&
	    cb_xml_validate(rs->case_schema, doc, probs) == 0 &&
	    !(root = from_dom(a, xmlDocGetRootElement(doc), NULL)))
		probs->oom = 1;
	xmlFreeDoc(doc);
	return root;
}

cb_elem *cb_case__doc_tree(cb_arena *a, const cb_ruleset *rs, const char *buf, size_t len,
			   int streamed)
{
	if (streamed)
		return stream_tree(a, rs, buf, len);
	cb_xml_problems probs = {0};
	cb_elem *root = dom_tree(a, rs, buf, len, &probs);
	cb_xml_problems_free(&probs);
	return root;
}

cb_limits cb_case__limits(const cb_price_options *opts)
{
	cb_limits l = {(size_t)256 << 20, 1000000, 200000};
	if (opts && opts->max_document_bytes)
		l.document_bytes = opts->max_document_bytes;
	if (opts && opts->max_patients)
		l.patients = opts->max_patients;
	if (opts && opts->max_lines_per_patient)
		l.lines = opts->max_lines_per_patient;
	return l;
}

int cb_case__load(cs_case **out, cb_elem **root_out, const cb_ruleset *rs, const char *buf,
		  size_t len, const char *name, const cb_price_options *opts)
{
	*out = NULL;
	if (root_out)
		*root_out = NULL;
	cb_limits limits = cb_case__limits(opts);
	if (len > limits.document_bytes)
		return cb__error(CB_ELIMIT, "%s: %zu bytes is over the limit of %zu", name, len,
				 limits.document_bytes);
	cs_case *cs = cb_case__new(rs, name);
	if (!cs)
		return cb__error(CB_ENOMEM, "out of memory loading %s", name);
	cb_sha256_hex(buf, len, cs->sha256);
	cb_xml_problems probs = {0};
	cb_elem *root = NULL;
	if ((cs->tree = cb_arena_new()))
		root = stream_tree(cs->tree, rs, buf, len);
	if (!root) {
		/* a problem (or out of memory): the partial tree is let go, and the DOM route
		 * finds the problems and reports them */
		cb_arena_free(cs->tree);
		cs->tree = NULL;
		root = dom_tree(cs->arena, rs, buf, len, &probs);
	}
	int rc = probs.oom ? cb__error(CB_ENOMEM, "out of memory loading %s", name)
			   : cb_case__load_tree(cs, root, &probs, limits.patients, limits.lines);
	cb_xml_problems_free(&probs);
	if (rc != CB_OK) {
		free_case(cs);
		return rc;
	}
	*out = cs;
	if (root_out)
		*root_out = root;
	return CB_OK;
}
