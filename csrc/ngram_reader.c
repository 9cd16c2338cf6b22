/* ngram_reader.c: streaming tokenizer and interner (see ngram_reader.h).
 * Input: UTF-8 bytes in chunks, or tokens. Output: int32 ids with -1 line breaks and optional <s> </s>. */
#include "ngram_reader.h"
#include "sf_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SEQFAST_HAVE_ZLIB
#include <zlib.h>
#endif

static const char FFFD[3] = {(char)0xEF, (char)0xBF, (char)0xBD};

static inline int is_ws(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

sf_ngreader *sf_ngreader_new(const char *const *specials, const size_t *lens, int n_specials, int lines, int pad,
                             int32_t bos_id, int32_t eos_id) {
    sf_ngreader *r = (sf_ngreader *)calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->tab = sf_strtab_new(1 << 16);
    r->cap_ids = 1 << 16;
    r->ids = (int32_t *)malloc((size_t)r->cap_ids * sizeof(int32_t));
    r->tok_cap = 256;
    r->tok = (char *)malloc(r->tok_cap);
    r->scratch_cap = 256;
    r->scratch = (char *)malloc(r->scratch_cap);
    r->cache = (sf_tokcache *)calloc((size_t)1 << SF_TOKCACHE_BITS, sizeof(sf_tokcache));
    if (!r->tab || !r->ids || !r->tok || !r->scratch || !r->cache) {
        sf_ngreader_free(r);
        return NULL;
    }
    for (int i = 0; i < n_specials; i++)
        if (sf_strtab_intern(r->tab, specials[i], lens[i]) < 0) {
            sf_ngreader_free(r);
            return NULL;
        }
    r->lines = lines;
    r->pad = pad;
    r->bos = bos_id;
    r->eos = eos_id;
    for (int c = 0; c < 128; c++) r->ascii[c] = -1;
    r->bad_offset = -1;
    r->long_offset = -1;
    return r;
}

void sf_ngreader_free(sf_ngreader *r) {
    if (!r) return;
    sf_strtab_free(r->tab);
    free(r->ids);
    free(r->tok);
    free(r->scratch);
    free(r->cache);
    free(r);
}

/* Bytes the reader holds with nc ids of room: the id stream and the interning table. */
static int64_t reader_bytes(const sf_ngreader *r, int64_t nc) {
    return nc * 4 + (int64_t)sf_strtab_bytes(r->tab);
}

static int push(sf_ngreader *r, int32_t id) {
    if (r->n_ids == r->cap_ids) {
        int64_t nc = r->cap_ids ? r->cap_ids * 2 : (int64_t)1 << 16;
        if (r->max_bytes > 0 && reader_bytes(r, nc) > r->max_bytes) {
            r->need_bytes = reader_bytes(r, nc);
            return SF_ENOMEM;
        }
        int32_t *p = (int32_t *)realloc(r->ids, (size_t)nc * sizeof(int32_t));
        if (!p) return SF_ENOMEM;
        r->ids = p;
        r->cap_ids = nc;
    }
    r->ids[r->n_ids++] = id;
    return SF_OK;
}

static int emit(sf_ngreader *r, int32_t id) {
    if (id < 0) return id; /* an error code from interning */
    if (r->pad && r->in_line == 0 && push(r, r->bos) != SF_OK) return SF_ENOMEM;
    r->in_line++;
    return push(r, id);
}

int sf_ngreader_token(sf_ngreader *r, const char *s, size_t len) {
    if (len == 0 || len > 8 * SF_TOKCACHE_WORDS) return emit(r, sf_strtab_intern(r->tab, s, len));
    uint64_t w[SF_TOKCACHE_WORDS] = {0, 0, 0};
    for (size_t i = 0; i < len; i++) w[i >> 3] |= (uint64_t)(unsigned char)s[i] << (8 * (i & 7));
    uint64_t h = (w[0] ^ ((uint64_t)len << 59)) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ w[1] ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ w[2] ^ (h >> 32)) * 0x94d049bb133111ebULL;
    sf_tokcache *e = &r->cache[h >> (64 - SF_TOKCACHE_BITS)];
    if (e->len == (int32_t)len && e->w[0] == w[0] && e->w[1] == w[1] && e->w[2] == w[2]) return emit(r, e->id);
    int32_t id = sf_strtab_intern(r->tab, s, len);
    if (id < 0) return id;
    if (r->max_bytes > 0 && (id & 0xFFFF) == 0 && reader_bytes(r, r->cap_ids) > r->max_bytes) {
        r->need_bytes = reader_bytes(r, r->cap_ids);
        return SF_ENOMEM;
    }
    e->w[0] = w[0];
    e->w[1] = w[1];
    e->w[2] = w[2];
    e->id = id;
    e->len = (int32_t)len;
    return emit(r, id);
}

