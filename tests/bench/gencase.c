/*
 * gencase.c — a deterministic workload generator for benchmarks: writes a case document for
 * rules/cq-demo-2023.xml with PATIENTS patients and about LINES medical lines in all, in
 * realistic proportions (mostly outpatient encounters, some inpatient stays, home visits,
 * elder-care stays and per-use services for a tenth of the patients).
 *
 *   gencase SEED PATIENTS LINES > case.xml
 *
 * The same arguments always give the same bytes (a private xorshift generator, no rand()).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;

static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next() % n);
}

static const char *services[] = {"110200001", "120200002", "120400006", "121100001",
				 "250101015", "220600001", "210300001", "110200005"};
static const char *drugs[][2] = {{"XA01AB", "0.2800"},  {"XJ01DCC", "1.9000"},
				 {"XC09CAI", "1.1500"}, {"XA10BAE", "0.8500"},
				 {"XB05BBN", "3.5000"}, {"XC10AAA", "2.6000"},
				 {"XJ01MAL", "12.8000"}, {"ZA12BAF", "0.5200"},
				 {"X9001", "1.2000"},   {"C0102", "2.5000"},
				 {"C0801", "22.0000"},  {"C9001", "3.1000"}};

static void line(const char *unit, unsigned n, unsigned day, unsigned month)
{
	if (pick(3) == 0) {
		printf("      <line id=\"%s-%u\" item=\"%s\" qty=\"%u\" at=\"2026-%02u-%02uT%02u:%02u\"/>\n",
		       unit, n, services[pick(8)], 1 + pick(3), month, day, 8 + pick(10), pick(60));
	} else {
		unsigned d = pick(12);
		printf("      <line id=\"%s-%u\" item=\"%s\" qty=\"%u.%u\" price=\"%s\" "
		       "at=\"2026-%02u-%02uT%02u:%02u\"/>\n",
		       unit, n, drugs[d][0], 1 + pick(30), pick(10), drugs[d][1], month, day,
		       8 + pick(10), pick(60));
	}
}

static void patient(unsigned p, unsigned lines)
{
	printf("  <patient id=\"P%07u\" scheme=\"%s\" retired=\"%s\">\n", p,
	       pick(4) ? "employee" : "resident", pick(2) ? "true" : "false");
	printf("    <accumulators year=\"2026\" outpatient-deductible-used=\"%u.00\" "
	       "outpatient-fund-paid=\"%u.00\" inpatient-fund-paid=\"0.00\"/>\n", pick(200),
	       pick(2000));
	int elder = pick(10) == 0;
	if (elder)
		printf("    <contract id=\"L%u\" type=\"ltc\" grade=\"%u\" from=\"2026-01-01\"/>\n", p,
		       1 + pick(4));
	unsigned done = 0, unit = 0;
	static const char *inst[] = {"H001", "H002", "H003"};
	while (done < lines) {
		unsigned n = 1 + pick(8);
		if (n > lines - done)
			n = lines - done;
		unsigned month = 1 + pick(11), day = 1 + pick(28);
		char id[32];
		snprintf(id, sizeof id, "E%u", unit++);
		unsigned kind = pick(20);
		if (kind == 0 && day <= 20) {
			printf("    <encounter id=\"%s\" institution=\"%s\" setting=\"inpatient\" "
			       "admit=\"2026-%02u-%02u\" discharge=\"2026-%02u-%02u\">\n",
			       id, inst[pick(3)], month, day, month, day + 5);
		} else if (kind == 1) {
			printf("    <visit id=\"%s\" institution=\"%s\" at=\"2026-%02u-%02uT19:00\" "
			       "distance-km=\"%u.%u\" staff=\"%u\" surcharge=\"%s\">\n",
			       id, pick(2) ? "H001" : "H003", month, day, pick(5), pick(10),
			       1 + pick(2), pick(3) ? "false" : "true");
		} else {
			printf("    <encounter id=\"%s\" institution=\"%s\" setting=\"outpatient\" "
			       "date=\"2026-%02u-%02u\">\n", id, inst[pick(3)], month, day);
		}
		for (unsigned i = 0; i < n; i++)
			line(id, i, kind == 0 && day <= 20 ? day + pick(6) : day, month);
		printf(kind == 1 ? "    </visit>\n" : "    </encounter>\n");
		done += n;
	}
	if (elder) {
		printf("    <stay id=\"S%u\" institution=\"H001\" bed=\"EC-BED-S\" "
		       "nursing=\"EC-NUR-2\" from=\"2026-10-%02u\"/>\n", p, 1 + pick(28));
		printf("    <service id=\"M%u\" institution=\"H001\" item=\"EC-MEAL\" qty=\"%u\" "
		       "at=\"2026-11-%02uT12:00\"/>\n", p, 1 + pick(30), 1 + pick(29));
	}
	printf("  </patient>\n");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: gencase SEED PATIENTS LINES\n");
		return 2;
	}
	state = strtoull(argv[1], NULL, 10) * 2654435761u + 88172645463325252ull;
	unsigned patients = (unsigned)strtoul(argv[2], NULL, 10);
	unsigned long lines = strtoul(argv[3], NULL, 10);
	if (!patients)
		return 2;
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<case ruleset=\"cq-demo-2023\">\n");
	printf("  <period from=\"2026-11-01\" to=\"2026-12-01\"/>\n");
	for (unsigned p = 0; p < patients; p++)
		patient(p, (unsigned)(lines / patients + (p < lines % patients)));
	printf("</case>\n");
	return 0;
}
