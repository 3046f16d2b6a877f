/*
 * ruleset.c — loading and checking a rule set ([DOC-2], [RULE-1]..[RULE-4], SPEC §2.1/§2.3).
 * The XSD checks structure; this file checks what XSD 1.0 cannot: counts of children,
 * attributes that depend on kind and class, [NUM-1] decimals, unique codes and rows, and
 * institution prices against the guidance ceilings. Every problem is collected; a rule set
 * with any problem is refused whole. A loaded rule set is immutable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "sha256.h"
#include "model.h"

typedef struct loader {
	cb_ruleset *rs;
	const char *file;
	cb_xml_problems probs;
	int oom;
} loader;

#define PROBLEM(L, node, ...)                                                            \
	cb_xml_problems_add(&(L)->probs, (unsigned long)xmlGetLineNo(node), __VA_ARGS__)

static void *track(loader *L, void *p)
{
	if (!p)
		L->oom = 1;
	return p;
}

/* A decimal attribute of `kind` ([NUM-1]); NULL when absent or malformed (reported). */
static const cb_dec *num_attr(loader *L, xmlNodePtr n, const char *attr, cb_dec_kind kind)
{
	const char *text = cb_xml_attr(n, attr);
	if (!text)
		return NULL;
	cb_dec *d = track(L, cb_arena_dec(L->rs->arena));
	if (!d)
		return NULL;
	char why[160];
	if (cb_dec_parse(d, text, kind, why, sizeof why) != 0) {
		PROBLEM(L, n, "%s: BAD_DECIMAL: %s=\"%.64s\" %s", n->name, attr, text, why);
		return NULL;
	}
	return d;
}

static const char *str_attr(loader *L, xmlNodePtr n, const char *attr)
{
	const char *v = cb_xml_attr(n, attr);
	return v ? track(L, cb_arena_strdup(L->rs->arena, v)) : NULL;
}

