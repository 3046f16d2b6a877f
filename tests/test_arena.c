/*
 * test_arena.c — CUnit suite for engine/arena.c: allocation from blocks, reset, big requests,
 * and the per-thread cache of blocks freed arenas give back (bounded, reused by the next
 * arena of the same thread, released when the thread ends: the ASan build's leak check fails
 * this program if a thread's cache outlives it). The exit status is the number of failures.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"

/* Fill n arena blocks (64 KiB each) of a new arena with a pattern; the arena. */
static cb_arena *filled(int blocks)
{
	cb_arena *a = cb_arena_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	for (int i = 0; i < blocks * 4; i++) { /* 4 requests of 16 KiB fill a block */
		unsigned char *p = cb_arena_alloc(a, 16 * 1024 - 64);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		size_t j = 0;
		while (j < 16 * 1024 - 64 && p[j] == 0)
			j++;
		CU_ASSERT_EQUAL_FATAL(j, 16 * 1024 - 64); /* zeroed, even when the block is reused */
		memset(p, 0xa5, 16 * 1024 - 64);
	}
	return a;
}

static void test_alloc_and_strings(void)
{
	cb_arena *a = cb_arena_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	char *s = cb_arena_strdup(a, "MED-1");
	CU_ASSERT_STRING_EQUAL(s, "MED-1");
	CU_ASSERT_STRING_EQUAL(cb_arena_strndup(a, "abcdef", 3), "abc");
	CU_ASSERT_STRING_EQUAL(cb_arena_printf(a, "%s#%d", "L1", 2), "L1#2");
	CU_ASSERT_STRING_EQUAL(cb_arena_join(a, "inst", '\x1f', "L1"), "inst\x1fL1");
	void *p = cb_arena_alloc(a, 24);
	CU_ASSERT_EQUAL((uintptr_t)p % 16, 0);
	/* a request bigger than a quarter block gets a block of its own */
	unsigned char *big = cb_arena_alloc(a, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_EQUAL(big[0], 0);
	CU_ASSERT_EQUAL(big[(1 << 20) - 1], 0);
	CU_ASSERT_STRING_EQUAL(s, "MED-1"); /* earlier allocations are untouched */
	cb_arena_reset(a);
	CU_ASSERT_STRING_EQUAL(cb_arena_strdup(a, "after reset"), "after reset");
	cb_arena_free(a);
}

static void test_cache_reuse_and_bound(void)
{
	cb_arena_free(filled(40)); /* more blocks than the cache keeps */
	CU_ASSERT_EQUAL(cb_arena__cached_blocks(), 16);
	cb_arena *a = filled(3); /* the next arena takes blocks from the cache */
	CU_ASSERT_EQUAL(cb_arena__cached_blocks(), 13);
	cb_arena_reset(a); /* keeps one block, gives the others back */
	CU_ASSERT_EQUAL(cb_arena__cached_blocks(), 15);
	cb_arena_free(a);
	CU_ASSERT_EQUAL(cb_arena__cached_blocks(), 16);
}

static void *thread_work(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++)
		cb_arena_free(filled(5));
	return (void *)(uintptr_t)cb_arena__cached_blocks();
}

static void test_cache_per_thread(void)
{
	size_t mine = cb_arena__cached_blocks();
	pthread_t t[4];
	int started = 0;
	for (int i = 0; i < 4; i++)
		started += pthread_create(&t[i], NULL, thread_work, NULL) == 0;
	CU_ASSERT_EQUAL_FATAL(started, 4);
	for (int i = 0; i < 4; i++) {
		void *kept = NULL;
		pthread_join(t[i], &kept);
		CU_ASSERT_EQUAL((uintptr_t)kept, 5); /* each thread reused its own five blocks */
	}
	CU_ASSERT_EQUAL(cb_arena__cached_blocks(), mine); /* other threads' caches are theirs */
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"allocation, strings, big requests, reset", test_alloc_and_strings},
		{"freed blocks are reused, at most 16 kept", test_cache_reuse_and_bound},
		{"each thread has its own cache, freed when it ends", test_cache_per_thread},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {{"arena", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
	return cb_test_main(suites);
}
