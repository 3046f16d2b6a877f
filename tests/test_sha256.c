/*
 * test_sha256.c — the provenance digest (engine/sha256.c) against the FIPS 180-4 example
 * vectors and padding edges (55, 56, 63, 64 bytes).
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "cb_test.h"
#include "sha256.h"

static void expect(const char *data, size_t len, const char *hex)
{
	char out[65];
	cb_sha256_hex(data, len, out);
	CU_ASSERT_STRING_EQUAL(out, hex);
}

static void test_sha256_known_vectors(void)
{
	expect("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	expect(two, strlen(two),
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_padding_edges(void)
{
	char a[1000];
	memset(a, 'a', sizeof a);
	expect(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	expect(a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	expect(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
	expect(a, 1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

static CU_TestInfo sha256_tests[] = {
	{"test_sha256_known_vectors", test_sha256_known_vectors},
	{"test_sha256_padding_edges", test_sha256_padding_edges},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"sha256", NULL, NULL, NULL, NULL, sha256_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
