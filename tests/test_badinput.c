/*
 * test_badinput.c — the bad-input catalogue (issue 7): every directory under tests/bad-input/
 * is one CUnit test, named after the directory, that feeds hostile or malformed bytes to the
 * public API and checks the answer.
 *
 * A catalogue entry is a directory NNN-name holding
 *   kind      `case` (priced against rules/fx-2023.xml) or `ruleset` (loaded on its own);
 *   expect    one line. For a case: the SPEC §9 code that must be among the findings, with the
 *             severity §9 gives it, optionally followed by a substring of that finding's
 *             message. For a rule set: `REFUSED` optionally followed by a substring of
 *             cb_error_last();
 *   input.xml the bytes, or instead
 *   generate  a recipe for an input too large to keep in the repository, built in memory:
 *             `attr N` (one attribute value of N bytes), `nest N` (N nested elements),
 *             `stays N` (N stays of one patient on one day), `contracts N` (N family-doctor
 *             contracts with no quota left and N one-line encounters of one patient);
 *   billed    optional: ids of patients (space separated) that must come out billed, for the
 *             entries where one patient holds a huge but valid value and must be priced;
 *   claim-contains  optional: lines of text the claim document must contain (an exact amount);
 *   limits    optional: `seconds S`: pricing and writing must finish within S seconds (times
 *             3 in a sanitizer build, 30 under valgrind, or the factor in the environment
 *             variable CAREBILL_TEST_SLOWDOWN). The entry is first priced in a child process
 *             killed at the deadline, so a hang fails the test instead of stalling the suite.
 *
 * For every case the test checks, besides the expected code ([DOC-1], [CASE-6], §9):
 *   - cb_case_price_buffer returns CB_OK with a result, whatever the bytes;
 *   - every finding has a code, a §9 severity, a non-empty message and the document's name;
 *     a per-patient finding names its element (ref) and its source line (line > 0);
 *   - there are at most FINDINGS_PER_ELEMENT errors per element of the input (an error per
 *     pair of elements would let a small document exhaust memory; notes may grow with the
 *     output, e.g. one QUOTA_EXHAUSTED per run of days);
 *   - a document-level error rejects the document, a per-patient error holds a patient;
 *   - the claim document can still be written, is well-formed and valid against
 *     rules/schema/claim.xsd (SPEC §8);
 *   - nothing was read that the document names: the first line of /etc/passwd appears
 *     neither in the claim nor in any message (XXE), and an input that names
 *     http://127.0.0.1:9/ is priced with that port replaced by a listening socket of the test,
 *     which must see no connection attempt (no network);
 *   - libxml2 reported nothing through its process-wide error handlers (the library must not
 *     print: every problem goes into the result).
 * For a rule set: CB_ERULESET, no rule set, the substring, and every line of the message
 * starting with "NAME:LINE: " (the place), plus the same /etc/passwd and handler checks.
 *
 * The program's exit status is the number of failures.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "carebill.h"

#define CATALOGUE CAREBILL_SOURCE_DIR "/tests/bad-input"
#define MAX_ENTRIES 512
#define MAX_GENERATED ((size_t)512 << 20)
#define NETWORK_MARK "127.0.0.1:9/"
#define FINDINGS_PER_ELEMENT 8

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SLOWDOWN 3
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SLOWDOWN 3
#endif
#endif
#ifndef SLOWDOWN
#define SLOWDOWN 1
#endif
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

typedef struct entry {
	char name[256];
	char dir[1024];
} entry;

static entry entries[MAX_ENTRIES];
static size_t nentries;
static cb_ruleset *fx;
static xmlSchemaPtr claim_schema;
static char passwd_line[256];
static int global_reports;            /* calls of libxml2's process-wide error handlers */
static char global_first[512];

/* ---- helpers -------------------------------------------------------------------------- */