int sf_ngreader_end_line(sf_ngreader *r) {
    if (!r->lines || r->in_line == 0) return SF_OK;
    if (r->pad && push(r, r->eos) != SF_OK) return SF_ENOMEM;
    r->in_line = 0;
    return push(r, -1);
}

int sf_ngreader_finish(sf_ngreader *r) {
    if (r->lines || r->in_line == 0) return SF_OK;
    if (r->pad && push(r, r->eos) != SF_OK) return SF_ENOMEM;
    r->in_line = 0;
    return SF_OK;
}

static int scratch_reserve(sf_ngreader *r, size_t need) {
    if (need <= r->scratch_cap) return SF_OK;
    size_t nc = r->scratch_cap;
    while (nc < need) nc *= 2;
    char *p = (char *)realloc(r->scratch, nc);
    if (!p) return SF_ENOMEM;
    r->scratch = p;
    r->scratch_cap = nc;
    return SF_OK;
}

/* Handle a maximal invalid subpart at stream offset off: strict records it and fails. */
static int invalid(sf_ngreader *r, int64_t off, unsigned char byte, int errors) {
    if (errors == SF_UTF8_STRICT) {
        r->bad_offset = off;
        r->bad_byte = byte;
        return SF_EFORMAT;
    }
    return SF_OK;
}

/* A whitespace-level token: check its UTF-8, clean it per errors, intern and emit it. */
static int end_token(sf_ngreader *r, const char *s, size_t len, int64_t start, int errors) {
    if (len > SF_MAX_TOKEN_BYTES) {
        r->long_offset = start;
        return SF_EVALUE;
    }
    size_t i = 0;
    while (i < len && (unsigned char)s[i] < 0x80) i++;
    if (i < len) { /* non-ASCII: validate */
        size_t j = i;
        int clean = 1;
        while (j < len) {
            int q = sf_utf8_seq((const unsigned char *)s + j, len - j, 1);
            if (q < 0) { clean = 0; break; }
            j += (size_t)q;
        }
        if (!clean) {
            if (errors == SF_UTF8_STRICT) return invalid(r, start + (int64_t)j, (unsigned char)s[j], errors);
            if (scratch_reserve(r, len * 3) != SF_OK) return SF_ENOMEM; /* worst case: every byte -> U+FFFD */
            size_t o = 0;
            j = 0;
            while (j < len) {
                int q = sf_utf8_seq((const unsigned char *)s + j, len - j, 1);
                if (q > 0) {
                    memcpy(r->scratch + o, s + j, (size_t)q);
                    o += (size_t)q;
                    j += (size_t)q;
                } else {
                    if (errors == SF_UTF8_REPLACE) {
                        memcpy(r->scratch + o, FFFD, 3);
                        o += 3;
                    }
                    j += (size_t)(-q);
                }
            }
            if (o == 0) return SF_OK; /* nothing left of the token */
            return sf_ngreader_token(r, r->scratch, o);
        }
    }
    return sf_ngreader_token(r, s, len);
}

static int tok_append(sf_ngreader *r, const char *s, size_t n) {
    if (r->tok_len + n > SF_MAX_TOKEN_BYTES) {
        r->long_offset = r->tok_start;
        return SF_EVALUE;
    }
    if (r->tok_len + n > r->tok_cap) {
        size_t nc = r->tok_cap;
        while (nc < r->tok_len + n) nc *= 2;
        char *p = (char *)realloc(r->tok, nc);
        if (!p) return SF_ENOMEM;
        r->tok = p;
        r->tok_cap = nc;
    }
    memcpy(r->tok + r->tok_len, s, n);
    r->tok_len += n;
    return SF_OK;
}

static int feed_whitespace(sf_ngreader *r, const char *buf, size_t len, int errors) {
    const unsigned char *u = (const unsigned char *)buf;
    size_t i = 0;
    int rc;
    while (i < len) {
        if (is_ws(u[i])) {
            if (r->tok_len) {
                rc = end_token(r, r->tok, r->tok_len, r->tok_start, errors);
                r->tok_len = 0;
                if (rc != SF_OK) return rc;
            }
            if (u[i] == '\n' && (rc = sf_ngreader_end_line(r)) != SF_OK) return rc;
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && !is_ws(u[j])) j++;
        if (j == len) { /* the token may continue in the next chunk */
            if (!r->tok_len) r->tok_start = r->offset + (int64_t)i;
            if ((rc = tok_append(r, buf + i, j - i)) != SF_OK) return rc;
        } else if (r->tok_len) {
            if ((rc = tok_append(r, buf + i, j - i)) != SF_OK) return rc;
            rc = end_token(r, r->tok, r->tok_len, r->tok_start, errors);
            r->tok_len = 0;
            if (rc != SF_OK) return rc;
        } else if ((rc = end_token(r, buf + i, j - i, r->offset + (int64_t)i, errors)) != SF_OK) {
            return rc;
        }
        i = j;
    }
    return SF_OK;
}

