/* lm_query.h: the query side of an n-gram model stored for lookups only (the "hash" layout of a .sfl file),
 * after KenLM's probing search.
 *
 * Layout. Unigrams: a dense (V, 2) float array, uni[2 w] = log10 p(w), uni[2 w + 1] = log10 backoff(w).
 * Each order n = 2..N: a linear-probing table of `buckets` entries; an entry is the 64-bit key of an n-gram
 * (0 = empty), its log10 p and, below the top order, its log10 backoff: 4 uint32 words (key, key, p, b) for
 * 2 <= n < N, 3 words (key, key, p) for n = N. The bucket of a key is (key * buckets) >> 64.
 * The key of w_1 .. w_n is built from the last word backwards, key(w_n), then one step per earlier word,
 * so a lookup of the next longer n-gram costs one mixing step (lm_qkey_*). Only keys are stored: two
 * n-grams of one order with the same key (probability ~ k^2 / 2^64) make the build fail.
 *
 * The words are an sf_strtab whose arrays live in the same file (slots, hashes, offsets, pool), read with
 * sf_strtab_find. Scoring uses ARPA back-off semantics on a model closed under prefixes and suffixes (every
 * prefix and suffix of a model n-gram is in the model; lmplz's and seqfast's estimates are, and the writer
 * closes other ARPA models first), so the longest match is found by extending one word at a time and
 * stopping at the first miss.
 *
 * Letters: N order, V vocabulary size, L lines, T tokens.
 */
#ifndef LM_QUERY_H
#define LM_QUERY_H

#include "sf_common.h"
#include "sf_strtab.h"

#define LM_QMAX_ORDER 16

/* Key of the one-word suffix w, then of one word more to the left (sf_mix64 is a bijection, so keys of one
 * order collide only by chance). */
static inline uint64_t lm_qkey_first(int32_t w) { return sf_mix64((uint64_t)(uint32_t)w + 0x9e3779b97f4a7c15ULL); }
static inline uint64_t lm_qkey_extend(uint64_t h, int32_t w) {
    return sf_mix64(h ^ (((uint64_t)(uint32_t)w + 1) * 0x9e3779b97f4a7c15ULL));
}
/* Stored form: never 0 (0 marks an empty bucket). */
static inline uint64_t lm_qkey_final(uint64_t h) { return h ? h : 1; }

typedef struct lm_qtable {
    const uint32_t *entries; /* (buckets, stride) */
    uint64_t buckets;
    int stride;              /* 4 (p and backoff) or 3 (top order: p only) */
} lm_qtable;

enum { LM_Q_BACKOFF = 0, LM_Q_ADDK = 1, LM_Q_STUPID = 2 }; /* same values as lm.h's LM_BACKOFF.. */
enum { LM_Q_HASH = 0, LM_Q_TRIE = 1 };

/* The trie layout (after KenLM's trie): the n-grams of order n sorted by their words read backwards
 * (w_n, w_{n-1}, .., w_1), so that the n-grams extending a suffix one word to the left are a contiguous run of
 * the next order, sorted by that word. Order n is a bit array of k + 1 records (the last a sentinel holding
 * only next), each [word wb bits][log10 p pb bits][log10 backoff bb bits][next nb bits], fields from the low
 * bits up, record r at bit r * rb; next = first record of order n + 1 extending this one (the run ends at the
 * next record's next); the top order has no backoff or next.
 * Floats are stored losslessly in fewer bits than 32: the 23 mantissa bits, the exponent as a code of peb
 * (beb) bits, 0 for a zero exponent (zero, subnormal) else exponent - pe0 + 1 (pe0: the order's smallest nonzero
 * exponent), and for backoffs the sign above it (a log10 p is <= 0: its sign is implied). So pb = 23 + peb,
 * bb = 24 + beb. Quantized orders instead hold bin indices into pq/bq.
 * Unigrams: dense by word id, with next pointers uni_next (V + 1,) into order 2. */
typedef struct lm_qtrie {
    const uint8_t *bits;   /* (nbytes,), at least 8 bytes past the last record */
    int64_t k;             /* records, sentinel excluded */
    int wb, pb, bb, nb, rb;
    int pe0, peb, be0, beb; /* exponent codes of unquantized floats */
    const float *pq, *bq;  /* (1 << pb,), (1 << bb,) bin centres when quantized, else NULL */
} lm_qtrie;

typedef struct lm_qmodel {
    int order;                      /* N */
    int mode;                       /* LM_Q_*: as lm_model.mode in lm.h */
    int layout;                     /* LM_Q_HASH or LM_Q_TRIE */
    float floor;                    /* as lm_model.floor */
    int32_t V, bos, eos, unk;
    const float *uni;               /* (V, 2) */
    lm_qtable tab[LM_QMAX_ORDER];   /* hash: tab[n - 1] for n = 2..N */
    const int64_t *uni_next;        /* trie: (V + 1,) */
    lm_qtrie trie[LM_QMAX_ORDER];   /* trie: trie[n - 1] for n = 2..N */
    sf_strtab words;                /* view of the file's arrays (not owned) */
} lm_qmodel;

/* What scoring the next word needs: the last words (most recent first) and the backoffs of the n-grams they
 * form. words[j] = w_{-j}; backoff[j] = log10 backoff of w_{-j} .. w_0; length = how many of them are a
 * matched n-gram (at most N - 1), as KenLM's lm::ngram::State. */
typedef struct lm_qstate {
    int32_t words[LM_QMAX_ORDER - 1];
    float backoff[LM_QMAX_ORDER - 1];
    uint8_t length;
} lm_qstate;

