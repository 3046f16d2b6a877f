/*
 * arena.c — region allocator, pointer vector and string map used by every module.
 * An arena is a chain of blocks; large requests get a block of their own. Decimals made
 * through the arena are tracked in a list and cleared on release.
 */
#include "arena.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

typedef struct block {
	struct block *next;
	size_t used, cap;
	_Alignas(ARENA_ALIGN) unsigned char data[];
} block;

/*
 * Ordinary blocks an arena gives back are kept by the thread for its next arenas, up to
 * CACHE_MAX (1 MiB), and freed when the thread ends. Pricing a case makes and frees a few
 * arenas; given back to malloc at once, their blocks left a free top of the heap that glibc
 * returned to the kernel (trimmed) and took back, page fault by page fault, for the next
 * case: measured on the nightly path, 12,000 page faults and 40% more time for 200,000 lines
 * (tests/bench/RESULTS.md). A cached block's memory is poisoned for AddressSanitizer, so a
 * use after free is still found.
 */
#define CACHE_MAX 16

typedef struct block_cache {
	block *head;
	unsigned n;
} block_cache;

static _Thread_local block_cache *tcache;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void cache_release(void *p)
{
	block_cache *c = p;
	for (block *b = c->head, *next; b; b = next) {
		UNPOISON(b, sizeof(block) + b->cap);
		next = b->next;
		free(b);
	}
	free(c);
	tcache = NULL;
}

static void cache_init(void)
{
	cache_key_ok = pthread_key_create(&cache_key, cache_release) == 0;
}

/* The thread's cache, made on first use; NULL when there can be none. */
static block_cache *cache_get(void)
{
	if (tcache)
		return tcache;
	pthread_once(&cache_once, cache_init);
	block_cache *c;
	if (!cache_key_ok || !(c = calloc(1, sizeof *c)))
		return NULL;
	if (pthread_setspecific(cache_key, c) != 0) {
		free(c);
		return NULL;
	}
	return tcache = c;
}

size_t cb_arena__cached_blocks(void)
{
	return tcache ? tcache->n : 0;
}

/* Free block b, or keep it in the thread's cache. */
static void block_free(block *b)
{
	block_cache *c;
	if (b->cap != ARENA_BLOCK || !(c = cache_get()) || c->n >= CACHE_MAX) {
		free(b);
		return;
	}
	b->next = c->head;
	c->head = b;
	c->n++;
	POISON(b->data, b->cap);
}

typedef struct dec_node {
	struct dec_node *next;
	cb_dec dec;
} dec_node;

struct cb_arena {
	block *head;
	dec_node *decs;
};

cb_arena *cb_arena_new(void)
{
	return calloc(1, sizeof(cb_arena));
}

void cb_arena_free(cb_arena *a)
{
	if (!a)
		return;
	for (dec_node *d = a->decs; d; d = d->next)
		cb_dec_clear(&d->dec);
	block *b = a->head;
	while (b) {
		block *next = b->next;
		block_free(b);
		b = next;
	}
	free(a);
}

void cb_arena_reset(cb_arena *a)
{
	for (dec_node *d = a->decs; d; d = d->next)
		cb_dec_clear(&d->dec);
	a->decs = NULL;
	block *keep = NULL, *b = a->head;
	while (b) {
		block *next = b->next;
		if (!keep && b->cap == ARENA_BLOCK) {
			keep = b; /* one ordinary block is kept for reuse */
			keep->next = NULL;
			keep->used = 0;
		} else {
			block_free(b);
		}
		b = next;
	}
	a->head = keep;
}

static block *block_new(size_t cap)
{
	block *b;
	if (cap == ARENA_BLOCK && tcache && tcache->head) {
		b = tcache->head;
		tcache->head = b->next;
		tcache->n--;
		UNPOISON(b->data, b->cap);
		b->next = NULL;
		b->used = 0;
		return b;
	}
	b = malloc(sizeof(block) + cap);
	if (!b)
		return NULL;
	b->next = NULL;
	b->used = 0;
	b->cap = cap;
	return b;
}

