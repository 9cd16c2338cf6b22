/* ngram_reader.h: bytes -> tokens -> int32 ids, streaming, for the n-gram counter.
 *
 * Input: UTF-8 bytes fed in chunks of any size (a token or a UTF-8 sequence may straddle chunks), or tokens
 * fed one by one (the word level, tokenized by the caller). Output: ids (T,) int32 in first-appearance order
 * of an interning table whose first entries are the specials, with -1 after each line in "lines" mode and
 * <s> ... </s> around each line (or around the whole stream without lines) when padding. Lines without tokens
 * produce nothing.
 *
 * Tokenization: SF_TOK_WHITESPACE splits at ASCII whitespace (space \t \n \v \f \r); SF_TOK_CHAR makes every
 * code point a token ("\n" ends a line in lines mode, else it is a token).
 * Invalid UTF-8 (checked per token / code point, maximal invalid subparts as Python's decoder):
 * SF_UTF8_STRICT stops with SF_EFORMAT and records the byte offset; REPLACE substitutes U+FFFD; IGNORE drops.
 */
#ifndef NGRAM_READER_H
#define NGRAM_READER_H

#include "sf_common.h"
#include "sf_strtab.h"

enum { SF_TOK_WHITESPACE = 0, SF_TOK_CHAR = 1 };
enum { SF_UTF8_STRICT = 0, SF_UTF8_REPLACE = 1, SF_UTF8_IGNORE = 2 };

/* Direct-mapped cache of recent short tokens (bytes inline, zero-padded words): one cache line answers most
 * lookups with a multiply-shift hash and three word compares, where the interning table costs a stronger hash
 * and several dependent misses (slot, hash, offset, bytes). */
#define SF_TOKCACHE_BITS 14
/* Longest token accepted at the whitespace level (bytes): a longer one stops the reader with SF_EVALUE and its
 * start in long_offset, so that a file without whitespace cannot make the pending token grow without bound. */
#define SF_MAX_TOKEN_BYTES ((size_t)1 << 20)
#define SF_TOKCACHE_WORDS 3 /* tokens of up to 24 bytes are cached */
typedef struct sf_tokcache {
    uint64_t w[SF_TOKCACHE_WORDS];
    int32_t id;
    int32_t len; /* 0: empty */
} sf_tokcache;

typedef struct sf_ngreader {
    sf_strtab *tab;           /* token -> id; specials first */
    int32_t *ids;             /* (n_ids,) output stream */
    int64_t n_ids, cap_ids;
    int lines, pad;           /* -1 after each line; <s> ... </s> around each line (stream) */
    int32_t bos, eos;         /* ids of <s>, </s> when pad */
    int64_t in_line;          /* tokens emitted in the current line */
    char *tok;                /* pending token bytes (whitespace level) */
    size_t tok_len, tok_cap;
    int64_t tok_start;        /* stream offset of the pending token's first byte */
    unsigned char cp[4];      /* pending bytes of a code point (char level) */
    int cp_len, cp_need;
    int64_t cp_start;
    int32_t ascii[128];       /* char level: id of each ASCII char, -1 until interned */
    int64_t offset;           /* bytes consumed so far (across feeds of one source) */
    int64_t bad_offset;       /* strict mode: offset of the first invalid byte */
    int64_t long_offset;      /* offset of a token longer than SF_MAX_TOKEN_BYTES, else -1 */
    int64_t max_bytes;        /* memory budget of the ids and the table (0: none); growing past it fails */
    int64_t need_bytes;       /* what the refused growth would have needed (0 until then) */
    int bad_byte;
    sf_tokcache *cache;       /* (2^SF_TOKCACHE_BITS,) */
    char *scratch;            /* cleaned token bytes (replace / ignore) */
    size_t scratch_cap;
} sf_ngreader;

/* A reader with these specials interned first (ids 0..n_specials-1); pad uses specials bos_id, eos_id.
 * NULL when out of memory. */
sf_ngreader *sf_ngreader_new(const char *const *specials, const size_t *lens, int n_specials, int lines, int pad,
                             int32_t bos_id, int32_t eos_id);
void sf_ngreader_free(sf_ngreader *r);

/* Tokenize len bytes (level SF_TOK_*, errors SF_UTF8_*). SF_EFORMAT (strict, see bad_offset), SF_ENOMEM. */
int sf_ngreader_feed(sf_ngreader *r, const char *buf, size_t len, int level, int errors);
/* Word level, ASCII fast path: tokenize whole lines of buf like seqfast.tokenize's regex
 * ([^\W_]+(?:'[^\W_]+)*|[^\w\s]|_ restricted to ASCII: runs of letters/digits with inner apostrophes, every
 * other non-space character a token), lower-casing ASCII letters when lower. Stops at the first line holding
 * a byte >= 0x80 (Unicode classes are the caller's job: it tokenizes that line and calls again): *stop is
 * that line's start, *stop_end its end (after its '\n', or len); *stop == len when every line was done.
 * buf must end at a line break or at whitespace. SF_ENOMEM, SF_EOVERFLOW; SF_EVALUE for a token longer than
 * SF_MAX_TOKEN_BYTES, with its offset in buf in long_offset. */
int sf_ngreader_feed_words(sf_ngreader *r, const char *buf, size_t len, int lower, size_t *stop, size_t *stop_end);
/* End of a source: flush the pending token / code point and end the current line. */
int sf_ngreader_flush(sf_ngreader *r, int level, int errors);
/* One already-tokenized token (valid UTF-8). SF_ENOMEM, SF_EOVERFLOW. */
int sf_ngreader_token(sf_ngreader *r, const char *s, size_t len);
/* End the current line (in lines mode: </s> when padding, then -1). */
int sf_ngreader_end_line(sf_ngreader *r);
/* End of all input: closes the padded stream in non-lines mode. */
int sf_ngreader_finish(sf_ngreader *r);

/* Tokenize bytes [bounds[i], bounds[i+1]) of a plain (uncompressed) file with reader rs[i], i < nr, in
 * parallel (OpenMP, nt threads), each range flushed at its end (ranges should end at line breaks). Error
 * offsets are absolute. rcs[i] gets each range's status; returns the first failing one's, else SF_OK. */
int sf_ngreader_read_ranges(sf_ngreader **rs, int nr, const char *path, const int64_t *bounds, int level,
                            int errors, int nt, int *rcs);

/* Files: plain or gzip (when built with zlib; SEQFAST_HAVE_ZLIB), read in chunks. */
typedef struct sf_file sf_file;
/* NULL with *err = SF_EIO when the file cannot be opened. */
sf_file *sf_file_open(const char *path, int *err);
/* Bytes read into buf (0 at the end), or SF_EIO / SF_EFORMAT (corrupt gzip). */
int64_t sf_file_read(sf_file *f, char *buf, size_t cap);
void sf_file_close(sf_file *f);

#endif
