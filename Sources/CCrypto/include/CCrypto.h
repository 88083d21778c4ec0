#pragma once
// Thin, macro-free entry points into OpenSSL libcrypto for Swift. Each function
// takes explicit lengths and returns 1 on success, 0 on failure, so Swift never
// has to touch EVP contexts or OpenSSL macros directly.
#include <stddef.h>
#include <stdint.h>

int ccrypto_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
int ccrypto_sha1(const uint8_t *data, size_t len, uint8_t out[20]);
int ccrypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t out[32]);
int ccrypto_random(uint8_t *out, size_t len);
/// 1 when equal. Both buffers must be `len` bytes; time depends only on `len`.
int ccrypto_memeq(const uint8_t *a, const uint8_t *b, size_t len);

/// AES-256-GCM with a 12-byte nonce and a 16-byte tag. `out` receives `len` bytes of ciphertext.
int ccrypto_aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12],
                           const uint8_t *aad, size_t aad_len,
                           const uint8_t *plaintext, size_t len,
                           uint8_t *out, uint8_t tag[16]);
/// Returns 1 only if the tag authenticates; `out` is then `len` bytes of plaintext.
int ccrypto_aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12],
                           const uint8_t *aad, size_t aad_len,
                           const uint8_t *ciphertext, size_t len,
                           const uint8_t tag[16], uint8_t *out);