/* A block of its own for a big request, kept behind the current one. */
static void *alloc_big(cb_arena *a, size_t size)
{
	block *b = a->head, *big = block_new(size);
	if (!big)
		return NULL;
	if (b) {
		big->next = b->next;
		b->next = big;
	} else {
		a->head = big;
	}
	big->used = size;
	return big->data;
}

/*
 * `size` bytes from the current block starting at an offset rounded up to `align` (a power
 * of two, at most ARENA_ALIGN), not zeroed. Text takes align 1, so short strings do not
 * each cost 16 bytes.
 */
static void *alloc_raw(cb_arena *a, size_t size, size_t align)
{
	block *b = a->head;
	size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
	if (!b || at > b->cap || b->cap - at < size) {
		if (size > ARENA_BLOCK / 4)
			return alloc_big(a, size);
		b = block_new(ARENA_BLOCK);
		if (!b)
			return NULL;
		b->next = a->head;
		a->head = b;
		at = 0;
	}
	b->used = at + size;
	return b->data + at;
}

void *cb_arena_alloc(cb_arena *a, size_t size)
{
	void *p = alloc_raw(a, size ? size : 1, ARENA_ALIGN);
	if (p)
		memset(p, 0, size);
	return p;
}

char *cb_arena_strndup(cb_arena *a, const char *s, size_t n)
{
	char *p = alloc_raw(a, n + 1, 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cb_arena_strdup(cb_arena *a, const char *s)
{
	return s ? cb_arena_strndup(a, s, strlen(s)) : NULL;
}

/* Only %s, %d and %% in fmt: the conversions cb_arena__vformat does itself. */
static int simple_format(const char *fmt)
{
	for (const char *f = fmt; (f = strchr(f, '%')); f += 2)
		if (f[1] != 's' && f[1] != 'd' && f[1] != '%')
			return 0;
	return 1;
}

/* Append text to buf as vsnprintf would: count every byte, store those before the NUL. */
static void put_text(char *buf, size_t cap, size_t *n, const char *s, size_t len)
{
	if (*n < cap) {
		size_t room = cap - 1 - *n, take = len < room ? len : room;
		memcpy(buf + *n, s, take);
	}
	*n += len;
}

int cb_arena__vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
	if (!simple_format(fmt))
		return vsnprintf(buf, cap, fmt, ap);
	size_t n = 0;
	for (const char *f = fmt; *f;) {
		const char *pct = strchr(f, '%');
		size_t plain = pct ? (size_t)(pct - f) : strlen(f);
		put_text(buf, cap, &n, f, plain);
		if (!pct)
			break;
		if (pct[1] == 's') {
			const char *s = va_arg(ap, const char *);
			s = s ? s : "(null)"; /* as glibc prints it */
			put_text(buf, cap, &n, s, strlen(s));
		} else if (pct[1] == 'd') {
			int v = va_arg(ap, int);
			char digits[12], *d = digits + sizeof digits;
			unsigned m = v < 0 ? 0u - (unsigned)v : (unsigned)v;
			do
				*--d = (char)('0' + m % 10);
			while ((m /= 10) > 0);
			if (v < 0)
				*--d = '-';
			put_text(buf, cap, &n, d, (size_t)(digits + sizeof digits - d));
		} else {
			put_text(buf, cap, &n, "%", 1);
		}
		f = pct + 2;
	}
	if (cap > 0)
		buf[n < cap ? n : cap - 1] = '\0';
	return n > INT_MAX ? -1 : (int)n;
}

char *cb_arena_printf(cb_arena *a, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = cb_arena__vformat(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = alloc_raw(a, (size_t)n + 1, 1);
	if (!p)
		return NULL;
	if ((size_t)n < sizeof small) {
		memcpy(p, small, (size_t)n + 1);
		return p;
	}
	va_start(ap, fmt);
	cb_arena__vformat(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *cb_arena_join(cb_arena *a, const char *first, char sep, const char *second)
{
	size_t n1 = strlen(first), n2 = strlen(second);
	char *p = alloc_raw(a, n1 + n2 + 2, 1);
	if (!p)
		return NULL;
	memcpy(p, first, n1);
	p[n1] = sep;
	memcpy(p + n1 + 1, second, n2 + 1);
	return p;
}

cb_dec *cb_arena_dec(cb_arena *a)
{
	dec_node *d = cb_arena_alloc(a, sizeof(dec_node));
	if (!d)
		return NULL;
	cb_dec_init(&d->dec);
	d->next = a->decs;
	a->decs = d;
	return &d->dec;
}

cb_dec *cb_arena_dec_copy(cb_arena *a, const cb_dec *src)
{
	if (!src)
		return NULL;
	cb_dec *d = cb_arena_dec(a);
	if (d)
		cb_dec_set(d, src);
	return d;
}

char *cb_arena_fmt(cb_arena *a, const cb_dec *d, cb_dec_kind kind)
{
	char small[CB_DEC_SMALL_TEXT];
	const char *first = cb_dec_format_small(d, kind, small + sizeof small);
	if (first)
		return cb_arena_strndup(a, first, (size_t)(small + sizeof small - first));
	size_t need = cb_dec_format(d, kind, NULL, 0);
	char *p = alloc_raw(a, need + 1, 1);
	if (p)
		cb_dec_format(d, kind, p, need + 1);
	return p;
}

int cb_ptrvec_push(cb_ptrvec *pv, void *p)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 8;
		void **v = realloc(pv->v, cap * sizeof *v);
		if (!v)
			return -1;
		pv->v = v;
		pv->cap = cap;
	}
	pv->v[pv->n++] = p;
	return 0;
}

int cb_ptrvec_push_in(cb_ptrvec *pv, void *p, cb_arena *a)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 8;
		void **v = alloc_raw(a, cap * sizeof *v, ARENA_ALIGN);
		if (!v)
			return -1;
		if (pv->n)
			memcpy(v, pv->v, pv->n * sizeof *v);
		pv->v = v;
		pv->cap = cap;
	}
	pv->v[pv->n++] = p;
	return 0;
}

