/* A region allocator for libxml2 and xmlsec, used while one SAML response is
 * validated.
 *
 * Why: parsing, canonicalising and verifying one ~6 KB response makes thousands of
 * small xmlMalloc/xmlFree calls (nodes, names, C14N buffers, transform contexts),
 * and glibc's malloc/free were ~15 % of validation's CPU time. Inside a validation
 * scope (cxs_arena_begin/end, one thread) allocations are bumped from a per-thread
 * chunk instead, and the chunk is reused once every block in it has been freed.
 *
 * Safety does not depend on lifetimes: every block carries a header naming its
 * chunk, a chunk counts its live blocks, and its memory is reused or released only
 * when that count reaches zero. A block that outlives its scope just keeps its chunk
 * alive. Outside a scope xmlMalloc is plain malloc behind the same header, so any
 * block can be freed or reallocated at any time, from any scope. A block freed by a
 * thread other than its chunk's owner is not counted (counts are not atomic); that
 * chunk is then never reused: a leak, never a corruption. It does not happen in the
 * broker: a document is created, used and freed within one call on one thread.
 *
 * The hooks are installed by a constructor, before any libxml2 allocation can
 * happen, because blocks from the two allocators must never meet. */
#include <libxml/xmlmemory.h>
#include <libxml/xmlerror.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "CXMLSec.h"

enum {
    CXS_CHUNK_BYTES = 256 * 1024,
    CXS_ARENA_MAX_BLOCK = 32 * 1024,   /* larger requests go to malloc: they would waste a chunk */
    CXS_HEADER = 16,
    CXS_MAGIC = 0x4c4d5843u            /* "CXML": tells our headers from foreign pointers */
};

typedef struct cxs_chunk {
    size_t used;          /* bytes bumped so far, after the chunk header */
    long live;            /* blocks not yet freed, +1 while it is its thread's current chunk */
    const void *owner;    /* &cxs_thread_marker of the thread that bumps from it */
} cxs_chunk;

typedef struct {
    cxs_chunk *chunk;     /* NULL: the block came from malloc */
    uint32_t size;        /* requested size of an arena block (0 for malloc blocks) */
    uint32_t magic;
} cxs_header;

_Static_assert(sizeof(cxs_header) == CXS_HEADER, "header must keep 16-byte alignment");

static __thread int cxs_arena_depth;
static __thread cxs_chunk *cxs_current;
static __thread char cxs_thread_marker;
static pthread_key_t cxs_thread_key;

#define CXS_CHUNK_DATA(c) ((char *)(c) + ((sizeof(cxs_chunk) + 15) & ~(size_t)15))
#define CXS_CHUNK_CAPACITY (CXS_CHUNK_BYTES - ((sizeof(cxs_chunk) + 15) & ~(size_t)15))

static void cxs_release_chunk_ref(cxs_chunk *c) {
    if (--c->live == 0) free(c);
}

static void cxs_thread_exit(void *value) {
    /* The thread's current chunk loses its owner reference. */
    cxs_chunk *c = (cxs_chunk *)value;
    if (c != NULL && c->owner == &cxs_thread_marker) cxs_release_chunk_ref(c);
}

static void *cxs_plain_malloc(size_t size) {
    if (size > SIZE_MAX - CXS_HEADER) return NULL;
    cxs_header *h = malloc(size + CXS_HEADER);
    if (h == NULL) return NULL;
    h->chunk = NULL; h->size = 0; h->magic = CXS_MAGIC;
    return (char *)h + CXS_HEADER;
}

static void *cxs_arena_malloc(size_t size) {
    size_t need = (size + CXS_HEADER + 15) & ~(size_t)15;
    cxs_chunk *c = cxs_current;
    if (c == NULL || c->used + need > CXS_CHUNK_CAPACITY) {
        cxs_chunk *fresh = malloc(CXS_CHUNK_BYTES);
        if (fresh == NULL) return cxs_plain_malloc(size);
        fresh->used = 0; fresh->live = 1; fresh->owner = &cxs_thread_marker;
        if (c != NULL) cxs_release_chunk_ref(c);
        cxs_current = c = fresh;
        pthread_setspecific(cxs_thread_key, c);
    }
    cxs_header *h = (cxs_header *)(CXS_CHUNK_DATA(c) + c->used);
    c->used += need;
    c->live += 1;
    h->chunk = c; h->size = (uint32_t)size; h->magic = CXS_MAGIC;
    return (char *)h + CXS_HEADER;
}

