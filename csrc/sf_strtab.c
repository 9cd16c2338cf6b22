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
    t->hashes32 = (uint32_t *)malloc((size_t)t->ids_cap * sizeof(uint32_t));
    t->offsets32 = (uint32_t *)malloc(((size_t)t->ids_cap + 1) * sizeof(uint32_t));
    t->pool_cap = 256;
    t->pool = (char *)malloc(t->pool_cap);
    if (!t->slots || !t->hashes32 || !t->offsets32 || !t->pool) {
        sf_strtab_free(t);
        return NULL;
    }
    memset(t->slots, 0xff, cap * sizeof(int32_t));
    t->offsets32[0] = 0;
    return t;
}

void sf_strtab_free(sf_strtab *t) {
    if (!t) return;
    free(t->slots);
    free(t->hashes);
    free(t->hashes32);
    free(t->offsets);
    free(t->offsets32);
    free(t->pool);
    free(t);
}

int32_t sf_strtab_find_h(const sf_strtab *t, const char *s, size_t len, uint64_t h) {
    size_t mask = t->cap - 1;
    size_t i = (size_t)h & mask;
    for (;;) {
        int32_t id = t->slots[i];
        if (id < 0) return -1;
        if (t->hashes32 ? t->hashes32[id] == (uint32_t)h : !t->hashes || t->hashes[id] == h) {
            int64_t a = sf_strtab_off(t, id), b = sf_strtab_off(t, id + 1);
            if ((size_t)(b - a) == len && memcmp(t->pool + a, s, len) == 0) return id;
        }
        i = (i + 1) & mask;
    }
}

int32_t sf_strtab_find(const sf_strtab *t, const char *s, size_t len) {
    return sf_strtab_find_h(t, s, len, sf_hash_bytes(s, len));
}

/* The hash of id's bytes (its low 32 bits, all that places it in the slots, when those are what is stored), or
 * recomputed from the pool when the table keeps none. */
static inline uint64_t hash_of(const sf_strtab *t, int32_t id) {
    if (t->hashes32) return t->hashes32[id];
    if (t->hashes) return t->hashes[id];
    int64_t a = sf_strtab_off(t, id);
    return sf_hash_bytes(t->pool + a, (size_t)(sf_strtab_off(t, id + 1) - a));
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

/* Make the offsets (and the hashes when kept) hold ic + 1 entries (grow or shrink); SF_ENOMEM leaves ids_cap
 * unchanged (a block already resized stays valid: it holds at least min(ic, ids_cap) + 1 entries). */
static int resize_ids(sf_strtab *t, int32_t ic) {
    if (t->hashes) {
        uint64_t *hs = (uint64_t *)realloc(t->hashes, ((size_t)ic + 1) * sizeof(uint64_t));
        if (!hs) return SF_ENOMEM;
        t->hashes = hs;
    }
    if (t->hashes32) {
        uint32_t *hs = (uint32_t *)realloc(t->hashes32, ((size_t)ic + 1) * sizeof(uint32_t));
        if (!hs) return SF_ENOMEM;
        t->hashes32 = hs;
    }
    if (t->offsets32) {
        uint32_t *of = (uint32_t *)realloc(t->offsets32, ((size_t)ic + 1) * sizeof(uint32_t));
        if (!of) return SF_ENOMEM;
        t->offsets32 = of;
    } else {
        int64_t *of = (int64_t *)realloc(t->offsets, ((size_t)ic + 1) * sizeof(int64_t));
        if (!of) return SF_ENOMEM;
        t->offsets = of;
    }
    t->ids_cap = ic;
    return SF_OK;
}

int sf_strtab_widen(sf_strtab *t) {
    if (!t->offsets32) return SF_OK;
    int64_t *of = (int64_t *)malloc(((size_t)t->ids_cap + 1) * sizeof(int64_t));
    if (!of) return SF_ENOMEM;
    for (int32_t i = 0; i <= t->n; i++) of[i] = t->offsets32[i];
    free(t->offsets32);
    t->offsets32 = NULL;
    t->offsets = of;
    return SF_OK;
}

void sf_strtab_hashes64(uint64_t *out, const sf_strtab *t) {
    for (int32_t id = 0; id < t->n; id++) {
        if (t->hashes) {
            out[id] = t->hashes[id];
        } else {
            int64_t a = sf_strtab_off(t, id);
            out[id] = sf_hash_bytes(t->pool + a, (size_t)(sf_strtab_off(t, id + 1) - a));
        }
    }
}

void sf_strtab_offsets64(int64_t *out, const sf_strtab *t) {
    for (int32_t i = 0; i <= t->n; i++) out[i] = sf_strtab_off(t, i);
}

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
        if (resize_ids(t, (int32_t)nc) != SF_OK) return SF_ENOMEM;
    }
    if (t->offsets32 && t->pool_len + len > UINT32_MAX && sf_strtab_widen(t) != SF_OK) return SF_ENOMEM;
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
    if (t->hashes32)
        t->hashes32[id] = (uint32_t)h;
    else if (t->hashes)
        t->hashes[id] = h;
    if (t->offsets32)
        t->offsets32[id + 1] = (uint32_t)t->pool_len;
    else
        t->offsets[id + 1] = (int64_t)t->pool_len;
    size_t mask = t->cap - 1;
    size_t i = (size_t)h & mask;
    while (t->slots[i] >= 0) i = (i + 1) & mask;
    t->slots[i] = id;
    return id;
}

