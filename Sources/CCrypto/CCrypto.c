#include "CCrypto.h"
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

// Swift passes NULL for empty arrays; OpenSSL wants a valid pointer for zero-length input.
static const uint8_t empty_input[1] = {0};
#define NONNULL(p) ((p) ? (p) : empty_input)

int ccrypto_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
    return SHA256(NONNULL(data), len, out) != NULL;
}

int ccrypto_sha1(const uint8_t *data, size_t len, uint8_t out[20]) {
    return SHA1(NONNULL(data), len, out) != NULL;
}

int ccrypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t out[32]) {
    unsigned int out_len = 0;
    if (key_len > INT_MAX) return 0;
    if (HMAC(EVP_sha256(), NONNULL(key), (int)key_len, NONNULL(data), len, out, &out_len) == NULL) return 0;
    return out_len == 32;
}

int ccrypto_random(uint8_t *out, size_t len) {
    if (len == 0) return 1;
    if (len > INT_MAX) return 0;
    return RAND_bytes(out, (int)len) == 1;
}

int ccrypto_memeq(const uint8_t *a, const uint8_t *b, size_t len) {
    if (len == 0) return 1;
    return CRYPTO_memcmp(a, b, len) == 0;
}

// GCM processes at most INT_MAX bytes per EVP call; the sealer caps sizes far below that.
int ccrypto_aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12],
                           const uint8_t *aad, size_t aad_len,
                           const uint8_t *plaintext, size_t len,
                           uint8_t *out, uint8_t tag[16]) {
    if (aad_len > INT_MAX || len > INT_MAX) return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return 0;
    int ok = 0, n = 0;
    uint8_t scratch[16];
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1) goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1) goto done;
    if (EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1) goto done;
    if (aad_len > 0 && EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) goto done;
    if (len > 0 && EVP_EncryptUpdate(ctx, out, &n, plaintext, (int)len) != 1) goto done;
    // GCM's final step emits no bytes; a scratch buffer avoids passing NULL for empty plaintext.
    if (EVP_EncryptFinal_ex(ctx, scratch, &n) != 1) goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1) goto done;
    ok = 1;
done:
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

int ccrypto_aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12],
                           const uint8_t *aad, size_t aad_len,
                           const uint8_t *ciphertext, size_t len,
                           const uint8_t tag[16], uint8_t *out) {
    if (aad_len > INT_MAX || len > INT_MAX) return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return 0;
    int ok = 0, n = 0;
    uint8_t scratch[16];
    uint8_t tag_copy[16];
    for (int i = 0; i < 16; i++) tag_copy[i] = tag[i];
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1) goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1) goto done;
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1) goto done;
    if (aad_len > 0 && EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) goto done;
    if (len > 0 && EVP_DecryptUpdate(ctx, out, &n, ciphertext, (int)len) != 1) goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag_copy) != 1) goto done;
    // GCM's final step writes nothing; it only checks the tag.
    if (EVP_DecryptFinal_ex(ctx, scratch, &n) != 1) goto done;
    ok = 1;
done:
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}
