/* ngram_ingest.c: per-thread readers' ids -> the first-appearance ids of one table; id counts; renumbering
 * (see ngram_ingest.h). */
#include "ngram_ingest.h"

#include <stdlib.h>
#include <string.h>

/* ids[i] = map[ids[i]] (ids[i] >= 0; -1 stays), i < n, split over nt threads. An id outside [0, V) makes it
 * SF_EVALUE (that element is left as it was). */
static int map_ids(int32_t *ids, int64_t n, const int32_t *map, int32_t V, int nt) {
    int bad = 0;
SF_OMP(parallel num_threads(nt) reduction(| : bad))
    {
        int64_t lo, hi;
        sf_thread_rows64(n, sf_thread_id(), sf_team_size(), &lo, &hi);
        for (int64_t i = lo; i < hi; i++) {
            int32_t v = ids[i];
            if (v >= V) bad = 1;
            else if (v >= 0) ids[i] = map[v];
        }
    }
    return bad ? SF_EVALUE : SF_OK;
}

int sf_ngreader_merge(sf_ngreader **rs, int nr, int nt) {
    if (nr <= 0) return SF_OK;
    sf_strtab *tab = rs[0]->tab;
    for (int k = 1; k < nr; k++) {
        const sf_strtab *t = rs[k]->tab;
        int32_t *map = (int32_t *)malloc((size_t)(t->n > 0 ? t->n : 1) * sizeof(int32_t));
        if (!map) return SF_ENOMEM;
        /* first appearance: this part's tokens in their own first-appearance order, after every earlier part's */
        for (int32_t j = 0; j < t->n; j++) {
            size_t len;
            const char *s = sf_strtab_get(t, j, &len);
            int32_t id = sf_strtab_intern(tab, s, len);
            if (id < 0) {
                free(map);
                return id;
            }
            map[j] = id;
        }
        int rc = map_ids(rs[k]->ids, rs[k]->n_ids, map, t->n, nt);
        free(map);
        if (rc != SF_OK) return rc;
    }
    return SF_OK;
}

int sf_ids_count(int64_t *freq, const int32_t *ids, int64_t T, int32_t V, int nt) {
    memset(freq, 0, (size_t)V * sizeof(int64_t));
    /* one histogram per thread, added in thread order (integers: the sum is exact whatever the split) */
    if (nt > 1 && (int64_t)V * nt > ((int64_t)1 << 26)) nt = 1; /* keep the histograms under 512 MB */
    if (T < ((int64_t)1 << 16)) nt = 1;
    int64_t *h = NULL;
    if (nt > 1 && !(h = (int64_t *)calloc((size_t)V * (size_t)(nt - 1), sizeof(int64_t)))) return SF_ENOMEM;
    int bad = 0;
SF_OMP(parallel num_threads(nt) reduction(| : bad))
    {
        int tid = sf_thread_id(), team = sf_team_size();
        int64_t lo, hi;
        sf_thread_rows64(T, tid, team, &lo, &hi);
        int64_t *f = tid == 0 ? freq : h + (size_t)(tid - 1) * (size_t)V;
        for (int64_t i = lo; i < hi; i++) {
            int32_t v = ids[i];
            if (v >= V) bad = 1;
            else if (v >= 0) f[v]++;
        }
    }
    for (int k = 0; k < nt - 1; k++) {
        const int64_t *f = h + (size_t)k * (size_t)V;
        for (int32_t v = 0; v < V; v++) freq[v] += f[v];
    }
    free(h);
    return bad ? SF_EVALUE : SF_OK;
}

int sf_ids_remap(int32_t *ids, int64_t T, const int32_t *map, int32_t V, int nt) {
    if (T < ((int64_t)1 << 16)) nt = 1;
    return map_ids(ids, T, map, V, nt);
}
