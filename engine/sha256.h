/*
 * sha256.h — SHA-256 (FIPS 180-4) for the provenance fingerprints of claim documents
 * (issue 6), through OpenSSL's libcrypto.
 */
#ifndef CB_SHA256_H
#define CB_SHA256_H

#include <stddef.h>

/* Lower-case hex digest of `len` bytes at `data` into out (65 bytes with NUL). */
void cb_sha256_hex(const void *data, size_t len, char out[65]);

#endif