const char *sf_strtab_get(const sf_strtab *t, int32_t id, size_t *len) {
    if (id < 0 || id >= t->n) return NULL;
    int64_t a = sf_strtab_off(t, id);
    *len = (size_t)(sf_strtab_off(t, id + 1) - a);
    return t->pool + a;
}

int sf_strtab_reserve(sf_strtab *t, int32_t n, size_t pool_bytes) {
    while ((size_t)n * 2 > t->cap)
        if (grow_slots(t) != SF_OK) return SF_ENOMEM;
    if (n >= t->ids_cap && resize_ids(t, n + 1) != SF_OK) return SF_ENOMEM;
    if (t->offsets32 && pool_bytes > UINT32_MAX && sf_strtab_widen(t) != SF_OK) return SF_ENOMEM;
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
        if (t->offsets32) {
            uint32_t *of = (uint32_t *)realloc(t->offsets32, ((size_t)ic + 1) * sizeof(uint32_t));
            if (of) t->offsets32 = of;
        } else {
            int64_t *of = (int64_t *)realloc(t->offsets, ((size_t)ic + 1) * sizeof(int64_t));
            if (of) t->offsets = of;
        }
        t->ids_cap = ic; /* the hashes (ids_cap entries or more) are freed below */
    }
    /* at most 3/4 full: a look-up probes ~2 slots on average at that load, fewer below it */
    size_t cap = 64;
    while (cap * 3 < ((size_t)t->n + 1) * 4) cap <<= 1;
    if (cap < t->cap) rebuild_slots(t, cap); /* from the stored hashes; on failure the larger slots stay */
    free(t->hashes);
    free(t->hashes32);
    t->hashes = NULL;
    t->hashes32 = NULL;
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
    size_t per_id = (t->hashes32 ? sizeof(uint32_t) : t->hashes ? sizeof(uint64_t) : 0) +
                    (t->offsets32 ? sizeof(uint32_t) : sizeof(int64_t));
    return t->cap * sizeof(int32_t) + (size_t)t->ids_cap * per_id + t->pool_cap;
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
    uint32_t *hs32 = t->hashes32 ? (uint32_t *)malloc(((size_t)n + 1) * sizeof(uint32_t)) : NULL;
    int wide = t->offsets32 == NULL;
    void *of = malloc(((size_t)n + 2) * (wide ? sizeof(int64_t) : sizeof(uint32_t)));
    char *pool = (char *)malloc(t->pool_len ? t->pool_len : 1);
    if ((t->hashes && !hs) || (t->hashes32 && !hs32) || !of || !pool) {
        free(inv);
        free(hs);
        free(hs32);
        free(of);
        free(pool);
        return SF_ENOMEM;
    }
    int64_t *of64 = (int64_t *)of;
    uint32_t *of32 = (uint32_t *)of;
    int64_t pos = 0;
    for (int32_t i = 0; i < n; i++) {
        if (wide)
            of64[i] = pos;
        else
            of32[i] = (uint32_t)pos;
        int32_t o = perm[i];
        int64_t a = sf_strtab_off(t, o), len = sf_strtab_off(t, o + 1) - a;
        memcpy(pool + pos, t->pool + a, (size_t)len);
        pos += len;
        if (hs) hs[i] = t->hashes[o];
        if (hs32) hs32[i] = t->hashes32[o];
    }
    if (wide)
        of64[n] = pos;
    else
        of32[n] = (uint32_t)pos;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] >= 0) t->slots[i] = inv[t->slots[i]];
    free(inv);
    free(t->hashes);
    free(t->hashes32);
    free(t->offsets);
    free(t->offsets32);
    free(t->pool);
    t->hashes = hs;
    t->hashes32 = hs32;
    t->offsets = wide ? of64 : NULL;
    t->offsets32 = wide ? NULL : of32;
    t->pool = pool;
    t->ids_cap = n + 1;
    t->pool_cap = t->pool_len ? t->pool_len : 1;
    return SF_OK;
}

int64_t sf_strtab_lookup_tab(int32_t *out, const sf_strtab *t, const sf_strtab *src, int32_t unk) {
    for (int32_t i = 0; i < src->n; i++) {
        int64_t a = sf_strtab_off(src, i);
        int32_t id = sf_strtab_find(t, src->pool + a, (size_t)(sf_strtab_off(src, i + 1) - a));
        if (id < 0) {
            if (unk < 0) return i;
            id = unk;
        }
        out[i] = id;
    }
    return -1;
}
