// The strict base64 decoder behind Base64Input (Swift keeps the rules' documentation
// and the error descriptions). In C because it runs over every ~8 KB SAMLAssertion
// parameter and the Swift loop cost twice as much per character.
#include "CXMLSec.h"
#include <immintrin.h>

static signed char cxs_b64_table[256];
// The same values pre-shifted into each of a quad's four positions, so a whole quad
// is three ORs; anything outside the alphabet sets bit 24 in all four.
static unsigned int cxs_b64_quad[4][256];
static int cxs_b64_ready = 0;
static int cxs_b64_simd = 0;   // SSSE3 and SSE4.1 present (set with the tables)

#define CXS_B64_NOT_ALPHABET 0x01000000u

static void cxs_b64_prepare(void) {
    // Idempotent: threads racing here write identical bytes.
    if (__atomic_load_n(&cxs_b64_ready, __ATOMIC_ACQUIRE)) return;
    for (int i = 0; i < 256; i++) {
        cxs_b64_table[i] = -1;
        for (int k = 0; k < 4; k++) cxs_b64_quad[k][i] = CXS_B64_NOT_ALPHABET;
    }
    cxs_b64_simd = __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; i++) {
        unsigned char c = (unsigned char)alphabet[i];
        cxs_b64_table[c] = (signed char)i;
        cxs_b64_quad[0][c] = (unsigned int)i << 18;
        cxs_b64_quad[1][c] = (unsigned int)i << 12;
        cxs_b64_quad[2][c] = (unsigned int)i << 6;
        cxs_b64_quad[3][c] = (unsigned int)i;
    }
    __atomic_store_n(&cxs_b64_ready, 1, __ATOMIC_RELEASE);
}

// 16 characters -> 12 bytes with SSSE3/SSE4.1 when all 16 are in the alphabet
// (Muła and Lemire's nibble-lookup validation and multiply-add packing); 0 when any
// is not, and the caller decodes that stretch the scalar way. Writes 16 bytes to dst.
__attribute__((target("ssse3,sse4.1")))
static int cxs_b64_block16(const unsigned char *src, unsigned char *dst) {
    const __m128i lutLo = _mm_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                        0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    const __m128i lutHi = _mm_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
                                        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    const __m128i lutRoll = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m128i mask2F = _mm_set1_epi8(0x2F);
    __m128i in = _mm_loadu_si128((const __m128i *)src);
    __m128i hiNibbles = _mm_and_si128(_mm_srli_epi32(in, 4), mask2F);
    __m128i loNibbles = _mm_and_si128(in, mask2F);
    __m128i lo = _mm_shuffle_epi8(lutLo, loNibbles);
    __m128i hi = _mm_shuffle_epi8(lutHi, hiNibbles);
    if (!_mm_testz_si128(lo, hi)) return 0;
    __m128i eq2F = _mm_cmpeq_epi8(in, mask2F);
    __m128i roll = _mm_shuffle_epi8(lutRoll, _mm_add_epi8(eq2F, hiNibbles));
    __m128i values = _mm_add_epi8(in, roll);                                        // 6-bit values
    __m128i pairs = _mm_maddubs_epi16(values, _mm_set1_epi32(0x01400140));           // 12-bit pairs
    __m128i words = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));               // 24-bit groups
    __m128i bytes = _mm_shuffle_epi8(words, _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1));
    _mm_storeu_si128((__m128i *)dst, bytes);
    return 1;
}

cxs_b64_result cxs_base64_decode(const unsigned char *in, size_t count, int spaceIsPlus,
                                 unsigned char *out, size_t capacity, size_t *written, size_t *detail) {
    cxs_b64_prepare();
    const int simd = cxs_b64_simd;
    const signed char *t = cxs_b64_table;
    unsigned int quad = 0;
    int inQuad = 0, padding = 0;
    size_t significant = 0, n = 0, offset = 0;
    *written = 0;
    *detail = 0;
    while (offset < count) {
        // Fast path: whole quads of alphabet characters (almost all input).
        if (inQuad == 0 && padding == 0) {
            if (simd) {
                while (offset + 16 <= count && n + 16 <= capacity && cxs_b64_block16(in + offset, out + n)) {
                    n += 12;
                    offset += 16;
                    significant += 16;
                }
            }
            while (offset + 4 <= count && n + 3 <= capacity) {
                unsigned int v = cxs_b64_quad[0][in[offset]] | cxs_b64_quad[1][in[offset + 1]]
                               | cxs_b64_quad[2][in[offset + 2]] | cxs_b64_quad[3][in[offset + 3]];
                if (v & CXS_B64_NOT_ALPHABET) break;
                out[n] = (unsigned char)(v >> 16);
                out[n + 1] = (unsigned char)(v >> 8);
                out[n + 2] = (unsigned char)v;
                n += 3;
                offset += 4;
                significant += 4;
            }
            if (offset >= count) break;
        }
        unsigned char ch = in[offset++];
        if (ch == 0x0A || ch == 0x0D || ch == 0x09) continue;
        if (ch == 0x20) {
            if (spaceIsPlus) ch = 0x2B; else continue;
        }
        if (ch == 0x3D) {
            padding++;
            significant++;
            if (padding > 2) return CXS_B64_BAD_PADDING;
            continue;
        }
        if (padding > 0) return CXS_B64_BAD_PADDING;   // data after '='
        signed char v = t[ch];
        if (v < 0) { *detail = offset - 1; return CXS_B64_INVALID_CHARACTER; }
        quad = (quad << 6) | (unsigned int)v;
        inQuad++;
        significant++;
        if (inQuad == 4) {
            if (n + 3 > capacity) return CXS_B64_TOO_LARGE;
            out[n] = (unsigned char)(quad >> 16);
            out[n + 1] = (unsigned char)(quad >> 8);
            out[n + 2] = (unsigned char)quad;
            n += 3;
            quad = 0;
            inQuad = 0;
        }
    }
    if (significant % 4 != 0) { *detail = significant; return CXS_B64_BAD_LENGTH; }
    if (inQuad == 0 && padding == 0) {
        // complete
    } else if (inQuad == 2 && padding == 2) {
        if ((quad & 0xF) != 0) return CXS_B64_BAD_PADDING;
        if (n + 1 > capacity) return CXS_B64_TOO_LARGE;
        out[n++] = (unsigned char)(quad >> 4);
    } else if (inQuad == 3 && padding == 1) {
        if ((quad & 0x3) != 0) return CXS_B64_BAD_PADDING;
        if (n + 2 > capacity) return CXS_B64_TOO_LARGE;
        out[n] = (unsigned char)(quad >> 10);
        out[n + 1] = (unsigned char)(quad >> 2);
        n += 2;
    } else {
        return CXS_B64_BAD_PADDING;
    }
    *written = n;
    return CXS_B64_OK;
}
