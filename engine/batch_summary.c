/*
 * batch_summary.c — the totals of a run (cb_batch_summary): counts kept by batch.c, and what
 * each payer is owed, summed exactly (money.h) from the claims of the patients billed; the
 * patients' own share is kept under a name no payer can have ("\x01patients").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "error.h"

bsummary *cb_bsum__new(const cb_batch_options *o)
{
	bsummary *s = calloc(1, sizeof *s);
	if (!s || !(s->arena = cb_arena_new())) {
		free(s);
		return NULL;
	}
	snprintf(s->date, sizeof s->date, "%s", o->date);
	s->pub.date = s->date;
	s->pub.shard_index = o->shard_index;
	s->pub.shard_count = o->shard_count;
	s->pub.patients_owe = "0.00";
	return s;
}

int cb_bsum__add(bsummary *s, const char *payer, const char *amount)
{
	cb_dec *total = cb_strmap_get(&s->by_payer, payer), v;
	if (!total) {
		char *name = cb_arena_strdup(s->arena, payer);
		total = cb_arena_dec(s->arena);
		if (!name || !total || cb_strmap_put(&s->by_payer, name, total) != 0 ||
		    cb_ptrvec_push(&s->payers, name) != 0)
			return cb__error(CB_ENOMEM, "out of memory");
	}
	cb_dec_init(&v);
	int bad = cb_dec_parse(&v, amount, CB_DEC_MONEY, NULL, 0);
	cb_dec_add(total, total, &v);
	cb_dec_clear(&v);
	return bad ? cb__error(CB_EINVAL, "bad amount %s", amount) : 0;
}

static int payer_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	int ma = strcmp(a, "medical-insurance") == 0, mb = strcmp(b, "medical-insurance") == 0;
	return ma != mb ? mb - ma : strcmp(a, b);
}

int cb_bsum__finish(bsummary *s)
{
	cb_batch_amount *v = cb_arena_alloc(s->arena, (s->payers.n + 1) * sizeof *v);
	if (!v)
		return cb__error(CB_ENOMEM, "out of memory");
	if (s->payers.n)
		qsort(s->payers.v, s->payers.n, sizeof(void *), payer_cmp);
	size_t n = 0;
	s->pub.patients_owe = "0.00";
	for (size_t i = 0; i < s->payers.n; i++) {
		const char *name = s->payers.v[i];
		char *total = cb_arena_fmt(s->arena, cb_strmap_get(&s->by_payer, name),
					   CB_DEC_MONEY);
		if (!total)
			return cb__error(CB_ENOMEM, "out of memory");
		if (name[0] == '\x01')
			s->pub.patients_owe = total;
		else
			v[n++] = (cb_batch_amount){name, total};
	}
	s->pub.payers = v;
	s->pub.payer_count = n;
	return 0;
}

CB_EXTERN void cb_batch_summary_free(cb_batch_summary *pub)
{
	bsummary *s = (bsummary *)pub;
	if (!s)
		return;
	cb_strmap_free(&s->by_payer);
	cb_ptrvec_free(&s->payers);
	cb_arena_free(s->arena);
	free(s);
}

