/* sf_strtab.c: string interning table (see sf_strtab.h).
 * Input: byte strings. Output: dense int32 ids, first-insertion order. */
#include "sf_strtab.h"

#include <stdlib.h>
#include <string.h>

uint64_t sf_hash_bytes(const char *s, size_t len) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = sf_mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, s + i, len - i);
        h = sf_mix64(h ^ w ^ ((uint64_t)(len - i) << 56));
    }
    return sf_mix64(h);
}

sf_strtab *sf_strtab_new(size_t expected) {
    sf_strtab *t = (sf_strtab *)calloc(1, sizeof(*t));
    if (!t) return NULL;
    size_t cap = 64;
    while (cap < expected * 2) cap <<= 1;
    t->cap = cap;
    t->slots = (int32_t *)malloc(cap * sizeof(int32_t));
    t->ids_cap = 32;
    t->hashes = (uint64_t *)malloc((size_t)t->ids_cap * sizeof(uint64_t));
    t->offsets = (int64_t *)malloc(((size_t)t->ids_cap + 1) * sizeof(int64_t));
    t->pool_cap = 256;
    t->pool = (char *)malloc(t->pool_cap);
    if (!t->slots || !t->hashes || !t->offsets || !t->pool) {
        sf_strtab_free(t);
        return NULL;
    }
    memset(t->slots, 0xff, cap * sizeof(int32_t));
    t->offsets[0] = 0;
    return t;
}

void sf_strtab_free(sf_strtab *t) {
    if (!t) return;
    free(t->slots);
    free(t->hashes);
    free(t->offsets);
    free(t->pool);
    free(t);
}

int32_t sf_strtab_find_h(const sf_strtab *t, const char *s, size_t len, uint64_t h) {
    size_t mask = t->cap - 1;
    size_t i = (size_t)h & mask;
    for (;;) {
        int32_t id = t->slots[i];
        if (id < 0) return -1;
        if (!t->hashes || t->hashes[id] == h) {
            int64_t a = t->offsets[id], b = t->offsets[id + 1];
            if ((size_t)(b - a) == len && memcmp(t->pool + a, s, len) == 0) return id;
        }
        i = (i + 1) & mask;
    }
}

int32_t sf_strtab_find(const sf_strtab *t, const char *s, size_t len) {
    return sf_strtab_find_h(t, s, len, sf_hash_bytes(s, len));
}

/* The hash of id's bytes: stored, or recomputed from the pool when the table keeps none. */
static inline uint64_t hash_of(const sf_strtab *t, int32_t id) {
    if (t->hashes) return t->hashes[id];
    return sf_hash_bytes(t->pool + t->offsets[id], (size_t)(t->offsets[id + 1] - t->offsets[id]));
}

