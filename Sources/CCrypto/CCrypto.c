// SHA-256 and HMAC-SHA256 use OpenSSL's low-level SHA256_* functions: in OpenSSL 3
// the one-shot SHA256()/HMAC() go through EVP provider fetches and context
// allocation, which cost more than hashing a SigV4 string to sign (measured 1-2 us
// against ~0.2 us). The low-level API is deprecated but runs the same
// SHA-NI/AVX block functions.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "CCrypto.h"
#include <limits.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>

// Swift passes NULL for empty arrays; OpenSSL wants a valid pointer for zero-length input.
static const uint8_t empty_input[1] = {0};
#define NONNULL(p) ((p) ? (p) : empty_input)

int ccrypto_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
    SHA256_CTX c;
    if (SHA256_Init(&c) != 1 || SHA256_Update(&c, NONNULL(data), len) != 1 || SHA256_Final(out, &c) != 1) return 0;
    return 1;
}

int ccrypto_sha1(const uint8_t *data, size_t len, uint8_t out[20]) {
    return SHA1(NONNULL(data), len, out) != NULL;
}

// RFC 2104 over SHA-256 (block 64 bytes). Key material on the stack is wiped.
int ccrypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t out[32]) {
    uint8_t k[64], pad[64], inner[32];
    SHA256_CTX c;
    int ok = 0;
    memset(k, 0, sizeof k);
    if (key_len > sizeof k) {
        if (!ccrypto_sha256(key, key_len, k)) goto done;
    } else if (key_len > 0) {
        memcpy(k, key, key_len);
    }
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    if (SHA256_Init(&c) != 1 || SHA256_Update(&c, pad, 64) != 1 || SHA256_Update(&c, NONNULL(data), len) != 1
        || SHA256_Final(inner, &c) != 1) goto done;
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    if (SHA256_Init(&c) != 1 || SHA256_Update(&c, pad, 64) != 1 || SHA256_Update(&c, inner, 32) != 1
        || SHA256_Final(out, &c) != 1) goto done;
    ok = 1;
done:
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
    OPENSSL_cleanse(&c, sizeof c);
    return ok;
}

// RAND_bytes costs about a microsecond per call whatever the length (DRBG lock, the
// fork check's getpid): an AssumeRoleWithSAML made five calls for ~100 bytes, 5 % of
// mint's CPU. Requests of up to 64 bytes are served from a per-thread pool refilled
// 1 KiB at a time; bytes leave the pool once and are wiped as they go. A fork (the
// child would otherwise repeat the parent's pool) bumps a generation that empties
// every pool filled before it.
#define CCRYPTO_POOL_BYTES 1024
#define CCRYPTO_POOL_MAX_REQUEST 64
static _Thread_local uint8_t random_pool[CCRYPTO_POOL_BYTES];
static _Thread_local size_t random_pool_left = 0;
static _Thread_local unsigned long random_pool_generation = 0;
static unsigned long fork_generation = 1;
static pthread_once_t fork_hook_once = PTHREAD_ONCE_INIT;

static void ccrypto_after_fork_in_child(void) { __atomic_add_fetch(&fork_generation, 1, __ATOMIC_SEQ_CST); }
static void ccrypto_install_fork_hook(void) { pthread_atfork(NULL, NULL, ccrypto_after_fork_in_child); }

int ccrypto_random(uint8_t *out, size_t len) {
    if (len == 0) return 1;
    if (len > INT_MAX) return 0;
    if (len > CCRYPTO_POOL_MAX_REQUEST) return RAND_bytes(out, (int)len) == 1;
    pthread_once(&fork_hook_once, ccrypto_install_fork_hook);
    unsigned long generation = __atomic_load_n(&fork_generation, __ATOMIC_SEQ_CST);
    if (random_pool_generation != generation || random_pool_left < len) {
        OPENSSL_cleanse(random_pool, sizeof random_pool);
        random_pool_left = 0;
        if (RAND_bytes(random_pool, CCRYPTO_POOL_BYTES) != 1) return 0;
        random_pool_left = CCRYPTO_POOL_BYTES;
        random_pool_generation = generation;
    }
    uint8_t *src = random_pool + (CCRYPTO_POOL_BYTES - random_pool_left);
    memcpy(out, src, len);
    OPENSSL_cleanse(src, len);
    random_pool_left -= len;
    return 1;
}

int ccrypto_memeq(const uint8_t *a, const uint8_t *b, size_t len) {
    if (len == 0) return 1;
    return CRYPTO_memcmp(a, b, len) == 0;
}

// GCM processes at most INT_MAX bytes per EVP call; the sealer caps sizes far below that.
// EVP_aes_256_gcm() makes every EVP_*Init_ex fetch the implementation from the
// provider store again (OpenSSL 3); fetched once, it is only referenced.
static EVP_CIPHER *aes256gcm_fetched = NULL;
static pthread_once_t aes256gcm_once = PTHREAD_ONCE_INIT;
static void ccrypto_fetch_aes256gcm(void) { aes256gcm_fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL); }
static const EVP_CIPHER *ccrypto_aes256gcm(void) {
    pthread_once(&aes256gcm_once, ccrypto_fetch_aes256gcm);
    return aes256gcm_fetched ? aes256gcm_fetched : EVP_aes_256_gcm();
}

int ccrypto_aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12],
                           const uint8_t *aad, size_t aad_len,
                           const uint8_t *plaintext, size_t len,
                           uint8_t *out, uint8_t tag[16]) {
    if (aad_len > INT_MAX || len > INT_MAX) return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return 0;
    int ok = 0, n = 0;
    uint8_t scratch[16];
    if (EVP_EncryptInit_ex(ctx, ccrypto_aes256gcm(), NULL, NULL, NULL) != 1) goto done;
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
    if (EVP_DecryptInit_ex(ctx, ccrypto_aes256gcm(), NULL, NULL, NULL) != 1) goto done;
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