void **cb_ptrvec_to_arena(const cb_ptrvec *pv, cb_arena *a)
{
	void **v = cb_arena_alloc(a, (pv->n + 1) * sizeof *v);
	if (v && pv->n)
		memcpy(v, pv->v, pv->n * sizeof *v);
	return v;
}

void cb_ptrvec_free(cb_ptrvec *pv)
{
	free(pv->v);
	pv->v = NULL;
	pv->n = pv->cap = 0;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot of `key` in m: where it is, or the empty slot where it would go. by_addr: keys
 * are compared as addresses (cb_ptrmap), else as strings (cb_strmap). */
static size_t omap_slot(const cb_omap *m, const void *key, int by_addr)
{
	size_t mask = m->cap - 1, i;
	if (by_addr) {
		uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ULL;
		i = (size_t)(h >> 32) & mask;
		while (m->keys[i] && m->keys[i] != key)
			i = (i + 1) & mask;
	} else {
		i = (size_t)hash_str(key) & mask;
		while (m->keys[i] && !cb_streq(m->keys[i], key))
			i = (i + 1) & mask;
	}
	return i;
}

static void *omap_get(const cb_omap *m, const void *key, int by_addr)
{
	if (!m->n)
		return NULL;
	size_t i = omap_slot(m, key, by_addr);
	return m->keys[i] ? m->vals[i] : NULL;
}

static int omap_grow(cb_omap *m, size_t first_cap, int by_addr)
{
	cb_omap bigger = {0};
	bigger.cap = m->cap ? m->cap * 2 : first_cap;
	bigger.keys = calloc(bigger.cap, sizeof *bigger.keys);
	bigger.vals = calloc(bigger.cap, sizeof *bigger.vals);
	if (!bigger.keys || !bigger.vals) {
		free(bigger.keys);
		free(bigger.vals);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = omap_slot(&bigger, m->keys[i], by_addr);
		bigger.keys[j] = m->keys[i];
		bigger.vals[j] = m->vals[i];
		bigger.n++;
	}
	free(m->keys);
	free(m->vals);
	*m = bigger;
	return 0;
}

static int omap_put(cb_omap *m, const void *key, void *val, size_t first_cap, int by_addr)
{
	if ((m->n + 1) * 4 > m->cap * 3 && omap_grow(m, first_cap, by_addr) != 0)
		return -1;
	size_t i = omap_slot(m, key, by_addr);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

static void omap_free(cb_omap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

void *cb_strmap_get(const cb_strmap *m, const char *key)
{
	return omap_get(&m->m, key, 0);
}

int cb_strmap_put(cb_strmap *m, const char *key, void *val)
{
	return omap_put(&m->m, key, val, 16, 0);
}

void cb_strmap_free(cb_strmap *m)
{
	omap_free(&m->m);
}

/* ---- cb_keymap ---- */

#define KEY_SEP 0x1f

typedef struct cb_keyslot {
	uint64_t hash;
	uint32_t gen;
	const char *a, *b;
	uint64_t n;
	void *val;
} cb_keyslot;

static uint64_t fnv_bytes(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t cb_keymap_hash(const char *a, const char *b, uint64_t n)
{
	uint64_t h = fnv_bytes(1469598103934665603ULL, a);
	if (b) {
		h ^= KEY_SEP;
		h *= 1099511628211ULL;
		h = fnv_bytes(h, b);
	}
	h ^= n + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h ^ (h >> 29);
}

/* A cursor over the bytes of a "\x1f" b. */
typedef struct joined {
	const char *p, *rest;
} joined;

static int joined_next(joined *j)
{
	if (*j->p)
		return (unsigned char)*j->p++;
	if (j->rest) {
		j->p = j->rest;
		j->rest = NULL;
		return KEY_SEP;
	}
	return -1;
}

static int key_eq(const cb_keyslot *k, const char *a, const char *b, uint64_t n)
{
	if (k->n != n)
		return 0;
	joined x = {k->a, k->b}, y = {a, b};
	int cx, cy;
	do {
		cx = joined_next(&x);
		cy = joined_next(&y);
	} while (cx == cy && cx >= 0);
	return cx == cy;
}

/* The slot holding the key, or the empty slot where it would go. */
static cb_keyslot *key_slot(const cb_keymap *m, const char *a, const char *b, uint64_t n,
			    uint64_t hash)
{
	size_t mask = m->cap - 1, i = (size_t)hash & mask;
	for (;; i = (i + 1) & mask) {
		cb_keyslot *k = &m->slots[i];
		if (k->gen != m->gen || (k->hash == hash && key_eq(k, a, b, n)))
			return k;
	}
}

void *cb_keymap_get(const cb_keymap *m, const char *a, const char *b, uint64_t n,
		    uint64_t hash)
{
	if (!m->n)
		return NULL;
	const cb_keyslot *k = key_slot(m, a, b, n, hash);
	return k->gen == m->gen ? k->val : NULL;
}

static int keymap_grow(cb_keymap *m)
{
	cb_keymap bigger = {0};
	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.gen = 1;
	if (!(bigger.slots = calloc(bigger.cap, sizeof *bigger.slots)))
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		const cb_keyslot *k = &m->slots[i];
		if (k->gen != m->gen)
			continue;
		cb_keyslot *to = key_slot(&bigger, k->a, k->b, k->n, k->hash);
		*to = *k;
		to->gen = bigger.gen;
		bigger.n++;
	}
	free(m->slots);
	*m = bigger;
	return 0;
}

int cb_keymap_put(cb_keymap *m, const char *a, const char *b, uint64_t n, uint64_t hash,
		  void *val)
{
	if ((m->n + 1) * 4 > m->cap * 3 && keymap_grow(m) != 0)
		return -1;
	cb_keyslot *k = key_slot(m, a, b, n, hash);
	*k = (cb_keyslot){hash, m->gen, a, b, n, val};
	m->n++;
	return 0;
}

void cb_keymap_clear(cb_keymap *m)
{
	if (!m->n)
		return;
	m->n = 0;
	if (++m->gen == 0) { /* the generation wrapped: empty every slot for real */
		memset(m->slots, 0, m->cap * sizeof *m->slots);
		m->gen = 1;
	}
}

void cb_keymap_free(cb_keymap *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}

/* ---- cb_ptrmap ---- */

void *cb_ptrmap_get(const cb_ptrmap *m, const void *key)
{
	return omap_get(&m->m, key, 1);
}

int cb_ptrmap_put(cb_ptrmap *m, const void *key, void *val)
{
	return omap_put(&m->m, key, val, 64, 1);
}

void cb_ptrmap_free(cb_ptrmap *m)
{
	omap_free(&m->m);
}