/* One CUnit assertion; the message (printf-style) is only formatted when it failed. */
static void report(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(int ok, const char *fmt, ...)
{
	const CU_pTest t = CU_get_current_test();
	const char *where = t ? t->pName : "bad-input";
	if (ok) {
		CU_assertImplementation(CU_TRUE, 0, "", where, "", CU_FALSE);
		return;
	}
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	CU_assertImplementation(CU_FALSE, 0, msg, where, "", CU_FALSE);
}

static const char *find_bytes(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (m == 0 || m > n)
		return m == 0 ? hay : NULL;
	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return hay + i;
	return NULL;
}


/* The first line of a small text file in the entry's directory, without its newline. */
static int read_line(const entry *e, const char *file, char *out, size_t cap)
{
	char path[1400];
	snprintf(path, sizeof path, "%s/%s", e->dir, file);
	size_t len;
	char *text = cb_test_slurp(path, &len);
	if (!text)
		return -1;
	size_t n = strcspn(text, "\r\n");
	snprintf(out, cap, "%.*s", (int)n, text);
	free(text);
	return 0;
}

/* ---- inputs built in memory (`generate`) ------------------------------------------------ */

typedef struct strbuf {
	char *p;
	size_t n, cap;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n, size_t times)
{
	if (!b->p && b->cap)
		return; /* an earlier allocation failed */
	size_t need = b->n + n * times + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < need)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			free(b->p);
			b->p = NULL;
			b->cap = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	/* one copy, then the copied run doubled: large inputs are built in a few calls */
	char *start = b->p + b->n;
	size_t total = n * times, done = times ? n : 0;
	memcpy(start, s, done);
	while (done < total) {
		size_t step = done < total - done ? done : total - done;
		memcpy(start + done, start, step);
		done += step;
	}
	b->n += total;
	b->p[b->n] = '\0';
}

static void sb_str(strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s), 1);
}

static const char *const rs_body =
	"<medical-catalog/><medical-policy/><eldercare-guidance/>";

/* Build the input a `generate` recipe describes; NULL on a recipe this test does not know. */
static char *generate(const char *kind, const char *recipe, size_t *len)
{
	char what[16];
	size_t n;
	if (sscanf(recipe, "%15s %zu", what, &n) != 2 || n == 0 || n > MAX_GENERATED)
		return NULL;
	int ruleset = strcmp(kind, "ruleset") == 0;
	strbuf b = {0};
	sb_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (strcmp(what, "attr") == 0 && ruleset) {
		sb_str(&b, "<ruleset id=\"");
		sb_add(&b, "A", 1, n);
		sb_str(&b, "\" effective-from=\"2023-01-01\">");
		sb_str(&b, rs_body);
		sb_str(&b, "</ruleset>\n");
	} else if (strcmp(what, "attr") == 0) {
		sb_str(&b, "<case ruleset=\"fx-2023\">\n  <period from=\"2026-03-01\" "
			   "to=\"2026-04-01\"/>\n  <patient id=\"");
		sb_add(&b, "A", 1, n);
		sb_str(&b, "\" scheme=\"employee\" retired=\"false\"/>\n</case>\n");
	} else if (strcmp(what, "nest") == 0) {
		const char *open = ruleset ? "<medical-catalog>" : "<patient id=\"P\" "
						"scheme=\"employee\" retired=\"false\">";
		const char *close = ruleset ? "</medical-catalog>" : "</patient>";
		sb_str(&b, ruleset ? "<ruleset id=\"x\" effective-from=\"2023-01-01\">"
				   : "<case ruleset=\"fx-2023\"><period from=\"2026-03-01\" "
				     "to=\"2026-04-01\"/>");
		sb_add(&b, open, strlen(open), n);
		sb_add(&b, close, strlen(close), n);
		sb_str(&b, ruleset ? "</ruleset>\n" : "</case>\n");
	} else if (strcmp(what, "stays") == 0 && !ruleset) {
		sb_str(&b, "<case ruleset=\"fx-2023\"><period from=\"2026-03-01\" "
			   "to=\"2026-04-01\"/><patient id=\"P1\" scheme=\"employee\" "
			   "retired=\"false\">\n");
		for (size_t i = 0; i < n; i++) {
			char stay[160];
			snprintf(stay, sizeof stay, "<stay id=\"S%zu\" institution=\"H1\" "
				 "bed=\"EC-BED-1\" from=\"2026-03-02\" to=\"2026-03-02\"/>\n", i);
			sb_str(&b, stay);
		}
		sb_str(&b, "</patient></case>\n");
	} else if (strcmp(what, "contracts") == 0 && !ruleset) {
		sb_str(&b, "<case ruleset=\"fx-2023\"><period from=\"2026-03-01\" "
			   "to=\"2026-04-01\"/><patient id=\"P1\" scheme=\"employee\" "
			   "retired=\"false\">\n");
		for (size_t i = 0; i < n; i++) {
			char k[200];
			snprintf(k, sizeof k, "<contract id=\"K%zu\" type=\"family-doctor\" "
				 "payer=\"PHS-1\" from=\"2026-01-01\"><cover item=\"SVC-A1\" "
				 "quota=\"0\" window=\"year\"/></contract>\n", i);
			sb_str(&b, k);
		}
		for (size_t i = 0; i < n; i++) {
			char e[240];
			snprintf(e, sizeof e, "<encounter id=\"E%zu\" institution=\"H1\" "
				 "setting=\"outpatient\" date=\"2026-03-02\"><line id=\"L%zu\" "
				 "item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T09:00\"/></encounter>\n",
				 i, i);
			sb_str(&b, e);
		}
		sb_str(&b, "</patient></case>\n");
	} else {
		free(b.p);
		return NULL;
	}
	if (!b.p)
		return NULL;
	*len = b.n;
	return b.p;
}

