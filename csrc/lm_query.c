/* lm_query.c: lookups in the hash layout (see lm_query.h).
 * Input: a model's unigram array, per-order key tables and word table (usually mapped from a file).
 * Output: log10 probabilities of words, lines of ids or lines of text, with KenLM's semantics. */
#include "lm_query.h"
#include "sf_utf8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LMQ_PREFETCH(p) __builtin_prefetch(p)
#else
#define LMQ_PREFETCH(p) ((void)0)
#endif

/* Bucket of a key: the high half of key * buckets (no division, any bucket count). */
static inline uint64_t bucket_of(uint64_t key, uint64_t buckets) {
#if defined(__SIZEOF_INT128__)
    return (uint64_t)(((unsigned __int128)key * buckets) >> 64);
#else
    return key % buckets;
#endif
}

static inline uint64_t entry_key(const uint32_t *e) {
    uint64_t k;
    memcpy(&k, e, 8);
    return k;
}

/* Entry of key in t, or NULL. At most `buckets` probes, so a damaged full table cannot loop forever. */
static inline const uint32_t *table_find(const lm_qtable *t, uint64_t key) {
    const uint64_t b = t->buckets;
    if (!b) return NULL;
    uint64_t i = bucket_of(key, b);
    const int stride = t->stride;
    const uint32_t *e = t->entries + i * (uint64_t)stride;
    for (uint64_t probes = 0; probes < b; probes++) {
        uint64_t k = entry_key(e);
        if (k == key) return e;
        if (k == 0) return NULL;
        if (++i == b) { i = 0; e = t->entries; }
        else e += stride;
    }
    return NULL;
}

static inline void table_prefetch(const lm_qtable *t, uint64_t key) {
    if (t->buckets) {
        const uint32_t *e = t->entries + bucket_of(key, t->buckets) * (uint64_t)t->stride;
        LMQ_PREFETCH(e);
        LMQ_PREFETCH((const char *)e + 48); /* a probe run often crosses into the next cache line */
    }
}

/* nbits (<= 57) bits of a bit array at bit position pos (one unaligned 8-byte load). */
static inline uint64_t read_bits(const uint8_t *bits, uint64_t pos, int nbits) {
    uint64_t v;
    memcpy(&v, bits + (pos >> 3), 8);
    return (v >> (pos & 7)) & ((1ULL << nbits) - 1);
}

int lm_qpack(uint64_t *out, int64_t k, int nf, const int *widths, const uint64_t *const *vals) {
    int rb = 0;
    for (int f = 0; f < nf; f++) {
        if (widths[f] < 0 || widths[f] > 57) return SF_EVALUE;
        rb += widths[f];
    }
    for (int64_t r = 0; r < k; r++) {
        uint64_t pos = (uint64_t)r * (uint64_t)rb;
        for (int f = 0; f < nf; f++) {
            const int w = widths[f];
            if (!w) continue;
            uint64_t v = vals[f][r];
            if (w < 64 && (v >> w)) return SF_EVALUE;
            uint64_t word = pos >> 6;
            int sh = (int)(pos & 63);
            out[word] |= v << sh;
            if (sh + w > 64) out[word + 1] |= v >> (64 - sh);
            pos += (uint64_t)w;
        }
    }
    return SF_OK;
}

static inline float bits_float(uint32_t b) {
    float f;
    memcpy(&f, &b, 4);
    return f;
}