static int is_true(const char *v)
{
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* [RULE-4] one namespace for catalogue codes, guidance codes and fee items */
static void add_code(loader *L, xmlNodePtr n, const char *code, int kind, const void *def)
{
	if (!code)
		return;
	if (cb_strmap_get(&L->rs->codes, code)) {
		PROBLEM(L, n, "%s: code \"%.64s\" is used twice [RULE-4]", n->name, code);
		return;
	}
	rs_code *c = track(L, cb_arena_alloc(L->rs->arena, sizeof *c));
	if (!c)
		return;
	c->kind = kind;
	c->def = def;
	if (cb_strmap_put(&L->rs->codes, code, c) != 0)
		L->oom = 1;
}

/* [RULE-1] a medical catalogue item and the attributes its kind and class allow */
static void load_med_item(loader *L, xmlNodePtr n)
{
	rs_med_item *it = track(L, cb_arena_alloc(L->rs->arena, sizeof *it));
	if (!it)
		return;
	it->code = str_attr(L, n, "code");
	it->name = str_attr(L, n, "name");
	const char *kind = cb_xml_attr(n, "kind"), *cls = cb_xml_attr(n, "class");
	it->kind = strcmp(kind, "service") == 0 ? CB_MED_SERVICE
		   : strcmp(kind, "drug") == 0  ? CB_MED_DRUG
						: CB_MED_CONSUMABLE;
	it->cls = cls[0];
	it->price = num_attr(L, n, "price", CB_DEC_PRICE);
	it->limit = num_attr(L, n, "limit", CB_DEC_PRICE);
	it->b_ratio = num_attr(L, n, "b-ratio", CB_DEC_RATIO);
	int is_service = it->kind == CB_MED_SERVICE;
	if (is_service && !cb_xml_attr(n, "price"))
		PROBLEM(L, n, "item %s: a service needs a price [RULE-1]", it->code);
	if (is_service && cb_xml_attr(n, "limit"))
		PROBLEM(L, n, "item %s: a service has no limit [RULE-1]", it->code);
	if (!is_service && cb_xml_attr(n, "price"))
		PROBLEM(L, n, "item %s: a %s has no catalogue price [RULE-1]", it->code, kind);
	if (it->cls == 'B' && !cb_xml_attr(n, "b-ratio"))
		PROBLEM(L, n, "item %s: class B needs a b-ratio [RULE-1]", it->code);
	if (it->cls != 'B' && cb_xml_attr(n, "b-ratio"))
		PROBLEM(L, n, "item %s: only class B has a b-ratio [RULE-1]", it->code);
	add_code(L, n, it->code, CB_CODE_MEDICAL, it);
}

static void load_ec_item(loader *L, xmlNodePtr n)
{
	rs_ec_item *it = track(L, cb_arena_alloc(L->rs->arena, sizeof *it));
	if (!it)
		return;
	it->code = str_attr(L, n, "code");
	it->name = str_attr(L, n, "name");
	it->unit = str_attr(L, n, "unit");
	const char *kind = cb_xml_attr(n, "kind");
	it->kind = strcmp(kind, "bed") == 0       ? CB_EC_BED
		   : strcmp(kind, "nursing") == 0 ? CB_EC_NURSING
						  : CB_EC_SERVICE;
	it->ceiling = num_attr(L, n, "ceiling", CB_DEC_MONEY);
	add_code(L, n, it->code, CB_CODE_ELDERCARE, it);
}

static void load_row(loader *L, xmlNodePtr n)
{
	cb_ruleset *rs = L->rs;
	rs_row *r = track(L, cb_arena_alloc(rs->arena, sizeof *r));
	if (!r || cb_ptrvec_push(&rs->rows, r) != 0) {
		L->oom = 1;
		return;
	}
	r->scheme = strcmp(cb_xml_attr(n, "scheme"), "employee") == 0 ? CB_SCHEME_EMPLOYEE
								       : CB_SCHEME_RESIDENT;
	r->setting = strcmp(cb_xml_attr(n, "setting"), "outpatient") == 0
			     ? CB_SETTING_OUTPATIENT
			     : CB_SETTING_INPATIENT;
	r->cap_group = strcmp(cb_xml_attr(n, "cap-group"), "outpatient") == 0
			       ? CB_CAPGROUP_OUTPATIENT
			       : CB_CAPGROUP_INPATIENT;
	r->retired = is_true(cb_xml_attr(n, "retired"));
	r->level = str_attr(L, n, "level");
	r->deductible = num_attr(L, n, "deductible", CB_DEC_MONEY);
	r->ratio = num_attr(L, n, "ratio", CB_DEC_RATIO);
	r->cap = num_attr(L, n, "cap", CB_DEC_MONEY);
	r->label = track(L, cb_arena_printf(rs->arena, "%s/%s/%s/%s",
					    cb_xml_attr(n, "scheme"), cb_xml_attr(n, "setting"),
					    r->level ? r->level : "", r->retired ? "retired" : "active"));
	if (r->label && r->level && cb_ruleset__row(rs, r->scheme, r->setting, r->level,
						    r->retired) != r)
		PROBLEM(L, n, "row %s: duplicate policy row", r->label);
}

static void load_home_visit(loader *L, xmlNodePtr n, rs_inst *inst)
{
	if (inst->visit) {
		PROBLEM(L, n, "institution %s: more than one home-visit schedule", inst->id);
		return;
	}
	rs_home_visit *hv = track(L, cb_arena_alloc(L->rs->arena, sizeof *hv));
	if (!hv)
		return;
	hv->fee_item = str_attr(L, n, "fee-item");
	hv->base = num_attr(L, n, "base", CB_DEC_MONEY);
	hv->included_km = num_attr(L, n, "included-km", CB_DEC_DISTANCE);
	hv->per_km = num_attr(L, n, "per-km", CB_DEC_MONEY);
	hv->radius_km = num_attr(L, n, "radius-km", CB_DEC_DISTANCE);
	hv->extra_staff = num_attr(L, n, "extra-staff", CB_DEC_MONEY);
	hv->surcharge = num_attr(L, n, "surcharge", CB_DEC_RATIO);
	inst->visit = hv;
	add_code(L, n, hv->fee_item, CB_CODE_FEE, inst);
}

/* eldercare-price rows are checked against the guidance after the whole document is read */
static void load_inst(loader *L, xmlNodePtr n)
{
	cb_ruleset *rs = L->rs;
	rs_inst *inst = track(L, cb_arena_alloc(rs->arena, sizeof *inst));
	if (!inst || cb_ptrvec_push(&rs->insts, inst) != 0) {
		L->oom = 1;
		return;
	}
	inst->id = str_attr(L, n, "id");
	inst->name = str_attr(L, n, "name");
	inst->level = str_attr(L, n, "level");
	inst->bed_reserve_ratio = num_attr(L, n, "bed-reserve-ratio", CB_DEC_RATIO);
	if (inst->id && cb_strmap_get(&rs->inst_by_id, inst->id))
		PROBLEM(L, n, "institution id \"%.64s\" is used twice", inst->id);
	else if (inst->id && cb_strmap_put(&rs->inst_by_id, inst->id, inst) != 0)
		L->oom = 1;
	for (xmlNodePtr c = cb_xml_elem(n->children); c; c = cb_xml_elem(c->next)) {
		if (cb_xml_is(c, "home-visit"))
			load_home_visit(L, c, inst);
	}
}

/* [RULE-2] institution prices exist in the guidance and stay under its ceilings */
static void check_inst_prices(loader *L, xmlNodePtr n, rs_inst *inst)
{
	for (xmlNodePtr c = cb_xml_elem(n->children); c; c = cb_xml_elem(c->next)) {
		if (!cb_xml_is(c, "eldercare-price"))
			continue;
		const char *code = str_attr(L, c, "item");
		const cb_dec *price = num_attr(L, c, "price", CB_DEC_MONEY);
		const rs_code *rc = code ? cb_ruleset__code(L->rs, code) : NULL;
		if (!rc || rc->kind != CB_CODE_ELDERCARE) {
			PROBLEM(L, c, "institution %s: eldercare-price item \"%.64s\" is not an "
				      "elder-care guidance item [RULE-2]", inst->id, code);
			continue;
		}
		if (cb_strmap_get(&inst->prices, code)) {
			PROBLEM(L, c, "institution %s: item %s is priced twice", inst->id, code);
			continue;
		}
		const rs_ec_item *it = rc->def;
		if (price && it->ceiling && cb_dec_cmp(price, it->ceiling) > 0) {
			char p[64], ceil[64];
			cb_dec_format(price, CB_DEC_MONEY, p, sizeof p);
			cb_dec_format(it->ceiling, CB_DEC_MONEY, ceil, sizeof ceil);
			PROBLEM(L, c, "institution %s: price %s for %s exceeds the guidance "
				      "ceiling %s [RULE-2]", inst->id, p, code, ceil);
		}
		if (price && cb_strmap_put(&inst->prices, code, (void *)price) != 0)
			L->oom = 1;
	}
}

static void load_ltc(loader *L, xmlNodePtr n)
{
	if (L->rs->ltc) {
		PROBLEM(L, n, "ltc: at most one <ltc> element");
		return;
	}
	rs_ltc *ltc = track(L, cb_arena_alloc(L->rs->arena, sizeof *ltc));
	if (!ltc)
		return;
	ltc->payer = str_attr(L, n, "payer");
	if (ltc->payer && strcmp(ltc->payer, "medical-insurance") == 0)
		PROBLEM(L, n, "ltc: payer \"medical-insurance\" is reserved for the basic medical "
			      "insurance fund");
	ltc->daily_cap = num_attr(L, n, "daily-cap", CB_DEC_MONEY);
	ltc->ratio = num_attr(L, n, "ratio", CB_DEC_RATIO);
	const char *grades = cb_xml_attr(n, "grades");
	size_t cap = strlen(grades) / 2 + 1;
	ltc->grades = track(L, cb_arena_alloc(L->rs->arena, cap * sizeof *ltc->grades));
	for (const char *p = grades; ltc->grades && *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len)
			ltc->grades[ltc->ngrades++] = track(L, cb_arena_strndup(L->rs->arena, p, len));
		p += len;
	}
	if (ltc->ngrades == 0)
		PROBLEM(L, n, "ltc: grades lists no grade");
	L->rs->ltc = ltc;
}