static char *load_input(const entry *e, const char *kind, size_t *len)
{
	char path[1400];
	snprintf(path, sizeof path, "%s/input.xml", e->dir);
	char *buf = cb_test_slurp(path, len);
	if (buf)
		return buf;
	char recipe[128];
	if (read_line(e, "generate", recipe, sizeof recipe) != 0)
		return NULL;
	return generate(kind, recipe, len);
}

/* ---- the no-network check -------------------------------------------------------------- */

/* A listening TCP socket on 127.0.0.1 (non-blocking); -1 on failure. *port gets its port. */
static int listen_local(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof a;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* The input with "127.0.0.1:9/" replaced by "127.0.0.1:PORT/" (a new buffer). */
static char *with_port(const char *buf, size_t len, int port, size_t *out_len)
{
	const char *at = find_bytes(buf, len, NETWORK_MARK);
	char repl[32];
	snprintf(repl, sizeof repl, "127.0.0.1:%d/", port);
	size_t head = (size_t)(at - buf), mark = strlen(NETWORK_MARK), r = strlen(repl);
	char *out = malloc(len - mark + r + 1);
	if (!out)
		return NULL;
	memcpy(out, buf, head);
	memcpy(out + head, repl, r);
	memcpy(out + head + r, at + mark, len - head - mark);
	*out_len = len - mark + r;
	out[*out_len] = '\0';
	return out;
}

/* ---- libxml2's process-wide handlers: the library must never reach them ---------------- */

static void on_generic(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	if (global_reports++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(global_first, sizeof global_first, fmt, ap);
		va_end(ap);
	}
}

static void on_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	if (global_reports++ == 0)
		snprintf(global_first, sizeof global_first, "%s",
			 e && e->message ? e->message : "(no message)");
}

static void check_no_global_reports(void)
{
	report(global_reports == 0, "libxml2 reported %d problem(s) through its process-wide "
	       "handlers (the library would print them), the first: %s", global_reports,
	       global_first);
}

/* ---- a case --------------------------------------------------------------------------- */