static int char_token(sf_ngreader *r, const char *s, int n) {
    unsigned char c = (unsigned char)s[0];
    if (n == 1) {
        if (c == '\n' && r->lines) return sf_ngreader_end_line(r);
        if (r->ascii[c] < 0) {
            int32_t id = sf_strtab_intern(r->tab, s, 1);
            if (id < 0) return id;
            r->ascii[c] = id;
        }
        return emit(r, r->ascii[c]);
    }
    return sf_ngreader_token(r, s, (size_t)n);
}

static int bad_char(sf_ngreader *r, int64_t off, unsigned char byte, int errors) {
    int rc = invalid(r, off, byte, errors);
    if (rc != SF_OK) return rc;
    return errors == SF_UTF8_REPLACE ? sf_ngreader_token(r, FFFD, 3) : SF_OK;
}

static int feed_char(sf_ngreader *r, const char *buf, size_t len, int errors) {
    const unsigned char *u = (const unsigned char *)buf;
    size_t i = 0;
    int rc;
    while (i < len) {
        if (r->cp_len > 0) { /* complete a code point begun in an earlier chunk, one byte at a time */
            r->cp[r->cp_len++] = u[i++];
            int q = sf_utf8_seq(r->cp, (size_t)r->cp_len, 0);
            if (q == 0) continue;
            int n = r->cp_len;
            r->cp_len = 0;
            if (q > 0) {
                if ((rc = char_token(r, (const char *)r->cp, q)) != SF_OK) return rc;
            } else {
                if ((rc = bad_char(r, r->cp_start, r->cp[0], errors)) != SF_OK) return rc;
                if (-q < n) i--; /* the byte that broke the sequence starts afresh */
            }
            continue;
        }
        if (u[i] < 0x80) {
            if ((rc = char_token(r, buf + i, 1)) != SF_OK) return rc;
            i++;
            continue;
        }
        int q = sf_utf8_seq(u + i, len - i, 0);
        if (q > 0) {
            if ((rc = char_token(r, buf + i, q)) != SF_OK) return rc;
            i += (size_t)q;
        } else if (q < 0) {
            if ((rc = bad_char(r, r->offset + (int64_t)i, u[i], errors)) != SF_OK) return rc;
            i += (size_t)(-q);
        } else { /* incomplete at the end of the chunk */
            r->cp_len = (int)(len - i);
            memcpy(r->cp, u + i, len - i);
            r->cp_start = r->offset + (int64_t)i;
            i = len;
        }
    }
    return SF_OK;
}

/* ASCII classes of the word regex: 1 letter/digit, 2 whitespace (Python's \s: \t-\r, space, \x1c-\x1f),
 * 0 any other character (a token of its own, '_' included). */
static inline unsigned char word_class(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)) return 2;
    return 0;
}