/* Trie record of word w among records [lo, hi) of order n (sorted by word), or -1. */
static inline int64_t trie_find(const lm_qtrie *t, int64_t lo, int64_t hi, int32_t w) {
    if (lo < 0 || hi > t->k || lo >= hi) return -1; /* also keeps damaged pointers inside the array */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int64_t x = (int64_t)read_bits(t->bits, (uint64_t)mid * (uint64_t)t->rb, t->wb);
        if (x == w) return mid;
        if (x < w) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

/* A float from its mantissa, exponent code (eb bits, see lm_qtrie) and sign bit above them. */
static inline float unpack_float(uint64_t v, int e0, int eb, uint32_t sign) {
    uint32_t code = (uint32_t)(v >> 23) & ((1u << eb) - 1);
    uint32_t e = code ? (code - 1 + (uint32_t)e0) & 255u : 0;
    return bits_float((sign << 31) | (e << 23) | ((uint32_t)v & 0x7fffffu));
}

static inline float trie_prob(const lm_qtrie *t, uint64_t pos) {
    uint64_t v = read_bits(t->bits, pos + (uint64_t)t->wb, t->pb);
    return t->pq ? t->pq[v] : unpack_float(v, t->pe0, t->peb, 1u);
}

static inline float trie_backoff(const lm_qtrie *t, uint64_t pos) {
    uint64_t v = read_bits(t->bits, pos + (uint64_t)(t->wb + t->pb), t->bb);
    return t->bq ? t->bq[v] : unpack_float(v, t->be0, t->beb, (uint32_t)(v >> (23 + t->beb)) & 1u);
}

static inline int64_t trie_next(const lm_qtrie *t, int64_t r) {
    return (int64_t)read_bits(t->bits, (uint64_t)r * (uint64_t)t->rb + (uint64_t)(t->wb + t->pb + t->bb), t->nb);
}

static inline float entry_float(const uint32_t *e, int j) {
    float f;
    memcpy(&f, e + j, 4);
    return f;
}

int lm_qtable_build(uint32_t *entries, uint64_t buckets, int stride, const int32_t *grams, const float *logp,
                    const float *bo, int64_t k, int n) {
    if ((stride != 3 && stride != 4) || n < 2 || k < 0 || buckets <= (uint64_t)k) return SF_EVALUE;
    memset(entries, 0, buckets * (uint64_t)stride * sizeof(uint32_t));
    for (int64_t r = 0; r < k; r++) {
        const int32_t *g = grams + r * n;
        uint64_t h = lm_qkey_first(g[n - 1]);
        for (int j = n - 2; j >= 0; j--) h = lm_qkey_extend(h, g[j]);
        uint64_t key = lm_qkey_final(h);
        uint64_t i = bucket_of(key, buckets);
        for (;;) {
            uint32_t *e = entries + i * (uint64_t)stride;
            uint64_t o = entry_key(e);
            if (o == key) return SF_EVALUE; /* a repeated n-gram or a 64-bit key collision */
            if (o == 0) {
                memcpy(e, &key, 8);
                memcpy(e + 2, &logp[r], 4);
                if (stride == 4) memcpy(e + 3, &bo[r], 4);
                break;
            }
            if (++i == buckets) i = 0;
        }
    }
    return SF_OK;
}

int lm_qmodel_check(const lm_qmodel *m, size_t pool_len) {
    const int32_t V = m->V;
    if (m->order < 1 || m->order > LM_QMAX_ORDER || V < 1) return SF_EFORMAT;
    if (m->bos < 0 || m->bos >= V || m->eos < 0 || m->eos >= V || m->unk < 0 || m->unk >= V) return SF_EFORMAT;
    const sf_strtab *t = &m->words;
    if (t->n != V || t->cap < 2 || (t->cap & (t->cap - 1))) return SF_EFORMAT;
    size_t used = 0;
    for (size_t i = 0; i < t->cap; i++) {
        int32_t id = t->slots[i];
        if (id < -1 || id >= V) return SF_EFORMAT;
        used += id >= 0;
    }
    if (used != (size_t)V) return SF_EFORMAT; /* each id once, and the rest empty (probes stop there) */
    if (t->offsets[0] != 0 || (size_t)t->offsets[V] != pool_len) return SF_EFORMAT;
    for (int32_t i = 0; i < V; i++)
        if (t->offsets[i + 1] < t->offsets[i]) return SF_EFORMAT;
    if (m->layout == LM_Q_TRIE) {
        if (m->mode != LM_Q_BACKOFF || !m->uni_next) return SF_EFORMAT;
        for (int32_t i = 0; i < V; i++)
            if (m->uni_next[i] > m->uni_next[i + 1]) return SF_EFORMAT;
        for (int n = 2; n <= m->order; n++) {
            const lm_qtrie *t = &m->trie[n - 1];
            if (t->wb < 1 || t->wb > 32 || t->pb < 1 || t->pb > 32 || t->bb < 0 || t->bb > 32 || t->nb < 0 ||
                t->nb > 57 || t->rb != t->wb + t->pb + t->bb + t->nb || (n < m->order) != (t->bb > 0))
                return SF_EFORMAT;
            if (!t->pq && (t->peb < 1 || t->peb > 8 || t->pb != 23 + t->peb || t->pe0 < 0 || t->pe0 > 255))
                return SF_EFORMAT;
            if (t->bb && !t->bq && (t->beb < 1 || t->beb > 8 || t->bb != 24 + t->beb || t->be0 < 0 || t->be0 > 255))
                return SF_EFORMAT;
        }
        return SF_OK;
    }
    for (int n = 2; n <= m->order; n++)
        if (m->tab[n - 1].stride != (n < m->order ? 4 : 3)) return SF_EFORMAT;
    return SF_OK;
}

int32_t lm_qword(const lm_qmodel *m, const char *s, size_t len) {
    return sf_strtab_find(&m->words, s, len);
}

void lm_qstate_null(lm_qstate *s) { s->length = 0; }

void lm_qstate_begin(const lm_qmodel *m, lm_qstate *s) {
    if (m->order < 2) { s->length = 0; return; }
    s->words[0] = m->bos;
    s->backoff[0] = m->uni[2 * (int64_t)m->bos + 1];
    s->length = 1;
}

/* The two halves of lm_qscore. prep: the key of w with each usable context (keys[n], n = 2..return value + 1;
 * they depend on the words only) and a prefetch of each one's bucket, so the cache misses of the orders, and
 * of other lines scored in between, overlap instead of following one another. finish: the probes. */
static inline int qscore_prep(const lm_qmodel *m, const lm_qstate *in, int32_t w, uint64_t *keys) {
    const int N = m->order;
    const int inlen = in->length < N ? in->length : N - 1;
    if (m->layout == LM_Q_TRIE) {
        if (N > 1 && m->trie[1].k) /* the first record the search in order 2 may read */
            LMQ_PREFETCH(m->trie[1].bits + (((uint64_t)m->uni_next[w] * (uint64_t)m->trie[1].rb) >> 3));
        return inlen;
    }
    uint64_t h = lm_qkey_first(w);
    for (int n = 2; n <= inlen + 1; n++) {
        h = lm_qkey_extend(h, in->words[n - 2]);
        keys[n] = lm_qkey_final(h);
        table_prefetch(&m->tab[n - 1], keys[n]);
    }
    return inlen;
}

static inline float qscore_finish(const lm_qmodel *m, const lm_qstate *in, int32_t w, const uint64_t *keys,
                                  int inlen, lm_qstate *out, int *ngram_len) {
    const int N = m->order;
    float p = m->uni[2 * (int64_t)w];
    int len = 1;
    if (N > 1 && m->layout == LM_Q_TRIE) {
        out->words[0] = w;
        out->backoff[0] = m->uni[2 * (int64_t)w + 1];
        int64_t lo = m->uni_next[w], hi = m->uni_next[w + 1];
        for (int n = 2; n <= inlen + 1; n++) {
            const lm_qtrie *t = &m->trie[n - 1];
            int64_t r = trie_find(t, lo, hi, in->words[n - 2]);
            if (r < 0) break;
            uint64_t pos = (uint64_t)r * (uint64_t)t->rb;
            p = trie_prob(t, pos);
            len = n;
            if (n < N) {
                out->words[n - 1] = in->words[n - 2];
                out->backoff[n - 1] = trie_backoff(t, pos);
                lo = trie_next(t, r);
                hi = trie_next(t, r + 1);
            }
        }
        for (int j = len - 1; j < inlen; j++) p += in->backoff[j];
    } else if (N > 1) {
        out->words[0] = w;
        out->backoff[0] = m->uni[2 * (int64_t)w + 1];
        for (int n = 2; n <= inlen + 1; n++) {
            const uint32_t *e = table_find(&m->tab[n - 1], keys[n]);
            if (!e) break;
            p = entry_float(e, 2);
            len = n;
            if (n < N) {
                out->words[n - 1] = in->words[n - 2];
                out->backoff[n - 1] = entry_float(e, 3);
            }
        }
        /* contexts longer than the matched one's: their backoffs (closed model: they are the in state's) */
        for (int j = len - 1; j < inlen; j++) p += in->backoff[j];
    }
    out->length = (uint8_t)(len < N ? len : N - 1);
    *ngram_len = len;
    return p;
}

float lm_qscore(const lm_qmodel *m, const lm_qstate *in, int32_t w, lm_qstate *out, int *ngram_len) {
    if (w < 0 || w >= m->V) w = m->unk;
    uint64_t keys[LM_QMAX_ORDER + 1];
    int inlen = qscore_prep(m, in, w, keys);
    return qscore_finish(m, in, w, keys, inlen, out, ngram_len);
}

/* Longest match of w after hist (most recent first, hlen words) and the keys on the way; add-k and stupid
 * backoff. Returns the matched length, *p its log10 p. */
static int floor_mode_score(const lm_qmodel *m, const int32_t *hist, int hlen, int32_t w, float *out) {
    const int N = m->order;
    const int maxn = hlen + 1 < N ? hlen + 1 : N;
    float p = m->uni[2 * (int64_t)w];
    int len = 1;
    uint64_t h = lm_qkey_first(w);
    const uint32_t *full = NULL;
    for (int n = 2; n <= maxn; n++) {
        h = lm_qkey_extend(h, hist[n - 2]);
        const uint32_t *e = table_find(&m->tab[n - 1], lm_qkey_final(h));
        if (!e) break;
        p = entry_float(e, 2);
        len = n;
        if (n == maxn) full = e;
    }
    if (m->mode == LM_Q_STUPID) {
        *out = p + (float)(maxn - len) * m->floor; /* each step down multiplies by alpha */
        return len;
    }
    /* add-k: only the longest history counts */
    if (maxn < 2 || full) { *out = p; return len; }
    float b = m->floor;
    if (maxn == 2) {
        b = m->uni[2 * (int64_t)hist[0] + 1];
    } else {
        uint64_t c = lm_qkey_first(hist[0]);
        for (int j = 1; j < maxn - 1; j++) c = lm_qkey_extend(c, hist[j]);
        const uint32_t *e = table_find(&m->tab[maxn - 2], lm_qkey_final(c));
        if (e) b = entry_float(e, 3);
    }
    *out = b;
    return 0;
}

static void score_ids_line(float *out, int8_t *ngram_len, const int32_t *ids, int64_t T, int bos_ctx, int add_eos,
                           const lm_qmodel *m) {
    const int N = m->order;
    const int64_t steps = T + (add_eos ? 1 : 0);
    if (m->mode == LM_Q_BACKOFF) {
        lm_qstate st[2];
        if (bos_ctx) lm_qstate_begin(m, &st[0]);
        else lm_qstate_null(&st[0]);
        for (int64_t t = 0; t < steps; t++) {
            int32_t w = t < T ? ids[t] : m->eos;
            int len;
            out[t] = lm_qscore(m, &st[t & 1], w, &st[(t + 1) & 1], &len);
            if (ngram_len) ngram_len[t] = (int8_t)len;
        }
        return;
    }
    int32_t hist[LM_QMAX_ORDER];
    int hlen = 0;
    if (bos_ctx && N > 1) hist[hlen++] = m->bos;
    for (int64_t t = 0; t < steps; t++) {
        int32_t w = t < T ? ids[t] : m->eos;
        if (w < 0 || w >= m->V) w = m->unk;
        float p;
        int len = floor_mode_score(m, hist, hlen, w, &p);
        out[t] = p;
        if (ngram_len) ngram_len[t] = (int8_t)len;
        if (N > 1) {
            int keep = hlen < N - 1 ? hlen : N - 2;
            memmove(hist + 1, hist, (size_t)keep * sizeof(int32_t));
            hist[0] = w;
            hlen = keep + 1;
        }
    }
}

int lm_qscore_ids(float *out, int8_t *ngram_len, const int32_t *ids, const int64_t *offsets, int64_t L,
                  int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads) {
    if (m->order < 1 || m->order > LM_QMAX_ORDER || L < 0 || offsets[0] != 0) return SF_EVALUE;
    for (int64_t l = 0; l < L; l++)
        if (offsets[l + 1] < offsets[l]) return SF_EVALUE;
    const int eos1 = add_eos ? 1 : 0;
    int64_t l;
    SF_OMP(parallel for schedule(dynamic, 64) num_threads(n_threads) if (L > 64))
    for (l = 0; l < L; l++) {
        int64_t o = offsets[l] + l * eos1;
        score_ids_line(out + o, ngram_len ? ngram_len + o : NULL, ids + offsets[l], offsets[l + 1] - offsets[l],
                       bos_ctx, add_eos, m);
    }
    return SF_OK;
}

static inline int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

#define QWORDS 16  /* words split and looked up at once */

/* Split up to QWORDS words from *s (up to end) and look them up, in phases over all of them so that their
 * cache misses overlap: hash and prefetch the slots, prefetch each first candidate's hash and offsets, then
 * find. ids: (QWORDS,) out, unk for absent words. Returns the count; *s moves past them. */
static int lookup_words(const lm_qmodel *m, const unsigned char **sp, const unsigned char *end, int32_t *ids) {
    const sf_strtab *t = &m->words;
    const size_t mask = t->cap - 1;
    const unsigned char *s = *sp, *wp[QWORDS];
    size_t wl[QWORDS];
    uint64_t wh[QWORDS];
    int n = 0;
    while (n < QWORDS) {
        while (s < end && is_space(*s)) s++;
        if (s == end) break;
        wp[n] = s;
        while (s < end && !is_space(*s)) s++;
        wl[n] = (size_t)(s - wp[n]);
        wh[n] = sf_hash_bytes((const char *)wp[n], wl[n]);
        LMQ_PREFETCH(&t->slots[wh[n] & mask]);
        n++;
    }
    *sp = s;
    for (int i = 0; i < n; i++) {
        int32_t id = t->slots[wh[i] & mask];
        if (id >= 0 && id < t->n) {
            LMQ_PREFETCH(&t->hashes[id]);
            LMQ_PREFETCH(&t->offsets[id]);
        }
    }
    for (int i = 0; i < n; i++) {
        int32_t id = sf_strtab_find_h(t, (const char *)wp[i], wl[i], wh[i]);
        ids[i] = id < 0 ? m->unk : id;
        LMQ_PREFETCH(&m->uni[2 * (int64_t)ids[i]]);
    }
    return n;
}

/* One line being scored by lm_qscore_text: where its text is, its words looked up ahead, its state, the word
 * whose buckets were prefetched and its totals. */
typedef struct qlane {
    int64_t line;
    const unsigned char *s, *end;
    int32_t ids[QWORDS];
    int nids, pos;
    lm_qstate st[2];
    int cur, inlen, eos_done;
    int32_t w;
    int oov;
    uint64_t keys[LM_QMAX_ORDER + 1];
    double sum, sum_oov;
    int64_t nt, no;
} qlane;

/* Prefetch the buckets every word of a block of n ids may probe: the keys depend on the words only (the
 * words before the block are st's), so the misses of a whole sentence overlap, not only those of one word's
 * orders. Hash layout; speculative: a context longer than the match the state will have is never probed. */
static void prefetch_block(const lm_qmodel *m, const lm_qstate *st, const int32_t *ids, int n) {
    const int N = m->order;
    if (m->layout != LM_Q_HASH) return;
    for (int i = 0; i < n; i++) {
        uint64_t h = lm_qkey_first(ids[i]);
        for (int c = 1; c < N; c++) { /* context length c: the n-gram of order c + 1 */
            int32_t w;
            if (i - c >= 0) w = ids[i - c];
            else if (c - i - 1 < st->length) w = st->words[c - i - 1];
            else break;
            h = lm_qkey_extend(h, w);
            const lm_qtable *t = &m->tab[c];
            if (t->buckets) LMQ_PREFETCH(t->entries + bucket_of(lm_qkey_final(h), t->buckets) * (uint64_t)t->stride);
        }
    }
}

/* Next word of a lane's line (or its </s>), with its keys prefetched; 0 when the line is done. */
static int lane_next(const lm_qmodel *m, qlane *q, int add_eos) {
    if (q->pos == q->nids) {
        q->nids = lookup_words(m, &q->s, q->end, q->ids);
        q->pos = 0;
        prefetch_block(m, &q->st[q->cur], q->ids, q->nids);
    }
    if (q->pos < q->nids) {
        q->w = q->ids[q->pos++];
        q->oov = q->w == m->unk; /* as KenLM: the word <unk> itself counts as an OOV */
    } else {
        if (!add_eos || q->eos_done) return 0;
        q->eos_done = 1;
        q->w = m->eos;
        q->oov = 0;
    }
    q->inlen = qscore_prep(m, &q->st[q->cur], q->w, q->keys);
    return 1;
}

/* Where score_block takes its lines [next, last): by pointers (line l is ptrs[l - base], lens[l - base]
 * bytes), by offsets (line l is buf[offs[l] .. offs[l + 1])) or, when both are NULL, by cutting bytes
 * [next, last) of buf after each '\n' as it goes. */
typedef struct qsrc {
    const char *buf;
    const int64_t *offs;
    const char *const *ptrs;
    const int64_t *lens;
    int64_t base;
    int64_t next, last;
} qsrc;

/* The next line of src: its number (-1 without offsets) and bytes [*s, *e); 0 when there is none. */
static inline int src_next(qsrc *src, int64_t *line, const unsigned char **s, const unsigned char **e) {
    if (src->next >= src->last) return 0;
    const char *buf = src->buf;
    if (src->ptrs) {
        const int64_t j = src->next - src->base;
        *line = src->next;
        *s = (const unsigned char *)src->ptrs[j];
        *e = *s + src->lens[j];
        src->next++;
        return 1;
    }
    if (src->offs) {
        *line = src->next;
        *s = (const unsigned char *)buf + src->offs[src->next];
        *e = (const unsigned char *)buf + src->offs[src->next + 1];
        src->next++;
        return 1;
    }
    const char *p = buf + src->next;
    const char *nl = (const char *)memchr(p, '\n', (size_t)(src->last - src->next));
    int64_t end = nl ? (int64_t)(nl - buf) + 1 : src->last;
    *line = -1;
    *s = (const unsigned char *)p;
    *e = (const unsigned char *)buf + end;
    src->next = end;
    return 1;
}

static void lane_start(const lm_qmodel *m, qlane *q, int64_t l, const unsigned char *s, const unsigned char *e,
                       int bos_ctx) {
    q->line = l;
    q->s = s;
    q->end = e;
    q->cur = 0;
    q->eos_done = 0;
    q->nids = q->pos = 0;
    if (bos_ctx) lm_qstate_begin(m, &q->st[0]);
    else lm_qstate_null(&q->st[0]);
    q->sum = q->sum_oov = 0.0;
    q->nt = q->no = 0;
}

#define QLANES 12    /* lines interleaved by one thread */
#define QBLOCK 256   /* lines per scheduling unit */

/* A finished line: its results into the per-line arrays (when the lines have numbers) and the totals (when
 * given; added in the order lines finish, which depends on the text only). */
static inline void line_done(double *score, double *oov_score, int64_t *ntok, int64_t *noov, lm_qtotals *tot,
                             const qlane *q) {
    if (q->line >= 0) {
        score[q->line] = q->sum;
        if (oov_score) oov_score[q->line] = q->sum_oov;
        if (ntok) ntok[q->line] = q->nt;
        if (noov) noov[q->line] = q->no;
    }
    if (tot) {
        tot->log10_sum += q->sum;
        tot->oov_log10_sum += q->sum_oov;
        tot->tokens += q->nt;
        tot->oovs += q->no;
        tot->lines++;
    }
}

/* The lines of src by one thread, QLANES at a time: a lane's probes run a round after its prefetches, while
 * the other lanes work. Each line is still scored word after word alone. */
static void score_block(double *score, double *oov_score, int64_t *ntok, int64_t *noov, lm_qtotals *tot,
                        qsrc *src, int bos_ctx, int add_eos, const lm_qmodel *m) {
    qlane lanes[QLANES];
    int active = 0, more = 1;
    for (;;) {
        /* fill free lanes with the next lines (a line with nothing to score is done at once) */
        while (active < QLANES && more) {
            qlane *q = &lanes[active];
            int64_t l;
            const unsigned char *a, *b;
            if (!(more = src_next(src, &l, &a, &b))) break;
            lane_start(m, q, l, a, b, bos_ctx);
            if (lane_next(m, q, add_eos)) active++;
            else line_done(score, oov_score, ntok, noov, tot, q);
        }
        if (active == 0) break;
        for (int i = 0; i < active;) {
            qlane *q = &lanes[i];
            int len;
            float p = qscore_finish(m, &q->st[q->cur], q->w, q->keys, q->inlen, &q->st[q->cur ^ 1], &len);
            q->cur ^= 1;
            q->sum += p;
            q->nt++;
            if (q->oov) { q->no++; q->sum_oov += p; }
            if (lane_next(m, q, add_eos)) { i++; continue; }
            line_done(score, oov_score, ntok, noov, tot, q);
            lanes[i] = lanes[--active];
        }
    }
}

int lm_qscore_text(double *score, double *oov_score, int64_t *ntok, int64_t *noov, const char *buf,
                   const int64_t *offs, int64_t L, int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads) {
    if (m->mode != LM_Q_BACKOFF || L < 0) return SF_EVALUE;
    if (L <= QBLOCK || n_threads == 1) { /* no parallel region: a single sentence from Python stays cheap */
        qsrc src = {buf, offs, NULL, NULL, 0, 0, L};
        score_block(score, oov_score, ntok, noov, NULL, &src, bos_ctx, add_eos, m);
        return SF_OK;
    }
    const int64_t nblocks = (L + QBLOCK - 1) / QBLOCK;
    int64_t blk;
    SF_OMP(parallel for schedule(dynamic, 1) num_threads(n_threads))
    for (blk = 0; blk < nblocks; blk++) {
        qsrc src = {buf, offs, NULL, NULL, 0, blk * QBLOCK, blk * QBLOCK + QBLOCK < L ? blk * QBLOCK + QBLOCK : L};
        score_block(score, oov_score, ntok, noov, NULL, &src, bos_ctx, add_eos, m);
    }
    return SF_OK;
}

int lm_qscore_strs(double *score, double *oov_score, int64_t *ntok, int64_t *noov, int64_t *bad_line,
                   const lm_qstr *lines, int64_t L, int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads) {
    *bad_line = -1;
    if (m->mode != LM_Q_BACKOFF || L < 0) return SF_EVALUE;
    const int64_t nblocks = (L + QBLOCK - 1) / QBLOCK;
    int64_t bad = INT64_MAX;
    int oom = 0;
    SF_OMP(parallel num_threads(n_threads) if (nblocks > 1 && n_threads != 1) reduction(min : bad) reduction(| : oom))
    {
        char *buf = NULL; /* this thread's UTF-8 of the block's non-ASCII lines */
        size_t cap = 0;
        const char *ptrs[QBLOCK];
        int64_t lens[QBLOCK];
        int64_t blk;
        SF_OMP(for schedule(dynamic, 1))
        for (blk = 0; blk < nblocks; blk++) {
            const int64_t l0 = blk * QBLOCK, l1 = l0 + QBLOCK < L ? l0 + QBLOCK : L;
            size_t need = 0;
            int ok = !oom;
            for (int64_t l = l0; l < l1 && ok; l++) {
                const lm_qstr *x = &lines[l];
                lens[l - l0] = x->ascii ? x->n : sf_utf8_len_ucs(x->data, x->n, x->kind);
                if (lens[l - l0] < 0) {
                    if (l < bad) bad = l;
                    ok = 0;
                }
                if (!x->ascii) need += (size_t)lens[l - l0];
            }
            if (!ok) continue;
            if (need > cap) {
                size_t nc = need > 2 * cap ? need : 2 * cap;
                char *nb = (char *)realloc(buf, nc);
                if (!nb) { oom = 1; continue; }
                buf = nb;
                cap = nc;
            }
            size_t at = 0;
            for (int64_t l = l0; l < l1; l++) {
                const lm_qstr *x = &lines[l];
                if (x->ascii) {
                    ptrs[l - l0] = (const char *)x->data;
                } else {
                    sf_utf8_encode_ucs(buf + at, x->data, x->n, x->kind);
                    ptrs[l - l0] = buf + at;
                    at += (size_t)lens[l - l0];
                }
            }
            qsrc src = {NULL, NULL, ptrs, lens, l0, l0, l1};
            score_block(score, oov_score, ntok, noov, NULL, &src, bos_ctx, add_eos, m);
        }
        free(buf);
    }
    if (oom) return SF_ENOMEM;
    if (bad != INT64_MAX) *bad_line = bad;
    return SF_OK;
}

#define QCHUNK ((int64_t)1 << 17) /* bytes per scheduling unit of lm_qscore_buffer */

/* The first line start (0 or just after a '\n') in [p, limit) of buf (len bytes), or limit when there is none. */
static int64_t line_start_in(const char *buf, int64_t len, int64_t p, int64_t limit) {
    if (limit > len) limit = len;
    if (p <= 0) return 0;
    if (p >= limit) return limit;
    const char *nl = (const char *)memchr(buf + p - 1, '\n', (size_t)(limit - p + 1));
    return nl ? (int64_t)(nl - buf) + 1 : limit;
}

int lm_qscore_buffer(lm_qtotals *tot, int64_t *bad_utf8, const char *buf, int64_t len, int bos_ctx, int add_eos,
                     const lm_qmodel *m, int n_threads) {
    memset(tot, 0, sizeof(*tot));
    *bad_utf8 = -1;
    if (m->mode != LM_Q_BACKOFF || len < 0) return SF_EVALUE;
    const int64_t nch = (len + QCHUNK - 1) / QCHUNK;
    if (nch == 0) return SF_OK;
    lm_qtotals *part = (lm_qtotals *)calloc((size_t)nch, sizeof(lm_qtotals));
    int64_t *bad = (int64_t *)malloc((size_t)nch * sizeof(int64_t));
    if (!part || !bad) {
        free(part);
        free(bad);
        return SF_ENOMEM;
    }
    int64_t c;
    SF_OMP(parallel for schedule(dynamic, 1) num_threads(n_threads) if (nch > 1 && n_threads != 1))
    for (c = 0; c < nch; c++) {
        /* chunk c owns the lines that start in [c * QCHUNK, (c + 1) * QCHUNK); a line may run past it */
        const int64_t c1 = (c + 1) * QCHUNK;
        const int64_t a = line_start_in(buf, len, c * QCHUNK, c1);
        const int64_t b = a < c1 ? line_start_in(buf, len, c1, len) : a;
        bad[c] = -1;
        if (a >= b) continue;
        int64_t x = sf_utf8_check((const unsigned char *)buf + a, b - a);
        if (x >= 0) { bad[c] = a + x; continue; }
        qsrc src = {buf, NULL, NULL, NULL, 0, a, b};
        score_block(NULL, NULL, NULL, NULL, &part[c], &src, bos_ctx, add_eos, m);
    }
    for (c = 0; c < nch; c++) { /* chunk order: the same sums for any thread count */
        if (bad[c] >= 0 && *bad_utf8 < 0) *bad_utf8 = bad[c];
        tot->log10_sum += part[c].log10_sum;
        tot->oov_log10_sum += part[c].oov_log10_sum;
        tot->tokens += part[c].tokens;
        tot->oovs += part[c].oovs;
        tot->lines += part[c].lines;
    }
    free(part);
    free(bad);
    return SF_OK;
}

static size_t page_size(void) {
#if defined(__linux__)
    long ps = sysconf(_SC_PAGESIZE);
    if (ps > 0) return (size_t)ps;
#endif
    return 4096;
}

void lm_qadvise_whole(const void *p, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!n) return;
    uintptr_t a = (uintptr_t)p, a0 = a & ~(uintptr_t)(page_size() - 1);
    (void)madvise((void *)a0, n + (a - a0), MADV_HUGEPAGE); /* a hint: where it fails nothing changes */
#else
    (void)p;
    (void)n;
#endif
}

void lm_qpopulate(const void *p, size_t n) {
    if (!n) return;
    const size_t page = page_size();
#if defined(__linux__) && defined(MADV_POPULATE_READ)
    uintptr_t a = (uintptr_t)p, a0 = a & ~(uintptr_t)(page - 1);
    if (madvise((void *)a0, n + (a - a0), MADV_POPULATE_READ) == 0) return;
#endif
    /* older kernels, other systems: one read per page */
    const volatile unsigned char *b = (const volatile unsigned char *)p;
    unsigned char sink = 0;
    for (size_t i = 0; i < n; i += page) sink ^= b[i];
    sink ^= b[n - 1];
    (void)sink;
}