/* Count children by name and check the counts §2.3 requires. */
static void check_counts(loader *L, xmlNodePtr root)
{
	static const char *once[] = {"medical-catalog", "medical-policy", "eldercare-guidance"};
	for (size_t i = 0; i < 3; i++) {
		int count = 0;
		for (xmlNodePtr c = cb_xml_elem(root->children); c; c = cb_xml_elem(c->next))
			count += cb_xml_is(c, once[i]);
		if (count != 1)
			PROBLEM(L, root, "ruleset: SCHEMA: exactly one <%s> required, found %d",
				once[i], count);
	}
}

static void load_all(loader *L, xmlNodePtr root)
{
	cb_ruleset *rs = L->rs;
	rs->id = str_attr(L, root, "id");
	rs->effective_from = str_attr(L, root, "effective-from");
	int32_t day;
	if (rs->effective_from && cb_date_parse(rs->effective_from, &day) != 0)
		PROBLEM(L, root, "ruleset: BAD_DATE: effective-from=\"%.64s\"", rs->effective_from);
	check_counts(L, root);
	for (xmlNodePtr c = cb_xml_elem(root->children); c; c = cb_xml_elem(c->next)) {
		for (xmlNodePtr g = cb_xml_elem(c->children); g; g = cb_xml_elem(g->next)) {
			if (cb_xml_is(c, "medical-catalog"))
				load_med_item(L, g);
			else if (cb_xml_is(c, "medical-policy"))
				load_row(L, g);
			else if (cb_xml_is(c, "eldercare-guidance"))
				load_ec_item(L, g);
		}
		if (cb_xml_is(c, "ltc"))
			load_ltc(L, c);
		else if (cb_xml_is(c, "institution"))
			load_inst(L, c);
	}
	size_t i = 0;
	for (xmlNodePtr c = cb_xml_elem(root->children); c; c = cb_xml_elem(c->next))
		if (cb_xml_is(c, "institution") && i < rs->insts.n)
			check_inst_prices(L, c, rs->insts.v[i++]);
}

