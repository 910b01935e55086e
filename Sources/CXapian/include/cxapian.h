// A small C API over Xapian for Swift. Every function that can fail takes `char **err`: on failure it
// returns an error value (NULL / -1) and stores a malloc'd message there, which the caller frees with
// xq_free. No C++ exception ever crosses this boundary.
#ifndef CXAPIAN_H
#define CXAPIAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xq_db xq_db;   // a read-only database (one per thread)
typedef struct xq_wdb xq_wdb; // a writable database (one writer per index)

typedef struct {
    uint32_t did;
    double score;
} xq_hit;

enum { XQ_MODEL_BM25 = 0, XQ_MODEL_QL = 1 };

void xq_free(void *p);

// Reading.
xq_db *xq_open(const char *path, char **err);
// A database served by xapian-tcpsrv at host:port; timeouts in milliseconds (0: none).
xq_db *xq_open_remote(const char *host, unsigned port, unsigned timeout_ms, unsigned connect_timeout_ms, char **err);
// One database over all of `parts` (Xapian's add_database), so term statistics are global. The parts
// may be closed afterwards: the new handle keeps what it needs.
xq_db *xq_combine(xq_db *const *parts, size_t n, char **err);
void xq_close(xq_db *db);
int xq_reopen(xq_db *db, char **err);
uint32_t xq_doccount(xq_db *db);
double xq_avlength(xq_db *db);
uint64_t xq_total_length(xq_db *db);
uint32_t xq_lastdocid(xq_db *db);
int64_t xq_termfreq(xq_db *db, const char *term, size_t len, char **err);
int64_t xq_collection_freq(xq_db *db, const char *term, size_t len, char **err);
// Document frequencies of n terms into out. Over remote shards they come in one exchange per shard
// (the statistics a match gathers) rather than one per term.
int xq_termfreqs(xq_db *db, const char *const *terms, const size_t *lens, size_t n, uint32_t *out, char **err);
// Whether some part of the database is served over the network.
int xq_is_remote(xq_db *db);
int64_t xq_unique_terms(xq_db *db, char **err);
// Metadata value for key ("" when unset), malloc'd.
char *xq_get_metadata(xq_db *db, const char *key, size_t *len, char **err);
// Internal docid of the document holding the unique term, 0 when none, -1 on error.
int64_t xq_find_docid(xq_db *db, const char *term, size_t len, char **err);
// The document's collection id (value slot 0, written by xq_wadd), malloc'd; "" when absent.
char *xq_document_id(xq_db *db, uint32_t did, size_t *len, char **err);
// Document data, malloc'd.
char *xq_document_data(xq_db *db, uint32_t did, size_t *len, char **err);
int64_t xq_document_length(xq_db *db, uint32_t did, char **err);
// Term list of a document: terms packed NUL-separated into *terms (malloc'd), wdfs into *wdfs (malloc'd).
int xq_termlist(xq_db *db, uint32_t did, char **terms, size_t *terms_len, uint32_t **wdfs, size_t *count,
                char **err);
// How many documents have a value in `slot` (-1 on error).
int64_t xq_value_count(xq_db *db, unsigned slot, char **err);
// Ranked retrieval: OP_OR over OP_SCALE_WEIGHT(term, weight). model XQ_MODEL_BM25 uses (p1, p2) = (k1, b);
// XQ_MODEL_QL uses Dirichlet-smoothed query likelihood with mu = p1. Writes up to k hits to out, count to *nout,
// and the hits' collection ids packed NUL-separated into *ids (malloc'd; over remote shards they come
// back with the match rather than by fetching each document). With ties_by_id, equal scores are ordered
// by the collection id in value slot 0, ascending bytewise.
int xq_search(xq_db *db, const char *const *terms, const size_t *lens, const double *weights, size_t n,
              int model, double p1, double p2, uint32_t k, int ties_by_id, xq_hit *out, size_t *nout, char **ids,
              size_t *ids_len, char **err);

// Stemming (Xapian's Snowball stemmers: "porter" is Porter's original algorithm, "english" is Porter2).
typedef struct xq_stemmer xq_stemmer;
xq_stemmer *xq_stemmer_new(const char *language, char **err);
void xq_stemmer_free(xq_stemmer *s);
// Stems word into a malloc'd string.
char *xq_stem(xq_stemmer *s, const char *word, size_t len, size_t *outlen);

// Writing. xq_wadd stores the collection id (idterm without its "Q" prefix) in value slot 0 too, so
// result lists read ids without loading whole documents.
xq_wdb *xq_wopen(const char *path, int create, char **err);
void xq_wclose(xq_wdb *db);
int xq_wadd(xq_wdb *db, const char *idterm, size_t idterm_len, const char *data, size_t data_len,
            const char *terms, size_t terms_len, const uint32_t *wdfs, size_t count, char **err);
int xq_wset_metadata(xq_wdb *db, const char *key, const char *value, size_t len, char **err);
char *xq_wget_metadata(xq_wdb *db, const char *key, size_t *len, char **err);
int64_t xq_wfind_docid(xq_wdb *db, const char *term, size_t len, char **err);
int xq_wcommit(xq_wdb *db, char **err);
int xq_wbegin_transaction(xq_wdb *db, char **err);
int xq_wcommit_transaction(xq_wdb *db, char **err);
int xq_wcancel_transaction(xq_wdb *db, char **err);
uint32_t xq_wdoccount(xq_wdb *db);

// Writes a fully compacted copy of the database at `src` to the new directory `dst` (blocks filled,
// docids kept in order). The source must not be open for writing.
int xq_compact(const char *src, const char *dst, char **err);

const char *xq_version(void);

#ifdef __cplusplus
}
#endif
#endif
