/*
 * arena.h — region allocation for one loaded document or one result: everything a rule set,
 * a case or a result holds is allocated from its arena and released at once. Exact decimals
 * (cb_dec) made through the arena are cleared when it is released, so no GMP memory leaks.
 * Allocation failure is reported by NULL; callers turn it into CB_ENOMEM.
 */
#ifndef CB_ARENA_H
#define CB_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "money.h"

typedef struct cb_arena cb_arena;

/* Whether two texts are equal: inline for the short names and codes of the hot paths (a call
 * to strcmp costs more than comparing "item" byte by byte), and at once for one address. */
static inline int cb_streq(const char *a, const char *b)
{
	if (a == b)
		return 1;
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

cb_arena *cb_arena_new(void);
/* Release the arena. Its ordinary blocks are kept by the calling thread for its next
 * arenas, up to 16 (1 MiB), and freed when the thread ends (arena.c says why). */
void cb_arena_free(cb_arena *a);
/* How many blocks the calling thread keeps now (for tests). */
size_t cb_arena__cached_blocks(void);
/* Release everything allocated so far but keep one block for reuse (a per-patient scratch
 * arena is reset between patients instead of being made anew). */
void cb_arena_reset(cb_arena *a);
/* Zeroed memory, aligned for any object. NULL when out of memory. */
void *cb_arena_alloc(cb_arena *a, size_t size);
char *cb_arena_strdup(cb_arena *a, const char *s);
char *cb_arena_strndup(cb_arena *a, const char *s, size_t n);
/* vsnprintf, fast for the conversions messages and ids use (%s, %d and %%) and vsnprintf
 * itself for any other format; same text, same return value. */
int cb_arena__vformat(char *buf, size_t cap, const char *fmt, va_list ap);
/* printf-style string in the arena. */
char *cb_arena_printf(cb_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "a" SEP "b" in the arena, without printf (hot paths build map keys with it). */
char *cb_arena_join(cb_arena *a, const char *first, char sep, const char *second);
/* A decimal initialised to 0 and cleared with the arena. */
cb_dec *cb_arena_dec(cb_arena *a);
/* Copy of `d` (NULL-safe: returns NULL for NULL). */
cb_dec *cb_arena_dec_copy(cb_arena *a, const cb_dec *d);
/* Format `d` as `kind` ([NUM-4]) into a string owned by the arena. */
char *cb_arena_fmt(cb_arena *a, const cb_dec *d, cb_dec_kind kind);

/* A growable array of pointers (heap memory, freed with cb_ptrvec_free). */
typedef struct cb_ptrvec {
	void **v;
	size_t n, cap;
} cb_ptrvec;

int cb_ptrvec_push(cb_ptrvec *pv, void *p); /* 0 or -1 (out of memory) */
/* Push onto a vector whose storage lives in arena `a` (grown by doubling; outgrown storage
 * stays in the arena, at most as much again). Such a vector is never given to
 * cb_ptrvec_free, and always grows in the same arena. 0 or -1 (out of memory). */
int cb_ptrvec_push_in(cb_ptrvec *pv, void *p, cb_arena *a);
void cb_ptrvec_free(cb_ptrvec *pv);
/* A NULL-terminated copy of the vector's items in the arena; NULL when out of memory. */
void **cb_ptrvec_to_arena(const cb_ptrvec *pv, cb_arena *a);

/* Open addressing with linear probing, shared by cb_strmap and cb_ptrmap (arena.c). */
typedef struct cb_omap {
	const void **keys;
	void **vals;
	size_t n, cap;
} cb_omap;

/* A string-keyed hash map; keys are borrowed, not copied. Zero-initialise. */
typedef struct cb_strmap {
	cb_omap m;
} cb_strmap;

void *cb_strmap_get(const cb_strmap *m, const char *key);
/* Insert or replace. 0, or -1 when out of memory. */
int cb_strmap_put(cb_strmap *m, const char *key, void *val);
void cb_strmap_free(cb_strmap *m);

/*
 * A map from a key of two texts and a number, (a, b, n), to a value, emptied in constant
 * time (cb_keymap_clear) so that one table serves patient after patient. Texts compare as
 * the string a "\x1f" b (b NULL: a alone), as if joined by cb_arena_join, and n as a number.
 * Keys are borrowed, not copied. The caller hashes a key once and passes that hash to get
 * and put: cb_keymap_hash, or any hash the caller uses for every key of that map alike (equal
 * keys must hash alike; the map uses no other).
 */
typedef struct cb_keymap {
	struct cb_keyslot *slots;
	size_t n, cap;
	uint32_t gen;       /* slots of another generation are empty */
} cb_keymap;

uint64_t cb_keymap_hash(const char *a, const char *b, uint64_t n);
void *cb_keymap_get(const cb_keymap *m, const char *a, const char *b, uint64_t n,
		    uint64_t hash);
/* Add a key that is not in the map. 0, or -1 when out of memory. */
int cb_keymap_put(cb_keymap *m, const char *a, const char *b, uint64_t n, uint64_t hash,
		  void *val);
void cb_keymap_clear(cb_keymap *m);
void cb_keymap_free(cb_keymap *m);

/* A map from an address to a value (keys are compared as pointers, never read).
 * Zero-initialise. */
typedef struct cb_ptrmap {
	cb_omap m;
} cb_ptrmap;

void *cb_ptrmap_get(const cb_ptrmap *m, const void *key);
/* Insert or replace (key not NULL). 0, or -1 when out of memory. */
int cb_ptrmap_put(cb_ptrmap *m, const void *key, void *val);
void cb_ptrmap_free(cb_ptrmap *m);

#endif
