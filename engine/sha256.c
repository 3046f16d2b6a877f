/*
 * sha256.c — SHA-256 of a buffer through OpenSSL's libcrypto (EVP), which uses the
 * processor's SHA instructions where it has them: about six times faster here than a plain C
 * implementation, and the fingerprint of every case document is on the pricing path
 * (tests/bench/RESULTS.md). SHA-256 so that an auditor can check a fingerprint with
 * `sha256sum`.
 */
#include "sha256.h"

#include <openssl/evp.h>

void cb_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		/* libcrypto could not run the digest (out of memory): an impossible fingerprint */
		for (int i = 0; i < 64; i++)
			out[i] = '0';
		out[64] = '\0';
		return;
	}
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}
