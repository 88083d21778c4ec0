// The strict base64 decoder behind Base64Input (Swift keeps the rules' documentation
// and the error descriptions). In C because it runs over every ~8 KB SAMLAssertion
// parameter and the Swift loop cost twice as much per character.
#include "CXMLSec.h"

static signed char cxs_b64_table[256];
// The same values pre-shifted into each of a quad's four positions, so a whole quad
// is three ORs; anything outside the alphabet sets bit 24 in all four.
static unsigned int cxs_b64_quad[4][256];
static int cxs_b64_ready = 0;

#define CXS_B64_NOT_ALPHABET 0x01000000u

static void cxs_b64_prepare(void) {
    // Idempotent: threads racing here write identical bytes.
    if (__atomic_load_n(&cxs_b64_ready, __ATOMIC_ACQUIRE)) return;
    for (int i = 0; i < 256; i++) {
        cxs_b64_table[i] = -1;
        for (int k = 0; k < 4; k++) cxs_b64_quad[k][i] = CXS_B64_NOT_ALPHABET;
    }
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

cxs_b64_result cxs_base64_decode(const unsigned char *in, size_t count, int spaceIsPlus,
                                 unsigned char *out, size_t capacity, size_t *written, size_t *detail) {
    cxs_b64_prepare();
    const signed char *t = cxs_b64_table;
    unsigned int quad = 0;
    int inQuad = 0, padding = 0;
    size_t significant = 0, n = 0, offset = 0;
    *written = 0;
    *detail = 0;
    while (offset < count) {
        // Fast path: whole quads of alphabet characters (almost all input).
        if (inQuad == 0 && padding == 0) {
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