/* SPEC §9: the severity of each code. */
static const char *severity_of(const char *code)
{
	static const char *warnings[] = {"SUSPECT_DUPLICATE"};
	static const char *notes[] = {"DUPLICATE_LINE", "QUOTA_EXHAUSTED", "MEDICAL_OVERLAP",
				      "CAP_REACHED"};
	for (size_t i = 0; i < sizeof warnings / sizeof *warnings; i++)
		if (strcmp(code, warnings[i]) == 0)
			return "warning";
	for (size_t i = 0; i < sizeof notes / sizeof *notes; i++)
		if (strcmp(code, notes[i]) == 0)
			return "note";
	return "error";
}

static int is_document_code(const char *code)
{
	return strcmp(code, "SCHEMA") == 0 || strcmp(code, "WRONG_RULESET") == 0;
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

/* Every finding is complete and names its place. */
static void check_finding(const cb_finding *f, const char *name, const char *status_ok)
{
	report(f->code && *f->code, "a finding without a code");
	report(f->severity && strcmp(f->severity, severity_of(nz(f->code))) == 0,
	       "%s: severity %s, SPEC 9 says %s", nz(f->code), nz(f->severity),
	       severity_of(nz(f->code)));
	report(f->message && *f->message, "%s: empty message", nz(f->code));
	report(f->file && strcmp(f->file, name) == 0, "%s: file is %s, expected %s",
	       nz(f->code), nz(f->file), name);
	if (f->patient) {
		report(f->line > 0, "%s (patient %s, ref %s): line is 0: %s", nz(f->code),
		       f->patient, nz(f->ref), nz(f->message));
		report(f->ref && *f->ref, "%s (patient %s): no ref", nz(f->code), f->patient);
	}
	if (!f->patient && f->severity && strcmp(f->severity, "error") == 0)
		report(status_ok != NULL, "document-level %s but the document was not rejected",
		       nz(f->code));
	if (passwd_line[0] && f->message)
		report(!strstr(f->message, passwd_line), "%s: the message quotes /etc/passwd",
		       nz(f->code));
}

static void check_expected(const cb_result *res, const char *code, const char *sub)
{
	size_t n = cb_result_finding_count(res);
	const char *want = severity_of(code);
	int found = 0;
	for (size_t i = 0; i < n && !found; i++) {
		const cb_finding *f = cb_result_finding(res, i);
		found = f->code && strcmp(f->code, code) == 0 && f->severity &&
			strcmp(f->severity, want) == 0 &&
			(!*sub || (f->message && strstr(f->message, sub)));
	}
	char got[4096] = "";
	size_t used = 0;
	for (size_t i = 0; i < n && used < sizeof got - 1; i++) {
		const cb_finding *f = cb_result_finding(res, i);
		int k = snprintf(got + used, sizeof got - used, "%s[%s %s line %lu: %.200s]",
				 i ? " " : "", nz(f->code), nz(f->severity), f->line, nz(f->message));
		used += k > 0 ? (size_t)k : 0;
	}
	report(found, "expected %s %s finding containing \"%s\"; findings: %s", want, code, sub,
	       n ? got : "none");
}

static void on_claim_error(void *ctx, xmlErrorPtr e)
{
	char *first = ctx;
	if (!first[0] && e && e->message)
		snprintf(first, 512, "line %d: %s", e->line, e->message);
}

/* The patients the entry's `billed` file names are billed, not held. */
static void check_billed(const entry *e, const cb_result *res)
{
	char ids[512];
	if (read_line(e, "billed", ids, sizeof ids) != 0)
		return;
	for (char *id = strtok(ids, " "); id; id = strtok(NULL, " ")) {
		const cb_patient *p = NULL;
		for (size_t i = 0; i < cb_result_patient_count(res) && !p; i++)
			if (strcmp(cb_result_patient(res, i)->id, id) == 0)
				p = cb_result_patient(res, i);
		report(p && !p->held && p->bill_count > 0, "patient %s is not billed", id);
	}
}

/* Every line of the entry's `claim-contains` file appears in the claim document. */
static void check_contains(const entry *e, const char *claim, size_t len)
{
	char path[1400];
	snprintf(path, sizeof path, "%s/claim-contains", e->dir);
	size_t n;
	char *text = cb_test_slurp(path, &n);
	if (!text)
		return;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		report(find_bytes(claim, len, line) != NULL, "the claim lacks %.300s", line);
	free(text);
}

/* The claim document is written, well-formed and valid against the claim XSD (SPEC §8). */
static void check_claim(const entry *e, const cb_result *res)
{
	char *out = NULL;
	size_t len = 0;
	int rc = cb_result_write_buffer(res, &out, &len);
	report(rc == CB_OK && out, "cb_result_write_buffer: %s: %s", cb_strerror(rc),
	       cb_error_last());
	if (rc != CB_OK || !out)
		return;
	report(strlen(out) == len, "the claim buffer's length %zu differs from its text %zu", len,
	       strlen(out));
	if (passwd_line[0])
		report(!find_bytes(out, len, passwd_line), "the claim quotes /etc/passwd");
	check_contains(e, out, len);
	xmlDocPtr doc = xmlReadMemory(out, (int)len, "claim.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					      XML_PARSE_HUGE);
	report(doc != NULL, "the claim document is not well-formed");
	if (doc && claim_schema) {
		char first[512] = "";
		xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(claim_schema);
		if (vc) {
			xmlSchemaSetValidStructuredErrors(vc, on_claim_error, first);
			int v = xmlSchemaValidateDoc(vc, doc);
			report(v == 0, "the claim document is not valid against claim.xsd: %s",
			       first);
			xmlSchemaFreeValidCtxt(vc);
		}
	}
	xmlFreeDoc(doc);
	cb_buffer_free(out);
}

/* Elements in the input: an upper bound on its start tags ('<' followed by a name byte). */
static size_t count_elements(const char *buf, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i + 1 < len; i++)
		n += buf[i] == '<' && buf[i + 1] != '/' && buf[i + 1] != '!' && buf[i + 1] != '?';
	return n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How much slower than a normal build this run is (for `limits`). */
static double slowdown(void)
{
	const char *env = getenv("CAREBILL_TEST_SLOWDOWN");
	double f = env ? atof(env) : 0;
	if (f > 0)
		return f;
	return RUNNING_ON_VALGRIND ? 30 : SLOWDOWN;
}

/* Price and write in a child process killed at the deadline; 0 when it finished in time. */
static int within_deadline(const char *buf, size_t len, const char *name, double seconds)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return 0; /* cannot tell: let the normal run decide */
	if (pid == 0) {
		cb_result *res = NULL;
		char *out = NULL;
		size_t n;
		if (cb_case_price_buffer(&res, fx, buf, len, name, NULL) == CB_OK)
			cb_result_write_buffer(res, &out, &n);
		_exit(0);
	}
	double start = now();
	int status;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now() - start > seconds) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			report(0, "pricing and writing did not finish within %.0f s (killed)", seconds);
			return -1;
		}
		struct timespec tick = {0, 10 * 1000 * 1000};
		nanosleep(&tick, NULL);
	}
	report(WIFEXITED(status), "the pricing child died (signal %d)",
	       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WIFEXITED(status) ? 0 : -1;
}

