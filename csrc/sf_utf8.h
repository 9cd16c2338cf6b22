/* sf_utf8.h: UTF-8 validation with the rules of Python's strict decoder (no overlong forms, no surrogates,
 * nothing above U+10FFFF), shared by the readers that take bytes straight from files; and strict UTF-8
 * encoding of a str's code points as CPython stores them, for code that reads strs without the GIL. */
#ifndef SF_UTF8_H
#define SF_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes available): > 0 valid; < 0: the first -q bytes are a
 * maximal invalid subpart (Python's decoder replaces them with one U+FFFD); 0: incomplete (only when !final). */
static inline int sf_utf8_seq(const unsigned char *s, size_t n, int final) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    int need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) { need = 2; lo = 0xA0; }
    else if (c == 0xED) { need = 2; hi = 0x9F; } /* no surrogates */
    else if (c >= 0xE1 && c <= 0xEF) need = 2;
    else if (c == 0xF0) { need = 3; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) { need = 3; hi = 0x8F; } /* <= U+10FFFF */
    else return -1;
    for (int i = 1; i <= need; i++) {
        if ((size_t)i >= n) return final ? -i : 0;
        unsigned d = s[i];
        if (i == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return -i;
    }
    return need + 1;
}

/* Offset of the first byte of s (n bytes, a complete text: a sequence cut by the end is invalid) where strict
 * decoding fails, or -1 when all of s is valid UTF-8. ASCII runs are checked 8 bytes at a time. */
static inline int64_t sf_utf8_check(const unsigned char *s, int64_t n) {
    int64_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (!(v & 0x8080808080808080ULL)) { i += 8; continue; }
        }
        int q = sf_utf8_seq(s + i, (size_t)(n - i), 1);
        if (q < 0) return i;
        i += q;
    }
    return -1;
}

/* UTF-8 of code points stored as CPython stores a str: n of them, `kind` bytes each (1, 2 or 4). */
static inline uint32_t sf_ucs_at(const void *data, int kind, int64_t i) {
    return kind == 1 ? ((const uint8_t *)data)[i] : kind == 2 ? ((const uint16_t *)data)[i] : ((const uint32_t *)data)[i];
}

/* Bytes of the UTF-8 encoding of the n code points, or -1 - i when code point i is a surrogate
 * (U+D800..U+DFFF: strict UTF-8 has no encoding for it). */
static inline int64_t sf_utf8_len_ucs(const void *data, int64_t n, int kind) {
    int64_t len = n;
    if (kind == 1) {
        const uint8_t *p = (const uint8_t *)data;
        for (int64_t i = 0; i < n; i++) len += p[i] >> 7;
        return len;
    }
    for (int64_t i = 0; i < n; i++) {
        uint32_t c = sf_ucs_at(data, kind, i);
        if (c < 0x80) continue;
        if ((c & 0xFFFFF800u) == 0xD800u) return -1 - i;
        len += c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
    }
    return len;
}

/* Encode the n code points (free of surrogates: sf_utf8_len_ucs >= 0) into out, sf_utf8_len_ucs bytes. */
static inline void sf_utf8_encode_ucs(char *out, const void *data, int64_t n, int kind) {
    unsigned char *o = (unsigned char *)out;
    for (int64_t i = 0; i < n; i++) {
        uint32_t c = sf_ucs_at(data, kind, i);
        if (c < 0x80) {
            *o++ = (unsigned char)c;
        } else if (c < 0x800) {
            *o++ = (unsigned char)(0xC0 | (c >> 6));
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *o++ = (unsigned char)(0xE0 | (c >> 12));
            *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        } else {
            *o++ = (unsigned char)(0xF0 | (c >> 18));
            *o++ = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
            *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        }
    }
}

#endif