static void *cxs_xml_malloc(size_t size) {
    if (cxs_arena_depth > 0 && size <= CXS_ARENA_MAX_BLOCK) return cxs_arena_malloc(size);
    return cxs_plain_malloc(size);
}

static void cxs_xml_free(void *p) {
    if (p == NULL) return;
    cxs_header *h = (cxs_header *)((char *)p - CXS_HEADER);
    if (h->magic != CXS_MAGIC) { free(p); return; }   /* not ours (cannot happen): malloc's own */
    h->magic = 0;   /* a double free then reaches free(3), which aborts, instead of corrupting a chunk */
    if (h->chunk == NULL) { free(h); return; }
    cxs_chunk *c = h->chunk;
    if (c->owner != &cxs_thread_marker) return;       /* see the file comment: pinned, not corrupted */
    cxs_release_chunk_ref(c);
}

static void *cxs_xml_realloc(void *p, size_t size) {
    if (p == NULL) return cxs_xml_malloc(size);
    cxs_header *h = (cxs_header *)((char *)p - CXS_HEADER);
    if (h->magic != CXS_MAGIC) return realloc(p, size);
    if (h->chunk == NULL) {
        if (size > SIZE_MAX - CXS_HEADER) return NULL;
        cxs_header *moved = realloc(h, size + CXS_HEADER);
        return moved == NULL ? NULL : (char *)moved + CXS_HEADER;
    }
    cxs_chunk *c = h->chunk;
    size_t old = h->size;
    /* Growing the last block of the current chunk (C14N output buffers do) happens in place. */
    if (c == cxs_current && c->owner == &cxs_thread_marker && size <= CXS_ARENA_MAX_BLOCK) {
        char *end = CXS_CHUNK_DATA(c) + c->used;
        size_t oldNeed = (old + CXS_HEADER + 15) & ~(size_t)15;
        size_t newNeed = (size + CXS_HEADER + 15) & ~(size_t)15;
        if ((char *)h + oldNeed == end && c->used - oldNeed + newNeed <= CXS_CHUNK_CAPACITY) {
            c->used = c->used - oldNeed + newNeed;
            h->size = (uint32_t)size;
            return p;
        }
    }
    void *fresh = cxs_xml_malloc(size);
    if (fresh == NULL) return NULL;
    memcpy(fresh, p, old < size ? old : size);
    cxs_xml_free(p);
    return fresh;
}

static char *cxs_xml_strdup(const char *s) {
    if (s == NULL) return NULL;
    size_t n = strlen(s) + 1;
    char *copy = cxs_xml_malloc(n);
    if (copy != NULL) memcpy(copy, s, n);
    return copy;
}

__attribute__((constructor)) static void cxs_install_allocator(void) {
    pthread_key_create(&cxs_thread_key, cxs_thread_exit);
    xmlMemSetup(cxs_xml_free, cxs_xml_malloc, cxs_xml_realloc, cxs_xml_strdup);
}

void cxs_arena_begin(void) { cxs_arena_depth += 1; }

void cxs_arena_end(void) {
    if (cxs_arena_depth > 0) cxs_arena_depth -= 1;
    if (cxs_arena_depth > 0) return;
    /* libxml2 keeps the thread's last error (message strings included) until the
     * next one; nobody reads it after the scope, so drop it and its blocks now. */
    xmlResetLastError();
    /* Everything of the scope was freed: start the chunk over. */
    cxs_chunk *c = cxs_current;
    if (c != NULL && c->live == 1) c->used = 0;
}

size_t cxs_arena_chunk_bytes_in_use(void) {
    return cxs_current == NULL ? 0 : cxs_current->used;
}

long cxs_arena_live_blocks(void) {
    return cxs_current == NULL ? 0 : cxs_current->live - 1;
}
