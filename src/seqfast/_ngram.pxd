# Contract with csrc/ngram_reader.h, ngram_ingest.h, ngram_count.h, ngram_merge.h: declarations only.
from libc.stdint cimport int32_t, int64_t, uint64_t

cdef extern from "ngram_reader.h" nogil:
    enum: SF_TOK_WHITESPACE, SF_TOK_CHAR
    enum: SF_UTF8_STRICT, SF_UTF8_REPLACE, SF_UTF8_IGNORE
    size_t SF_MAX_TOKEN_BYTES
    ctypedef struct sf_strtab:
        int32_t n
    ctypedef struct sf_ngreader:
        sf_strtab *tab
        int32_t *ids
        int64_t n_ids, cap_ids
        int64_t bad_offset
        int64_t long_offset
        int64_t max_bytes
        int64_t need_bytes
        int bad_byte
    sf_ngreader *sf_ngreader_new(const char *const *specials, const size_t *lens, int n_specials, int lines,
                                 int pad, int32_t bos_id, int32_t eos_id)
    void sf_ngreader_free(sf_ngreader *r)
    int sf_ngreader_feed(sf_ngreader *r, const char *buf, size_t len, int level, int errors)
    int sf_ngreader_feed_words(sf_ngreader *r, const char *buf, size_t len, int lower, size_t *stop,
                               size_t *stop_end)
    int sf_ngreader_flush(sf_ngreader *r, int level, int errors)
    int sf_ngreader_token(sf_ngreader *r, const char *s, size_t len)
    int sf_ngreader_end_line(sf_ngreader *r)
    int sf_ngreader_finish(sf_ngreader *r)
    int sf_ngreader_read_ranges(sf_ngreader **rs, int nr, const char *path, const int64_t *bounds, int level,
                                int errors, int nt, int *rcs)
    ctypedef struct sf_file:
        pass
    sf_file *sf_file_open(const char *path, int *err)
    int64_t sf_file_read(sf_file *f, char *buf, size_t cap)
    void sf_file_close(sf_file *f)
    const char *sf_strtab_get(const sf_strtab *t, int32_t id, size_t *len)

cdef extern from "ngram_ingest.h" nogil:
    int sf_ngreader_merge(sf_ngreader **rs, int nr, int nt)
    int sf_ids_count(int64_t *freq, const int32_t *ids, int64_t T, int32_t V, int nt)
    int sf_ids_remap(int32_t *ids, int64_t T, const int32_t *map, int32_t V, int nt)

cdef extern from "ngram_count.h" nogil:
    enum: SF_NGRAM_MAX_ORDER
    ctypedef struct sf_ngcounter:
        int nt
        size_t table_bytes
        uint64_t *keys
        int64_t K
        int32_t V
    enum: SF_NGRAM_MIN_PER_THREAD
    int sf_ngram_count(sf_ngcounter **out, const int32_t *ids, int64_t T, int32_t V, int N, int n_threads,
                       int64_t min_per_thread)
    int sf_ngram_count_sorted(sf_ngcounter **out, const int32_t *ids, int64_t T, int32_t V, int N, int n_threads,
                              int64_t min_per_thread)
    int sf_ngram_count_sorted_segs(sf_ngcounter **out, const int32_t *const *seg, const int64_t *len, int nseg,
                                   int32_t V, int N, int n_threads, int64_t min_per_thread)
    int64_t sf_ngram_unique(const sf_ngcounter *c, int n)
    int sf_ngram_export(const sf_ngcounter *c, int n, int32_t *grams, int64_t *counts)
    int sf_ngram_export_all(sf_ngcounter *c, int32_t *const *grams, int64_t *const *counts, int consume)
    int sf_ngram_top_sorted(const sf_ngcounter *c, int64_t k, int64_t min_count, const int64_t *rank,
                            int32_t *const *grams, int64_t *const *counts, int64_t *kout)
    void sf_ngram_free(sf_ngcounter *c)

cdef extern from "ngram_merge.h" nogil:
    int sf_ngram_combine(int32_t *out_grams, int64_t *out_counts, int64_t *k_out,
                         const int32_t *grams, const int64_t *counts, int64_t k, int n, int32_t V)
    int64_t sf_ngram_format_tsv(char *buf, size_t cap, size_t *used, const char *pool, const int64_t *offs,
                                int32_t V, const int32_t *grams, const int64_t *counts, int64_t k, int n,
                                const int64_t *rows, int64_t m, int64_t start)
    int sf_ngram_check_sorted(const int32_t *grams, const int64_t *counts, int64_t k, int n, int32_t V)

cdef extern from "ngram_runs.h" nogil:
    int sf_ngram_partition(int64_t *perm, int64_t *starts, const int32_t *grams, int64_t k, int n, int col, int P)
    int sf_ngram_scatter(int32_t *rows, uint64_t *vals, int64_t *starts, const int32_t *grams,
                         const uint64_t *src_vals, int64_t k, int n, int col, int P)
    int sf_ngram_merge_sources(int32_t *rows, uint64_t *vals, int64_t *kout, const int32_t *const *src_rows,
                               const uint64_t *const *src_vals, const int64_t *k_src, int n, int P, int add,
                               int bits)
    void sf_ngram_join_sorted(int64_t *pos, const int32_t *a, int64_t ka, const int32_t *b, int64_t kb, int n)