static void run_case(const entry *e, char *buf, size_t len, const char *code, const char *sub)
{
	char name[1400];
	snprintf(name, sizeof name, "bad-input/%s/input.xml", e->name);
	char limits[64];
	double seconds;
	if (read_line(e, "limits", limits, sizeof limits) == 0 &&
	    sscanf(limits, "seconds %lf", &seconds) == 1 &&
	    within_deadline(buf, len, name, seconds * slowdown()) != 0)
		return;
	size_t elements = count_elements(buf, len);
	int port = 0, lfd = -1;
	char *net = NULL;
	if (find_bytes(buf, len, NETWORK_MARK)) {
		lfd = listen_local(&port);
		report(lfd >= 0, "could not open a listening socket: %s", strerror(errno));
		if (lfd >= 0 && (net = with_port(buf, len, port, &len)))
			buf = net;
	}
	cb_result *res = NULL;
	int rc = cb_case_price_buffer(&res, fx, buf, len, name, NULL);
	report(rc == CB_OK && res, "cb_case_price_buffer: %s: %s", cb_strerror(rc),
	       cb_error_last());
	if (lfd >= 0) {
		int c = accept(lfd, NULL, NULL);
		report(c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
		       "the library connected to 127.0.0.1:%d named in the document", port);
		if (c >= 0)
			close(c);
		close(lfd);
	}
	free(net);
	if (rc != CB_OK || !res)
		return;
	cb_result_status st = cb_result_get_status(res);
	const char *rejected = st == CB_RESULT_REJECTED ? "rejected" : NULL;
	size_t nfind = cb_result_finding_count(res), errors = 0;
	for (size_t i = 0; i < nfind; i++) {
		const cb_finding *f = cb_result_finding(res, i);
		check_finding(f, name, rejected);
		errors += f->severity && strcmp(f->severity, "error") == 0;
	}
	report(errors <= FINDINGS_PER_ELEMENT * (elements + 1), "%zu errors for %zu elements "
	       "(at most %d per element)", errors, elements, FINDINGS_PER_ELEMENT);
	check_expected(res, code, sub);
	if (is_document_code(code))
		report(st == CB_RESULT_REJECTED, "%s: status %d, expected rejected (%d)", code,
		       (int)st, (int)CB_RESULT_REJECTED);
	else if (strcmp(severity_of(code), "error") == 0)
		report(st == CB_RESULT_HELD || st == CB_RESULT_REJECTED,
		       "%s: status %d, expected held (%d)", code, (int)st, (int)CB_RESULT_HELD);
	check_billed(e, res);
	check_claim(e, res);
	cb_result_free(res);
}