static cb_ruleset *ruleset_new(void)
{
	cb_ruleset *rs = calloc(1, sizeof *rs);
	if (rs && !(rs->arena = cb_arena_new())) {
		free(rs);
		return NULL;
	}
	return rs;
}

CB_EXTERN void cb_ruleset_free(cb_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->insts.n; i++)
		cb_strmap_free(&((rs_inst *)rs->insts.v[i])->prices);
	cb_ptrvec_free(&rs->rows);
	cb_ptrvec_free(&rs->insts);
	cb_strmap_free(&rs->codes);
	cb_strmap_free(&rs->inst_by_id);
	if (rs->case_schema)
		xmlSchemaFree(rs->case_schema);
	cb_arena_free(rs->arena);
	free(rs);
}

/* Join the problems into the thread's error message: "FILE:LINE: message" per line. */
static int refuse(loader *L)
{
	size_t cap = 1, used = 0;
	for (size_t i = 0; i < L->probs.n; i++)
		cap += strlen(L->file) + strlen(L->probs.v[i].msg) + 32;
	char *msg = malloc(cap);
	if (!msg)
		return cb__error(CB_ENOMEM, "out of memory while reporting a refused rule set");
	msg[0] = '\0';
	for (size_t i = 0; i < L->probs.n; i++)
		used += (size_t)snprintf(msg + used, cap - used, "%s%s:%lu: %s", i ? "\n" : "",
					 L->file, L->probs.v[i].line, L->probs.v[i].msg);
	int rc = cb__error(CB_ERULESET, "%s", msg);
	free(msg);
	return rc;
}

