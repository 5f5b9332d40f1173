/*
 * SHA-256 with the x86 SHA extensions (part of the _sealcore module), used when the CPU
 * has them; otherwise the sealer uses OpenSSL. Two independent messages (a line and its
 * Merkle leaf) are hashed in lockstep: the SHA rounds are latency-bound, so the second
 * stream fills the gaps of the first. Tests hold the results equal to hashlib's.
 */
#include "_sealcore.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>

static const uint32_t SHA_K[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
static const uint32_t SHA_H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define NI __attribute__((target("sha,sse4.1,ssse3")))

typedef struct { __m128i s0, s1; } NiState; /* ABEF, CDGH */

NI static inline NiState ni_load(const uint32_t st[8]) {
    __m128i tmp = _mm_loadu_si128((const __m128i *)&st[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)&st[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);
    s1 = _mm_shuffle_epi32(s1, 0x1B);
    NiState r = {_mm_alignr_epi8(tmp, s1, 8), _mm_blend_epi16(s1, tmp, 0xF0)};
    return r;
}

NI static inline void ni_digest(NiState s, unsigned char out[32]) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_shuffle_epi32(s.s0, 0x1B);
    __m128i s1 = _mm_shuffle_epi32(s.s1, 0xB1);
    __m128i a = _mm_blend_epi16(tmp, s1, 0xF0);
    __m128i b = _mm_alignr_epi8(s1, tmp, 8);
    _mm_storeu_si128((__m128i *)out, _mm_shuffle_epi8(a, bswap));
    _mm_storeu_si128((__m128i *)(out + 16), _mm_shuffle_epi8(b, bswap));
}

#define ROUNDS(S, MSG)                                                   \
    do {                                                                 \
        (S).s1 = _mm_sha256rnds2_epu32((S).s1, (S).s0, (MSG));           \
        (S).s0 = _mm_sha256rnds2_epu32((S).s0, (S).s1, _mm_shuffle_epi32((MSG), 0x0E)); \
    } while (0)

NI static inline void ni_block(NiState *st, const unsigned char *p) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    NiState save = *st;
    __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), mask);
    __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), mask);
    __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), mask);
    __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), mask);
    for (int g = 0; g < 16; g++) {
        __m128i msg = _mm_add_epi32(m0, _mm_load_si128((const __m128i *)&SHA_K[4 * g]));
        ROUNDS(*st, msg);
        __m128i next = _mm_sha256msg2_epu32(
            _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4)), m3);
        m0 = m1; m1 = m2; m2 = m3; m3 = next;
    }
    st->s0 = _mm_add_epi32(st->s0, save.s0);
    st->s1 = _mm_add_epi32(st->s1, save.s1);
}

NI static inline void ni_block2(NiState *a, const unsigned char *pa, NiState *b, const unsigned char *pb) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    NiState sa = *a, sb = *b;
    __m128i a0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)pa), mask);
    __m128i a1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(pa + 16)), mask);
    __m128i a2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(pa + 32)), mask);
    __m128i a3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(pa + 48)), mask);
    __m128i b0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)pb), mask);
    __m128i b1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(pb + 16)), mask);
    __m128i b2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(pb + 32)), mask);
    __m128i b3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(pb + 48)), mask);
    for (int g = 0; g < 16; g++) {
        __m128i k = _mm_load_si128((const __m128i *)&SHA_K[4 * g]);
        __m128i ma = _mm_add_epi32(a0, k), mb = _mm_add_epi32(b0, k);
        ROUNDS(*a, ma);
        ROUNDS(*b, mb);
        __m128i na = _mm_sha256msg2_epu32(
            _mm_add_epi32(_mm_sha256msg1_epu32(a0, a1), _mm_alignr_epi8(a3, a2, 4)), a3);
        __m128i nb = _mm_sha256msg2_epu32(
            _mm_add_epi32(_mm_sha256msg1_epu32(b0, b1), _mm_alignr_epi8(b3, b2, 4)), b3);
        a0 = a1; a1 = a2; a2 = a3; a3 = na;
        b0 = b1; b1 = b2; b2 = b3; b3 = nb;
    }
    a->s0 = _mm_add_epi32(a->s0, sa.s0); a->s1 = _mm_add_epi32(a->s1, sa.s1);
    b->s0 = _mm_add_epi32(b->s0, sb.s0); b->s1 = _mm_add_epi32(b->s1, sb.s1);
}

/* A message as 64-byte blocks: full blocks in place, the padded tail copied; the first
   byte may be replaced (the leaf's 0x00 prefix sits where the line has its ':'). */
typedef struct {
    const unsigned char *data;
    size_t full, count;
    unsigned char head[64];
    unsigned char tail[128];
    int patched_head;
} Msg;

static void msg_init(Msg *m, const unsigned char *data, size_t len, int first) {
    size_t rest = len % 64;
    m->data = data;
    m->full = len / 64;
    m->count = m->full + (rest < 56 ? 1 : 2);
    memset(m->tail, 0, sizeof m->tail);
    memcpy(m->tail, data + len - rest, rest);
    m->tail[rest] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    size_t last = 64 * (m->count - m->full) - 1; /* the length ends the last tail block */
    for (size_t i = 0; i < 8; i++) m->tail[last - i] = (unsigned char)(bits >> (8 * i));
    m->patched_head = first >= 0 && m->full > 0;
    if (m->patched_head) {
        memcpy(m->head, data, 64);
        m->head[0] = (unsigned char)first;
    } else if (first >= 0) {
        m->tail[0] = (unsigned char)first; /* len >= 1: the first byte is in the tail */
    }
}

static const unsigned char *msg_block(const Msg *m, size_t i) {
    if (i == 0 && m->patched_head) return m->head;
    return i < m->full ? m->data + 64 * i : m->tail + 64 * (i - m->full);
}

int ek_shani_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1)) return 0;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1;
}

NI void ek_shani_sha256(const unsigned char *data, size_t len, unsigned char out[32]) {
    Msg m;
    msg_init(&m, data, len, -1);
    NiState s = ni_load(SHA_H0);
    for (size_t i = 0; i < m.count; i++) ni_block(&s, msg_block(&m, i));
    ni_digest(s, out);
}

NI void ek_shani_pair(const unsigned char *a, size_t alen, unsigned char out_a[32],
                      const unsigned char *b, size_t blen, int b_first, unsigned char out_b[32]) {
    Msg ma, mb;
    msg_init(&ma, a, alen, -1);
    msg_init(&mb, b, blen, b_first);
    NiState sa = ni_load(SHA_H0), sb = ni_load(SHA_H0);
    size_t both = ma.count < mb.count ? ma.count : mb.count, i;
    for (i = 0; i < both; i++) ni_block2(&sa, msg_block(&ma, i), &sb, msg_block(&mb, i));
    for (; i < ma.count; i++) ni_block(&sa, msg_block(&ma, i));
    for (; i < mb.count; i++) ni_block(&sb, msg_block(&mb, i));
    ni_digest(sa, out_a);
    ni_digest(sb, out_b);
}

#else /* no x86 SHA extensions to use: the sealer stays on OpenSSL */

int ek_shani_available(void) { return 0; }

void ek_shani_sha256(const unsigned char *data, size_t len, unsigned char out[32]) {
    (void)data; (void)len; memset(out, 0, 32);
}

void ek_shani_pair(const unsigned char *a, size_t alen, unsigned char out_a[32],
                   const unsigned char *b, size_t blen, int b_first, unsigned char out_b[32]) {
    (void)a; (void)alen; (void)b; (void)blen; (void)b_first;
    memset(out_a, 0, 32);
    memset(out_b, 0, 32);
}

#endif