/* ---- a rule set ----------------------------------------------------------------------- */

/* Every line of a refusal is "NAME:LINE: message". */
static void check_refusal_lines(const char *msg, const char *name)
{
	size_t nlen = strlen(name);
	const char *line = msg;
	while (*line) {
		size_t n = strcspn(line, "\n");
		const char *p = line + nlen;
		int ok = n > nlen + 3 && strncmp(line, name, nlen) == 0 && *p == ':' &&
			 p[1] >= '0' && p[1] <= '9';
		if (ok) {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
			ok = p[0] == ':' && p[1] == ' ' && p + 2 < line + n;
		}
		report(ok, "refusal line does not start with \"%s:LINE: \": %.*s", name, (int)n,
		       line);
		line += n + (line[n] == '\n');
	}
}

static void run_ruleset(const entry *e, const char *buf, size_t len, const char *word,
			const char *sub)
{
	char name[1400];
	snprintf(name, sizeof name, "bad-input/%s/input.xml", e->name);
	report(strcmp(word, "REFUSED") == 0, "expect of a rule set must start with REFUSED: %s",
	       word);
	cb_ruleset *rs = NULL;
	int rc = cb_ruleset_load_buffer(&rs, buf, len, name);
	const char *msg = cb_error_last();
	report(rc == CB_ERULESET, "cb_ruleset_load_buffer returned %d (%s), expected "
	       "CB_ERULESET: %s", rc, cb_strerror(rc), msg);
	report(rs == NULL, "a refused rule set was handed out");
	report(strstr(msg, sub) != NULL, "the refusal lacks \"%s\": %s", sub, msg);
	report(*msg != '\0', "the refusal has no message");
	check_refusal_lines(msg, name);
	if (passwd_line[0])
		report(!strstr(msg, passwd_line), "the refusal quotes /etc/passwd");
	cb_ruleset_free(rs);
}

/* ---- one catalogue entry -------------------------------------------------------------- */