static int word_token(sf_ngreader *r, const char *s, size_t n, int lower) {
    if (!lower) return sf_ngreader_token(r, s, n);
    if (scratch_reserve(r, n) != SF_OK) return SF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        r->scratch[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return sf_ngreader_token(r, r->scratch, n);
}

int sf_ngreader_feed_words(sf_ngreader *r, const char *buf, size_t len, int lower, size_t *stop, size_t *stop_end) {
    const unsigned char *u = (const unsigned char *)buf;
    size_t i = 0;
    int rc;
    while (i < len) {
        /* one line: [i, e) plus its '\n' */
        const unsigned char *nl = (const unsigned char *)memchr(u + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - u) : len, j;
        for (j = i; j < e && u[j] < 0x80; j++) {}
        if (j < e) {
            *stop = i;
            *stop_end = nl ? e + 1 : len;
            return SF_OK;
        }
        j = i;
        while (j < e) {
            unsigned char cl = word_class(u[j]);
            if (cl == 2) { j++; continue; }
            if (cl == 0) {
                if ((rc = word_token(r, buf + j, 1, lower)) != SF_OK) return rc;
                j++;
                continue;
            }
            size_t a = j;
            for (;;) {
                while (j < e && word_class(u[j]) == 1) j++;
                if (j + 1 < e && u[j] == '\'' && word_class(u[j + 1]) == 1) { j++; continue; }
                break;
            }
            if (j - a > SF_MAX_TOKEN_BYTES) {
                r->long_offset = (int64_t)a; /* relative to buf: the caller knows where buf starts */
                return SF_EVALUE;
            }
            if ((rc = word_token(r, buf + a, j - a, lower)) != SF_OK) return rc;
        }
        if (nl && (rc = sf_ngreader_end_line(r)) != SF_OK) return rc;
        i = nl ? e + 1 : len;
    }
    *stop = *stop_end = len;
    return SF_OK;
}

int sf_ngreader_feed(sf_ngreader *r, const char *buf, size_t len, int level, int errors) {
    int rc = level == SF_TOK_CHAR ? feed_char(r, buf, len, errors) : feed_whitespace(r, buf, len, errors);
    r->offset += (int64_t)len;
    return rc;
}

int sf_ngreader_flush(sf_ngreader *r, int level, int errors) {
    int rc = SF_OK;
    if (r->tok_len) {
        rc = end_token(r, r->tok, r->tok_len, r->tok_start, errors);
        r->tok_len = 0;
    }
    if (rc == SF_OK && r->cp_len) {
        r->cp_len = 0;
        rc = bad_char(r, r->cp_start, r->cp[0], errors);
    }
    if (rc == SF_OK) rc = sf_ngreader_end_line(r);
    r->offset = 0;
    return rc;
}

static int read_range(sf_ngreader *r, const char *path, int64_t start, int64_t end, int level, int errors) {
    if (end <= start) return SF_OK;
    FILE *fp = fopen(path, "rb");
    if (!fp) return SF_EIO;
    size_t cap = 1 << 22;
    char *buf = (char *)malloc(cap);
    int rc = SF_OK;
    if (!buf) rc = SF_ENOMEM;
    else if (fseeko(fp, (off_t)start, SEEK_SET) != 0) rc = SF_EIO;
    r->offset = start;
    int64_t left = end - start;
    while (rc == SF_OK && left > 0) {
        size_t want = (size_t)left < cap ? (size_t)left : cap;
        size_t got = fread(buf, 1, want, fp);
        if (got == 0) {
            rc = SF_EIO; /* the file shrank or cannot be read */
            break;
        }
        rc = sf_ngreader_feed(r, buf, got, level, errors);
        left -= (int64_t)got;
    }
    if (rc == SF_OK) rc = sf_ngreader_flush(r, level, errors);
    free(buf);
    fclose(fp);
    return rc;
}

int sf_ngreader_read_ranges(sf_ngreader **rs, int nr, const char *path, const int64_t *bounds, int level,
                            int errors, int nt, int *rcs) {
SF_OMP(parallel for num_threads(nt) schedule(static, 1))
    for (int i = 0; i < nr; i++) rcs[i] = read_range(rs[i], path, bounds[i], bounds[i + 1], level, errors);
    for (int i = 0; i < nr; i++)
        if (rcs[i] != SF_OK) return rcs[i];
    return SF_OK;
}

/* ----- files ---------------------------------------------------------------------------------------- */
struct sf_file {
#if SEQFAST_HAVE_ZLIB
    gzFile gz;
#else
    FILE *fp;
#endif
};

sf_file *sf_file_open(const char *path, int *err) {
    *err = SF_OK;
    sf_file *f = (sf_file *)calloc(1, sizeof(*f));
    if (!f) {
        *err = SF_ENOMEM;
        return NULL;
    }
#if SEQFAST_HAVE_ZLIB
    f->gz = gzopen(path, "rb"); /* reads gzip and plain files alike */
    if (!f->gz) {
        free(f);
        *err = SF_EIO;
        return NULL;
    }
    gzbuffer(f->gz, 1 << 17);
#else
    f->fp = fopen(path, "rb");
    if (!f->fp) {
        free(f);
        *err = SF_EIO;
        return NULL;
    }
#endif
    return f;
}

int64_t sf_file_read(sf_file *f, char *buf, size_t cap) {
#if SEQFAST_HAVE_ZLIB
    if (cap > (1u << 30)) cap = 1u << 30;
    int n = gzread(f->gz, buf, (unsigned)cap);
    int e = Z_OK;
    if (n <= 0) gzerror(f->gz, &e);
    if (n < 0) return e == Z_ERRNO ? SF_EIO : SF_EFORMAT;
    if (n == 0 && e == Z_BUF_ERROR) return SF_EFORMAT; /* the gzip stream ended before its end: truncated */
    return n;
#else
    size_t n = fread(buf, 1, cap, f->fp);
    if (n == 0 && ferror(f->fp)) return SF_EIO;
    return (int64_t)n;
#endif
}

void sf_file_close(sf_file *f) {
    if (!f) return;
#if SEQFAST_HAVE_ZLIB
    gzclose(f->gz);
#else
    fclose(f->fp);
#endif
    free(f);
}
