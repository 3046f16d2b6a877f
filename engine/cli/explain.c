/*
 * explain.c — `carebill explain`: why is this amount what it is? Prices the case with tracing
 * on and prints, for the line(s) or settlement asked for, every step of the derivation: the
 * clause, the formula with its inputs, the exact value before rounding, the value kept, and
 * the policy sentence the clause comes from. Plain text, or XML with --xml for tools.
 *
 *   carebill explain --rules R CASE.xml (--line ID | --settlement UNIT | --patient P) [--xml]
 */
#include "explain.h"

#include <stdio.h>
#include <string.h>

#include "carebill.h"

typedef struct query {
	const char *line, *settlement, *patient;
	int xml;
} query;

static void xml_escaped(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static void print_steps(FILE *out, const cb_step *const *steps, size_t n, int xml)
{
	for (size_t i = 0; i < n; i++) {
		const cb_step *s = steps[i];
		if (xml) {
			fputs("    <step clause=\"", out);
			xml_escaped(out, s->clause);
			fputs("\" what=\"", out);
			xml_escaped(out, s->what);
			fputs("\" formula=\"", out);
			xml_escaped(out, s->formula);
			fprintf(out, "\" exact=\"%s\" value=\"%s\">", s->exact, s->value);
			xml_escaped(out, s->policy);
			fputs("</step>\n", out);
			continue;
		}
		fprintf(out, "  %zu. [%s] %s = %s\n", i + 1, s->clause, s->what, s->formula);
		if (s->rounded)
			fprintf(out, "       exact %s, rounded half up to %s\n", s->exact, s->value);
		else
			fprintf(out, "       = %s\n", s->value);
		fprintf(out, "       policy: %s\n", s->policy);
	}
}

static void header(FILE *out, int xml, const char *kind, const char *id, const cb_patient *p,
		   const cb_bill *b, const char *amount, const char *rule)
{
	if (xml)
		fprintf(out, "  <%s id=\"%s\" patient=\"%s\" unit=\"%s\" track=\"%s\" amount=\"%s\" "
			"rule=\"%s\">\n", kind, id, p->id, b->unit, b->track, amount, rule);
	else
		fprintf(out, "%s %s (patient %s, %s bill %s): %s  [%s]\n", kind, id, p->id,
			b->track, b->unit, amount, rule);
}

/* Explain what the query selects in one bill; returns how many amounts it explained. */
static size_t explain_bill(FILE *out, const query *q, const cb_patient *p, const cb_bill *b)
{
	size_t found = 0;
	for (size_t i = 0; i < b->line_count; i++) {
		const cb_line *l = cb_bill_line(b, i);
		if (q->line && strcmp(q->line, l->id) != 0 &&
		    !(strncmp(q->line, l->id, strlen(q->line)) == 0 && l->id[strlen(q->line)] == '#'))
			continue;
		if (q->settlement)
			continue;
		header(out, q->xml, "line", l->id, p, b, l->amount, l->rule);
		if (!q->xml)
			fprintf(out, "  qty %s × price %s; status %s; patient pays %s\n", l->qty,
				l->price, l->status, l->patient);
		print_steps(out, l->steps, l->step_count, q->xml);
		if (q->xml)
			fputs("  </line>\n", out);
		found++;
	}
	const cb_settlement *s = b->settlement;
	if (s && !q->line && (!q->settlement || strcmp(q->settlement, b->unit) == 0)) {
		header(out, q->xml, "settlement", b->unit, p, b, s->total, s->rule);
		if (!q->xml)
			fprintf(out, "  policy %s: fund %s + patient %s = total %s\n", s->policy,
				s->fund, s->patient, s->total);
		print_steps(out, s->steps, s->step_count, q->xml);
		if (q->xml)
			fputs("  </settlement>\n", out);
		found++;
	}
	return found;
}

static size_t explain_result(FILE *out, const cb_result *res, const query *q)
{
	size_t found = 0;
	for (size_t i = 0; i < cb_result_patient_count(res); i++) {
		const cb_patient *p = cb_result_patient(res, i);
		if (q->patient && strcmp(q->patient, p->id) != 0)
			continue;
		if (p->held && !q->xml)
			fprintf(out, "patient %s is held for input errors: nothing was priced\n",
				p->id);
		for (size_t b = 0; b < p->bill_count; b++)
			found += explain_bill(out, q, p, cb_patient_bill(p, b));
	}
	return found;
}

int cb_cli_explain(int argc, char **argv)
{
	query q = {0};
	const char *rules = NULL, *case_path = NULL;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--xml") == 0)
			q.xml = 1;
		else if (strcmp(a, "--rules") == 0 && v)
			rules = argv[++i];
		else if (strcmp(a, "--line") == 0 && v)
			q.line = argv[++i];
		else if (strcmp(a, "--settlement") == 0 && v)
			q.settlement = argv[++i];
		else if (strcmp(a, "--patient") == 0 && v)
			q.patient = argv[++i];
		else if (a[0] != '-' && !case_path)
			case_path = a;
		else
			return -1;
	}
	if (!rules || !case_path || !(q.line || q.settlement || q.patient))
		return -1;
	cb_ruleset *rs = NULL;
	cb_result *res = NULL;
	cb_price_options opts = CB_PRICE_OPTIONS_INIT;
	opts.trace = 1;
	if (cb_ruleset_load_file(&rs, rules) != CB_OK ||
	    cb_case_price_file(&res, rs, case_path, &opts) != CB_OK) {
		fprintf(stderr, "%s\n", cb_error_last());
		cb_ruleset_free(rs);
		return 2;
	}
	if (q.xml)
		printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<explain case=\"%s\">\n",
		       case_path);
	size_t found = explain_result(stdout, res, &q);
	if (q.xml)
		puts("</explain>");
	cb_result_free(res);
	cb_ruleset_free(rs);
	if (!found) {
		fprintf(stderr, "%s: nothing matches %s%s\n", case_path,
			q.line ? "line " : q.settlement ? "settlement " : "patient ",
			q.line ? q.line : q.settlement ? q.settlement : q.patient);
		return 1;
	}
	return 0;
}