static void run_entry(void)
{
	const CU_pTest t = CU_get_current_test();
	const entry *e = NULL;
	for (size_t i = 0; t && i < nentries && !e; i++)
		if (strcmp(entries[i].name, t->pName) == 0)
			e = &entries[i];
	report(e != NULL, "no catalogue entry for this test");
	if (!e)
		return;
	char kind[32], expect[512];
	if (read_line(e, "kind", kind, sizeof kind) != 0 ||
	    read_line(e, "expect", expect, sizeof expect) != 0) {
		report(0, "%s: missing kind or expect", e->dir);
		return;
	}
	size_t len = 0;
	char *buf = load_input(e, kind, &len);
	report(buf != NULL, "%s: no input.xml and no usable generate recipe", e->dir);
	if (!buf)
		return;
	char *sub = expect + strcspn(expect, " ");
	if (*sub)
		*sub++ = '\0';
	global_reports = 0;
	global_first[0] = '\0';
	if (strcmp(kind, "case") == 0)
		run_case(e, buf, len, expect, sub);
	else if (strcmp(kind, "ruleset") == 0)
		run_ruleset(e, buf, len, expect, sub);
	else
		report(0, "%s: kind must be case or ruleset, not %s", e->dir, kind);
	check_no_global_reports();
	free(buf);
}

/* ---- set-up --------------------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static int scan_catalogue(void)
{
	DIR *d = opendir(CATALOGUE);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)) && nentries < MAX_ENTRIES) {
		entry *e = &entries[nentries];
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof e->name)
			continue;
		snprintf(e->dir, sizeof e->dir, "%s/%s", CATALOGUE, de->d_name);
		struct stat st;
		if (stat(e->dir, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(e->name, sizeof e->name, "%s", de->d_name);
		nentries++;
	}
	closedir(d);
	qsort(entries, nentries, sizeof *entries, by_name);
	return 0;
}

static void read_passwd_line(void)
{
	size_t len;
	char *text = cb_test_slurp("/etc/passwd", &len);
	if (!text)
		return;
	size_t n = strcspn(text, "\n");
	if (n >= 8) /* long enough not to match by chance */
		snprintf(passwd_line, sizeof passwd_line, "%.*s", (int)n, text);
	free(text);
}

static int suite_init(void)
{
	if (cb_ruleset_load_file(&fx, CAREBILL_SOURCE_DIR "/rules/fx-2023.xml") != CB_OK) {
		fprintf(stderr, "fx-2023: %s\n", cb_error_last());
		return 1;
	}
	xmlSchemaParserCtxtPtr pc =
		xmlSchemaNewParserCtxt(CAREBILL_SOURCE_DIR "/rules/schema/claim.xsd");
	if (pc) {
		claim_schema = xmlSchemaParse(pc);
		xmlSchemaFreeParserCtxt(pc);
	}
	read_passwd_line();
	/* installed after the set-up's own parsing: from here on, any call means the library
	 * let libxml2 report through its process-wide handlers */
	xmlSetGenericErrorFunc(NULL, on_generic);
	xmlSetStructuredErrorFunc(NULL, on_structured);
	return claim_schema ? 0 : 1;
}

static int suite_clean(void)
{
	xmlSetGenericErrorFunc(NULL, NULL);
	xmlSetStructuredErrorFunc(NULL, NULL);
	cb_ruleset_free(fx);
	xmlSchemaFree(claim_schema);
	return 0;
}

int main(void)
{
	if (scan_catalogue() != 0 || nentries == 0) {
		fprintf(stderr, "test_badinput: no catalogue under %s\n", CATALOGUE);
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("bad-input", suite_init, suite_clean);
	for (size_t i = 0; s && i < nentries; i++)
		if (!CU_add_test(s, entries[i].name, run_entry))
			s = NULL;
	if (!s) {
		CU_cleanup_registry();
		return 1;
	}
	return cb_test_run();
}