CB_EXTERN int cb_ruleset_load_buffer(cb_ruleset **out, const char *buf, size_t len,
				     const char *name)
{
	if (out)
		*out = NULL;
	if (!out || !buf)
		return cb__error(CB_EINVAL, "cb_ruleset_load_buffer: NULL argument");
	loader L = {0};
	L.file = name ? name : "-";
	xmlDocPtr doc = NULL;
	xmlSchemaPtr schema = NULL;
	int rc = CB_OK;
	if (!(L.rs = ruleset_new()))
		return cb__error(CB_ENOMEM, "out of memory loading %s", L.file);
	if (cb_xml_parse(&doc, buf, len, &L.probs) != 0)
		goto done;
	schema = cb_xml_schema_compile(cb_schema_ruleset, cb_schema_ruleset_len);
	L.rs->case_schema = cb_xml_schema_compile(cb_schema_case, cb_schema_case_len);
	if (!schema || !L.rs->case_schema) {
		rc = cb__error(CB_ENOMEM, "the built-in schemas could not be compiled");
		goto done;
	}
	if (cb_xml_validate(schema, doc, &L.probs) != 0)
		goto done;
	load_all(&L, xmlDocGetRootElement(doc));
	cb_sha256_hex(buf, len, L.rs->sha256);
done:
	if (rc == CB_OK && (L.oom || L.probs.oom))
		rc = cb__error(CB_ENOMEM, "out of memory loading %s", L.file);
	else if (rc == CB_OK && L.probs.n)
		rc = refuse(&L);
	if (rc == CB_OK) {
		*out = L.rs;
		cb__error_clear();
	} else {
		cb_ruleset_free(L.rs);
	}
	if (schema)
		xmlSchemaFree(schema);
	xmlFreeDoc(doc);
	cb_xml_problems_free(&L.probs);
	return rc;
}

/* Read a whole file; CB_EIO or CB_ENOMEM with a message. */
int cb__read_file(const char *path, char **buf, size_t *len, size_t limit)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return cb__error(CB_EIO, "%s: cannot open: %s", path, strerror(errno));
	size_t cap = 65536, n = 0;
	char *p = malloc(cap);
	while (p) {
		size_t got = fread(p + n, 1, cap - n, f);
		n += got;
		if (n > limit) {
			fclose(f);
			free(p);
			return cb__error(CB_ELIMIT, "%s: larger than the limit of %zu bytes", path,
					 limit);
		}
		if (got == 0)
			break;
		if (n == cap) {
			char *q = realloc(p, cap *= 2);
			if (!q)
				free(p);
			p = q;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (!p)
		return cb__error(CB_ENOMEM, "%s: out of memory reading the file", path);
	if (err) {
		free(p);
		return cb__error(CB_EIO, "%s: read error", path);
	}
	*buf = p;
	*len = n;
	return CB_OK;
}

CB_EXTERN int cb_ruleset_load_file(cb_ruleset **out, const char *path)
{
	if (out)
		*out = NULL;
	if (!out || !path)
		return cb__error(CB_EINVAL, "cb_ruleset_load_file: NULL argument");
	char *buf;
	size_t len;
	int rc = cb__read_file(path, &buf, &len, (size_t)256 << 20);
	if (rc != CB_OK)
		return rc;
	rc = cb_ruleset_load_buffer(out, buf, len, path);
	free(buf);
	return rc;
}

CB_EXTERN const char *cb_ruleset_id(const cb_ruleset *rs)
{
	return rs ? rs->id : NULL;
}

CB_EXTERN const char *cb_ruleset_effective_from(const cb_ruleset *rs)
{
	return rs ? rs->effective_from : NULL;
}

const rs_row *cb_ruleset__row(const cb_ruleset *rs, int scheme, int setting, const char *level,
			      int retired)
{
	for (size_t i = 0; i < rs->rows.n; i++) {
		const rs_row *r = rs->rows.v[i];
		if (r->scheme == scheme && r->setting == setting && r->retired == retired &&
		    r->level && cb_streq(r->level, level))
			return r;
	}
	return NULL;
}

const rs_code *cb_ruleset__code(const cb_ruleset *rs, const char *code)
{
	return cb_strmap_get(&rs->codes, code);
}

const rs_inst *cb_ruleset__inst(const cb_ruleset *rs, const char *id)
{
	return cb_strmap_get(&rs->inst_by_id, id);
}

int cb_ruleset__ltc_grade(const cb_ruleset *rs, const char *grade)
{
	if (!rs->ltc || !grade)
		return 0;
	for (size_t i = 0; i < rs->ltc->ngrades; i++)
		if (strcmp(rs->ltc->grades[i], grade) == 0)
			return 1;
	return 0;
}
