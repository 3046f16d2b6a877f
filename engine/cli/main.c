/*
 * main.c — the `carebill` command: a thin shell over the public API (include/carebill.h).
 *
 *   carebill price --rules RULES.xml CASE.xml [-o OUT.xml]
 *   carebill validate --rules RULES.xml [CASE.xml]
 *   carebill replay [--update] [DIR...]
 *   carebill explain --rules RULES.xml CASE.xml (--line ID | --settlement UNIT | --patient P)
 *                    [--xml]
 *   carebill db init DB --rules RULES.xml | carebill db rules DB RULES.xml
 *   carebill import DB CASE.xml...
 *   carebill batch DB --date D [--shard I/N]
 *   carebill export DB --out DIR [--run D]
 *   carebill --help | --version
 *
 * Exit status: 0 every patient billed (or the documents are valid), 1 some patient held for
 * input errors, 2 usage error, unreadable or rejected document, or refused rule set.
 * Problems go to stderr, one line each, as FILE:LINE: [patient P:] CODE: message.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_cli.h"
#include "carebill.h"
#include "explain.h"
#include "replay.h"

#define EXIT_HELD 1
#define EXIT_USAGE 2

static const char usage[] =
	"usage: carebill price --rules RULES.xml CASE.xml [-o OUT.xml]\n"
	"       carebill validate --rules RULES.xml [CASE.xml]\n"
	"       carebill replay [--update] [DIR...]\n"
	"       carebill explain --rules RULES.xml CASE.xml (--line ID | --settlement UNIT |\n"
	"                        --patient P) [--xml]\n"
	"       carebill db init DB --rules RULES.xml\n"
	"       carebill db rules DB RULES.xml\n"
	"       carebill import DB CASE.xml...\n"
	"       carebill batch DB --date D [--shard I/N]\n"
	"       carebill export DB --out DIR [--run D]\n"
	"       carebill --help | --version\n"
	"\n"
	"price     price CASE.xml with the rule set and write the claim document to OUT.xml\n"
	"          (standard output without -o)\n"
	"validate  check the rule set, and the case if given, without writing a claim\n"
	"replay    price each fixture DIR (default: every fixture under fixtures/) and compare\n"
	"          with DIR/expected.xml byte for byte; --update rewrites expected.xml (only\n"
	"          after a reviewed change of rules)\n"
	"explain   show step by step how each amount of a line, a settlement or a patient\n"
	"          was derived: clause, formula, exact value, rounding, policy sentence\n"
	"db        create a batch database with its rule set (init), register another (rules)\n"
	"import    load case documents into the database, each file whole or not at all\n"
	"batch     bill every patient for date D: settled encounters and visits, ended months\n"
	"          of elder care; one transaction per patient, safe to kill and run again;\n"
	"          --shard I/N bills the patients of shard I of N (docs/batch.md)\n"
	"export    write the stored claim documents to DIR, one PATIENT_DATE.xml each\n"
	"\n"
	"exit status: 0 all billed, 1 some patient held, 2 usage error, unreadable or\n"
	"rejected document, refused rule set, or a database failure\n";

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

/* ---- replay ---- */

static char **fixture_dirs;
static size_t fixture_count, fixture_cap;

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	size_t len = strlen(path);
	if (type != FTW_F || len < 9 || strcmp(path + len - 9, "/case.xml") != 0 ||
	    (path + len - 9)[-1] == '/')
		return 0;
	(void)ftw;
	if (fixture_count == fixture_cap) {
		size_t cap = fixture_cap ? fixture_cap * 2 : 64;
		char **v = realloc(fixture_dirs, cap * sizeof *v);
		if (!v)
			return 1;
		fixture_dirs = v;
		fixture_cap = cap;
	}
	char *dir = strndup(path, len - 9);
	if (!dir)
		return 1;
	fixture_dirs[fixture_count++] = dir;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Exit 0 when every fixture replays identically, 1 when one differs, 2 on errors. */
static int replay(int argc, char **argv)
{
	int update = 0, worst = CB_REPLAY_SAME, given = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--update") == 0)
			update = 1;
		else if (nftw(argv[i], collect, 16, FTW_PHYS) != 0)
			fprintf(stderr, "%s: cannot read\n", argv[i]), worst = CB_REPLAY_ERROR;
		else
			given = 1;
	}
	if (!given && worst == CB_REPLAY_SAME && nftw("fixtures", collect, 16, FTW_PHYS) != 0) {
		fprintf(stderr, "fixtures: cannot read (run from the project root)\n");
		return EXIT_USAGE;
	}
	if (fixture_count)
		qsort(fixture_dirs, fixture_count, sizeof *fixture_dirs, str_cmp);
	size_t differ = 0;
	for (size_t i = 0; i < fixture_count; i++) {
		int rc = cb_replay_fixture(".", fixture_dirs[i], update, stderr);
		differ += rc != CB_REPLAY_SAME;
		if (rc > worst)
			worst = rc;
		free(fixture_dirs[i]);
	}
	free(fixture_dirs);
	printf("%zu fixtures %s, %zu differ\n", fixture_count, update ? "updated" : "replayed",
	       differ);
	return worst;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "replay") == 0)
		return replay(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "explain") == 0) {
		int rc = cb_cli_explain(argc, argv);
		if (rc < 0)
			fputs(usage, stderr);
		return rc < 0 ? EXIT_USAGE : rc;
	}
	if (argc >= 2 && cb_cli_batch_handles(argv[1])) {
		int rc = cb_cli_batch_command(argc, argv);
		if (rc < 0)
			fputs(usage, stderr);
		return rc < 0 ? EXIT_USAGE : rc;
	}
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