/* Fill a table. entries: (buckets, stride) out; grams: (k, n) ids; logp, bo: (k,) (bo unused when
 * stride == 3). SF_EVALUE if buckets <= k, stride is not 3 or 4, or two n-grams get the same key. */
int lm_qtable_build(uint32_t *entries, uint64_t buckets, int stride, const int32_t *grams, const float *logp,
                    const float *bo, int64_t k, int n);

/* Pack k records of nf fields into out (zeroed by the caller, (k * sum(widths) + 63) / 64 + 1 words): field f
 * of record r is vals[f][r], widths[f] bits (<= 57), fields from the low bits up. SF_EVALUE for a value that
 * does not fit its width. */
int lm_qpack(uint64_t *out, int64_t k, int nf, const int *widths, const uint64_t *const *vals);

/* Check the arrays a model points to: strtab slots hold ids < V each once with an empty slot left, offsets
 * increase inside the pool, special ids < V, tables have buckets > 0 where an order has entries.
 * SF_EFORMAT on the first violation. O(V + slots). */
int lm_qmodel_check(const lm_qmodel *m, size_t pool_len);

/* Id of the UTF-8 word s (len bytes), or -1 when absent. */
int32_t lm_qword(const lm_qmodel *m, const char *s, size_t len);

/* Begin-of-sentence (<s> as context) and empty states. */
void lm_qstate_begin(const lm_qmodel *m, lm_qstate *s);
void lm_qstate_null(lm_qstate *s);

/* log10 p(w | in) by back-off (LM_Q_BACKOFF); out: the state after w; *ngram_len: length of the matched
 * n-gram. An id outside [0, V) is scored as unk. out may not alias in. */
float lm_qscore(const lm_qmodel *m, const lm_qstate *in, int32_t w, lm_qstate *out, int *ngram_len);

/* Scoring of L lines of ids, the same contract as lm_score_forward (lm.h) in every mode. */
int lm_qscore_ids(float *out, int8_t *ngram_len, const int32_t *ids, const int64_t *offsets, int64_t L,
                  int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads);

/* Whole-sentence scoring of text. Line l is buf[offs[l] .. offs[l + 1]), split into words at ASCII whitespace
 * (' ', \t .. \r, as KenLM and seqfast's whitespace level), each word looked up in the model's words (absent:
 * unk, an OOV), scored from <s> (bos_ctx) through </s> (add_eos). Per line out: score (L,) sum of log10 p;
 * oov_score (L,) or NULL, the part of it from OOV words; ntok (L,) or NULL tokens scored (</s> included);
 * noov (L,) or NULL OOV words (absent ones and <unk> itself, as KenLM counts). Lines run on n_threads threads; results do not depend on the thread count. */
int lm_qscore_text(double *score, double *oov_score, int64_t *ntok, int64_t *noov, const char *buf,
                   const int64_t *offs, int64_t L, int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads);

/* A Python str as CPython stores it: n code points of `kind` bytes each (1, 2 or 4) at data; ascii: all below
 * 0x80 (its bytes are then its UTF-8). */
typedef struct lm_qstr {
    const void *data;
    int64_t n;
    int32_t kind, ascii;
} lm_qstr;

/* lm_qscore_text of L strs, line l = lines[l], each encoded to strict UTF-8 on the way by the thread scoring
 * it (ASCII lines are read in place): no serial pass over the text. *bad_line = the first line holding a
 * surrogate (which UTF-8 cannot encode; the results are then incomplete), else -1. SF_ENOMEM. */
int lm_qscore_strs(double *score, double *oov_score, int64_t *ntok, int64_t *noov, int64_t *bad_line,
                   const lm_qstr *lines, int64_t L, int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads);

/* Totals of scored text. */
typedef struct lm_qtotals {
    double log10_sum;      /* sum of log10 p of every token scored (</s> included) */
    double oov_log10_sum;  /* the part of it from OOV words */
    int64_t tokens, oovs, lines;
} lm_qtotals;

/* Whole-text scoring of buf (len bytes; '\n' ends a line, a last line without one counts, an empty tail does
 * not), with lm_qscore_text's rules, into totals only. The text is cut into fixed byte ranges that
 * n_threads threads take in turn (no serial pass over it); each range's lines are checked to be UTF-8 (strict:
 * *bad_utf8 = offset of the first invalid byte found, else -1; the totals then leave those ranges out). The
 * totals are summed range by range in text order: they do not depend on the thread count. */
int lm_qscore_buffer(lm_qtotals *tot, int64_t *bad_utf8, const char *buf, int64_t len, int bos_ctx, int add_eos,
                     const lm_qmodel *m, int n_threads);

/* Bring the pages of [p, p + n) (read-only memory, usually a mapped file) into this process's page tables
 * ahead of use, as a MAP_POPULATE mapping would have them: madvise(MADV_POPULATE_READ) on Linux 5.14+, else one
 * read per page. Scoring then takes no page faults. */
void lm_qpopulate(const void *p, size_t n);

/* Say that [p, p + n) (usually a mapped file) will be read nearly whole: on Linux, madvise(MADV_HUGEPAGE), so that
 * the file's pages not yet in the page cache come in as 2 MiB folios, each mapped with one TLB entry, instead of the
 * 4 KiB pages that random faults bring in (a file held that way is scored ~1.5x slower, by this and every later
 * process, until it leaves the page cache). Pages already cached are not changed. Elsewhere: nothing. */
void lm_qadvise_whole(const void *p, size_t n);

#endif