/* Slots of cap entries (a power of two) holding every id, placed by its hash; SF_ENOMEM (table unchanged). */
static int rebuild_slots(sf_strtab *t, size_t cap) {
    int32_t *slots = (int32_t *)malloc(cap * sizeof(int32_t));
    if (!slots) return SF_ENOMEM;
    memset(slots, 0xff, cap * sizeof(int32_t));
    size_t mask = cap - 1;
    for (int32_t id = 0; id < t->n; id++) {
        size_t i = (size_t)hash_of(t, id) & mask;
        while (slots[i] >= 0) i = (i + 1) & mask;
        slots[i] = id;
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return SF_OK;
}

static int grow_slots(sf_strtab *t) { return rebuild_slots(t, t->cap * 2); }

int32_t sf_strtab_intern(sf_strtab *t, const char *s, size_t len) {
    uint64_t h = sf_hash_bytes(s, len);
    int32_t found = sf_strtab_find_h(t, s, len, h);
    if (found >= 0) return found;
    if (t->n == INT32_MAX) return SF_EOVERFLOW;
    /* keep the load factor at most 1/2 */
    if ((size_t)(t->n + 1) * 2 > t->cap && grow_slots(t) != SF_OK) return SF_ENOMEM;
    if (t->n + 1 >= t->ids_cap) {
        int64_t nc = (int64_t)t->ids_cap * 2;
        if (nc > INT32_MAX) nc = INT32_MAX;
        if (t->hashes) {
            uint64_t *hs = (uint64_t *)realloc(t->hashes, (size_t)nc * sizeof(uint64_t));
            if (!hs) return SF_ENOMEM;
            t->hashes = hs;
        }
        int64_t *of = (int64_t *)realloc(t->offsets, ((size_t)nc + 1) * sizeof(int64_t));
        if (!of) return SF_ENOMEM;
        t->offsets = of;
        t->ids_cap = (int32_t)nc;
    }
    if (t->pool_len + len > t->pool_cap) {
        size_t nc = t->pool_cap * 2;
        while (nc < t->pool_len + len) nc *= 2;
        char *p = (char *)realloc(t->pool, nc);
        if (!p) return SF_ENOMEM;
        t->pool = p;
        t->pool_cap = nc;
    }
    memcpy(t->pool + t->pool_len, s, len);
    t->pool_len += len;
    int32_t id = t->n++;
    if (t->hashes) t->hashes[id] = h;
    t->offsets[id + 1] = (int64_t)t->pool_len;
    size_t mask = t->cap - 1;
    size_t i = (size_t)h & mask;
    while (t->slots[i] >= 0) i = (i + 1) & mask;
    t->slots[i] = id;
    return id;
}

const char *sf_strtab_get(const sf_strtab *t, int32_t id, size_t *len) {
    if (id < 0 || id >= t->n) return NULL;
    *len = (size_t)(t->offsets[id + 1] - t->offsets[id]);
    return t->pool + t->offsets[id];
}

int sf_strtab_reserve(sf_strtab *t, int32_t n, size_t pool_bytes) {
    while ((size_t)n * 2 > t->cap)
        if (grow_slots(t) != SF_OK) return SF_ENOMEM;
    if (n >= t->ids_cap) {
        if (t->hashes) {
            uint64_t *hs = (uint64_t *)realloc(t->hashes, ((size_t)n + 1) * sizeof(uint64_t));
            if (!hs) return SF_ENOMEM;
            t->hashes = hs;
        }
        int64_t *of = (int64_t *)realloc(t->offsets, ((size_t)n + 2) * sizeof(int64_t));
        if (!of) return SF_ENOMEM;
        t->offsets = of;
        t->ids_cap = n + 1;
    }
    if (pool_bytes > t->pool_cap) {
        char *p = (char *)realloc(t->pool, pool_bytes);
        if (!p) return SF_ENOMEM;
        t->pool = p;
        t->pool_cap = pool_bytes;
    }
    return SF_OK;
}

void sf_strtab_shrink(sf_strtab *t) {
    /* ids_cap stays > n (intern grows when n + 1 reaches it); a failed realloc keeps the larger block, which
     * still holds ids_cap entries */
    int32_t ic = t->n + 1;
    if (ic < t->ids_cap) {
        int64_t *of = (int64_t *)realloc(t->offsets, ((size_t)ic + 1) * sizeof(int64_t));
        if (of) t->offsets = of;
        t->ids_cap = ic;
    }
    /* at most 3/4 full: a look-up probes ~2 slots on average at that load, fewer below it */
    size_t cap = 64;
    while (cap * 3 < ((size_t)t->n + 1) * 4) cap <<= 1;
    if (cap < t->cap) rebuild_slots(t, cap); /* from the stored hashes; on failure the larger slots stay */
    free(t->hashes);
    t->hashes = NULL;
    size_t pc = t->pool_len ? t->pool_len : 1;
    if (pc < t->pool_cap) {
        char *p = (char *)realloc(t->pool, pc);
        if (p) {
            t->pool = p;
            t->pool_cap = pc;
        }
    }
}

size_t sf_strtab_bytes(const sf_strtab *t) {
    return t->cap * sizeof(int32_t) + (size_t)t->ids_cap * ((t->hashes ? sizeof(uint64_t) : 0) + sizeof(int64_t)) +
           t->pool_cap;
}

int sf_strtab_permute(sf_strtab *t, const int32_t *perm) {
    int32_t n = t->n;
    int32_t same = 0;
    while (same < n && perm[same] == same) same++;
    if (same == n) return SF_OK; /* the identity: nothing moves */
    int32_t *inv = (int32_t *)malloc(((size_t)n + 1) * sizeof(int32_t));
    if (!inv) return SF_ENOMEM;
    for (int32_t i = 0; i < n; i++) inv[i] = -1;
    for (int32_t i = 0; i < n; i++) {
        int32_t o = perm[i];
        if (o < 0 || o >= n || inv[o] >= 0) {
            free(inv);
            return SF_EVALUE;
        }
        inv[o] = i;
    }
    uint64_t *hs = t->hashes ? (uint64_t *)malloc(((size_t)n + 1) * sizeof(uint64_t)) : NULL;
    int64_t *of = (int64_t *)malloc(((size_t)n + 2) * sizeof(int64_t));
    char *pool = (char *)malloc(t->pool_len ? t->pool_len : 1);
    if ((t->hashes && !hs) || !of || !pool) {
        free(inv);
        free(hs);
        free(of);
        free(pool);
        return SF_ENOMEM;
    }
    of[0] = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t o = perm[i];
        int64_t a = t->offsets[o], len = t->offsets[o + 1] - a;
        memcpy(pool + of[i], t->pool + a, (size_t)len);
        of[i + 1] = of[i] + len;
        if (hs) hs[i] = t->hashes[o];
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] >= 0) t->slots[i] = inv[t->slots[i]];
    free(inv);
    free(t->hashes);
    free(t->offsets);
    free(t->pool);
    t->hashes = hs;
    t->offsets = of;
    t->pool = pool;
    t->ids_cap = n + 1;
    t->pool_cap = t->pool_len ? t->pool_len : 1;
    return SF_OK;
}

int64_t sf_strtab_lookup_pool(int32_t *out, const sf_strtab *t, const char *pool, const int64_t *offsets,
                              int64_t n, int32_t unk) {
    for (int64_t i = 0; i < n; i++) {
        int32_t id = sf_strtab_find(t, pool + offsets[i], (size_t)(offsets[i + 1] - offsets[i]));
        if (id < 0) {
            if (unk < 0) return i;
            id = unk;
        }
        out[i] = id;
    }
    return -1;
}
