/*
 * main.c — the `carebill` command: a thin shell over the public API (include/carebill.h).
 *
 *   carebill price --rules RULES.xml CASE.xml [-o OUT.xml]
 *   carebill validate --rules RULES.xml [CASE.xml]
 *   carebill --help | --version
 *
 * Exit status: 0 every patient billed (or the documents are valid), 1 some patient held for
 * input errors, 2 usage error, unreadable or rejected document, or refused rule set.
 * Problems go to stderr, one line each, as FILE:LINE: [patient P:] CODE: message.
 */
#include <stdio.h>
#include <string.h>

#include "carebill.h"

#define EXIT_HELD 1
#define EXIT_USAGE 2

static const char usage[] =
	"usage: carebill price --rules RULES.xml CASE.xml [-o OUT.xml]\n"
	"       carebill validate --rules RULES.xml [CASE.xml]\n"
	"       carebill --help | --version\n"
	"\n"
	"price     price CASE.xml with the rule set and write the claim document to OUT.xml\n"
	"          (standard output without -o)\n"
	"validate  check the rule set, and the case if given, without writing a claim\n"
	"\n"
	"exit status: 0 all billed, 1 some patient held, 2 usage error, unreadable or\n"
	"rejected document, or refused rule set\n";

typedef struct args {
	const char *cmd, *rules, *case_path, *out;
} args;

static int parse_args(int argc, char **argv, args *a)
{
	memset(a, 0, sizeof *a);
	if (argc < 2)
		return -1;
	a->cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			a->rules = argv[++i];
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			a->out = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return -1;
		else if (!a->case_path)
			a->case_path = argv[i];
		else
			return -1;
	}
	return a->rules ? 0 : -1;
}

/* One line per error or warning on stderr; notes stay in the document. */
static void report(const cb_result *res)
{
	for (size_t i = 0; i < cb_result_finding_count(res); i++) {
		const cb_finding *f = cb_result_finding(res, i);
		if (strcmp(f->severity, "note") == 0)
			continue;
		fprintf(stderr, "%s:%lu: %s%s%s%s: %s\n", f->file ? f->file : "-", f->line,
			f->patient ? "patient " : "", f->patient ? f->patient : "",
			f->patient ? ": " : "", f->code, f->message);
	}
}

static int exit_for(const cb_result *res)
{
	switch (cb_result_get_status(res)) {
	case CB_RESULT_BILLED:
		return 0;
	case CB_RESULT_HELD:
		return EXIT_HELD;
	case CB_RESULT_REJECTED:
		return EXIT_USAGE;
	}
	return EXIT_USAGE;
}

static int run(const args *a)
{
	int price = strcmp(a->cmd, "price") == 0;
	if (price && !a->case_path) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	cb_ruleset *rs = NULL;
	if (cb_ruleset_load_file(&rs, a->rules) != CB_OK) {
		fprintf(stderr, "%s\n", cb_error_last());
		return EXIT_USAGE;
	}
	int status = 0;
	cb_result *res = NULL;
	if (a->case_path) {
		if (cb_case_price_file(&res, rs, a->case_path, NULL) != CB_OK) {
			fprintf(stderr, "%s\n", cb_error_last());
			cb_ruleset_free(rs);
			return EXIT_USAGE;
		}
		report(res);
		status = exit_for(res);
	}
	if (price) {
		int rc = a->out ? cb_result_write_file(res, a->out) : CB_OK;
		if (!a->out) {
			char *buf;
			size_t len;
			rc = cb_result_write_buffer(res, &buf, &len);
			if (rc == CB_OK) {
				fwrite(buf, 1, len, stdout);
				cb_buffer_free(buf);
			}
		}
		if (rc != CB_OK) {
			fprintf(stderr, "%s\n", cb_error_last());
			status = EXIT_USAGE;
		}
	} else if (status == 0) {
		printf("%s: rule set %s is valid\n", a->rules, cb_ruleset_id(rs));
		if (a->case_path)
			printf("%s: case is valid; every patient can be billed\n", a->case_path);
	}
	cb_result_free(res);
	cb_ruleset_free(rs);
	return status;
}

int main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("carebill %s\n", cb_version());
		return 0;
	}
	args a;
	if (parse_args(argc, argv, &a) != 0 ||
	    (strcmp(a.cmd, "price") != 0 && strcmp(a.cmd, "validate") != 0)) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	return run(&a);
}
