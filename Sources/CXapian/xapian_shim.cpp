// The C++ side of CXapian: each entry point catches every exception and reports it as a message.
#include "cxapian.h"

#include <xapian.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct xq_db {
    Xapian::Database db;
    bool remote = false;  // some part is served over the network
};
struct xq_wdb {
    Xapian::WritableDatabase db;
};
struct xq_stemmer {
    Xapian::Stem stem;
};

namespace {

char *dup_bytes(const std::string &s, size_t *len = nullptr) {
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p) return nullptr;
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    if (len) *len = s.size();
    return p;
}

void set_error(char **err, const std::string &msg) {
    if (err) *err = dup_bytes(msg);
}

// Runs f, turning any exception into an error message and `fail` as the return value.
template <typename T, typename F> T guarded(char **err, T fail, F f) {
    try {
        return f();
    } catch (const Xapian::Error &e) {
        set_error(err, e.get_type() + std::string(": ") + e.get_msg() +
                           (e.get_error_string() ? std::string(" (") + e.get_error_string() + ")" : ""));
    } catch (const std::exception &e) {
        set_error(err, e.what());
    } catch (...) {
        set_error(err, "unknown C++ exception");
    }
    return fail;
}

} // namespace

extern "C" {

void xq_free(void *p) { std::free(p); }

const char *xq_version(void) { return Xapian::version_string(); }

xq_db *xq_open(const char *path, char **err) {
    return guarded<xq_db *>(err, nullptr, [&] { return new xq_db{Xapian::Database(path)}; });
}

xq_db *xq_open_remote(const char *host, unsigned port, unsigned timeout_ms, unsigned connect_timeout_ms, char **err) {
    return guarded<xq_db *>(err, nullptr, [&] {
        return new xq_db{Xapian::Remote::open(host, port, timeout_ms, connect_timeout_ms), true};
    });
}

xq_db *xq_combine(xq_db *const *parts, size_t n, char **err) {
    return guarded<xq_db *>(err, nullptr, [&] {
        Xapian::Database all;
        bool remote = false;
        for (size_t i = 0; i < n; ++i) {
            all.add_database(parts[i]->db);
            remote = remote || parts[i]->remote;
        }
        return new xq_db{all, remote};
    });
}

void xq_close(xq_db *db) { delete db; }

int xq_reopen(xq_db *db, char **err) {
    return guarded<int>(err, -1, [&] { return db->db.reopen() ? 1 : 0; });
}

uint32_t xq_doccount(xq_db *db) {
    char *e = nullptr;
    uint32_t r = guarded<uint32_t>(&e, 0, [&] { return db->db.get_doccount(); });
    std::free(e);
    return r;
}

double xq_avlength(xq_db *db) {
    char *e = nullptr;
    double r = guarded<double>(&e, 0.0, [&] { return db->db.get_avlength(); });
    std::free(e);
    return r;
}

uint64_t xq_total_length(xq_db *db) {
    char *e = nullptr;
    uint64_t r = guarded<uint64_t>(&e, 0, [&] { return (uint64_t)db->db.get_total_length(); });
    std::free(e);
    return r;
}

uint32_t xq_lastdocid(xq_db *db) {
    char *e = nullptr;
    uint32_t r = guarded<uint32_t>(&e, 0, [&] { return db->db.get_lastdocid(); });
    std::free(e);
    return r;
}

int64_t xq_termfreq(xq_db *db, const char *term, size_t len, char **err) {
    return guarded<int64_t>(err, -1, [&] { return (int64_t)db->db.get_termfreq(std::string(term, len)); });
}

int64_t xq_collection_freq(xq_db *db, const char *term, size_t len, char **err) {
    return guarded<int64_t>(err, -1,
                            [&] { return (int64_t)db->db.get_collection_freq(std::string(term, len)); });
}

int xq_termfreqs(xq_db *db, const char *const *terms, const size_t *lens, size_t n, uint32_t *out, char **err) {
    return guarded<int>(err, -1, [&] {
        if (!db->remote) {
            for (size_t i = 0; i < n; ++i) out[i] = db->db.get_termfreq(std::string(terms[i], lens[i]));
            return 0;
        }
        std::vector<Xapian::Query> subs;
        subs.reserve(n);
        for (size_t i = 0; i < n; ++i) subs.emplace_back(std::string(terms[i], lens[i]));
        Xapian::Enquire enquire(db->db);
        enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, subs.begin(), subs.end()));
        Xapian::MSet stats = enquire.get_mset(0, 0);
        for (size_t i = 0; i < n; ++i) out[i] = stats.get_termfreq(std::string(terms[i], lens[i]));
        return 0;
    });
}

int xq_is_remote(xq_db *db) { return db->remote ? 1 : 0; }

int64_t xq_unique_terms(xq_db *db, char **err) {
    return guarded<int64_t>(err, -1, [&] {
        int64_t n = 0;
        for (auto it = db->db.allterms_begin(); it != db->db.allterms_end(); ++it) {
            const std::string t = *it;
            if (!t.empty() && t[0] != 'Q') ++n;
        }
        return n;
    });
}

char *xq_get_metadata(xq_db *db, const char *key, size_t *len, char **err) {
    return guarded<char *>(err, nullptr, [&] { return dup_bytes(db->db.get_metadata(key), len); });
}

int64_t xq_find_docid(xq_db *db, const char *term, size_t len, char **err) {
    return guarded<int64_t>(err, -1, [&]() -> int64_t {
        std::string t(term, len);
        auto it = db->db.postlist_begin(t);
        if (it == db->db.postlist_end(t)) return 0;
        return *it;
    });
}

char *xq_document_id(xq_db *db, uint32_t did, size_t *len, char **err) {
    return guarded<char *>(err, nullptr, [&] {
        return dup_bytes(db->db.get_document(did, Xapian::DOC_ASSUME_VALID).get_value(0), len);
    });
}

char *xq_document_data(xq_db *db, uint32_t did, size_t *len, char **err) {
    return guarded<char *>(err, nullptr, [&] { return dup_bytes(db->db.get_document(did).get_data(), len); });
}

int64_t xq_document_length(xq_db *db, uint32_t did, char **err) {
    return guarded<int64_t>(err, -1, [&] { return (int64_t)db->db.get_doclength(did); });
}

int xq_termlist(xq_db *db, uint32_t did, char **terms, size_t *terms_len, uint32_t **wdfs, size_t *count,
                char **err) {
    return guarded<int>(err, -1, [&] {
        std::string packed;
        std::vector<uint32_t> w;
        for (auto it = db->db.termlist_begin(did); it != db->db.termlist_end(did); ++it) {
            const std::string t = *it;
            packed.append(t);
            packed.push_back('\0');
            w.push_back(it.get_wdf());
        }
        *terms = dup_bytes(packed, terms_len);
        *wdfs = static_cast<uint32_t *>(std::malloc(sizeof(uint32_t) * (w.empty() ? 1 : w.size())));
        if (!w.empty()) std::memcpy(*wdfs, w.data(), sizeof(uint32_t) * w.size());
        *count = w.size();
        return 0;
    });
}

int64_t xq_value_count(xq_db *db, unsigned slot, char **err) {
    return guarded<int64_t>(err, -1, [&] { return (int64_t)db->db.get_value_freq(slot); });
}

int xq_search(xq_db *db, const char *const *terms, const size_t *lens, const double *weights, size_t n,
              int model, double p1, double p2, uint32_t k, int ties_by_id, xq_hit *out, size_t *nout, char **ids,
              size_t *ids_len, char **err) {
    return guarded<int>(err, -1, [&] {
        std::vector<Xapian::Query> subs;
        subs.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            Xapian::Query q(std::string(terms[i], lens[i]));
            subs.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, q, weights[i]);
        }
        Xapian::Query query(Xapian::Query::OP_OR, subs.begin(), subs.end());
        Xapian::Enquire enquire(db->db);
        enquire.set_query(query);
        // Over the network, reading each hit's id from its document costs a round trip per hit. Ids
        // are unique, so collapsing on their value slot removes nothing, but brings every id back
        // with the match itself (documents without the value have an empty key: never collapsed).
        if (db->remote) enquire.set_collapse_key(0);
        // Equal weights in id order (bytewise ascending), so which documents tied at the k-th place make
        // the cut depends on their collection ids, not on internal numbers (which differ between an
        // index and its shards).
        if (ties_by_id) enquire.set_sort_by_relevance_then_value(0, false);
        if (model == XQ_MODEL_QL) {
            // Dirichlet-smoothed query likelihood in its rank-equivalent form
            //   sum over matched terms of log(1 + tf / (mu * p(t|C)))  +  |Q| * log(mu / (|d| + mu)).
            // Xapian's DIRICHLET_SMOOTHING scores only matched terms and zeroes rare ones; its
            // DIRICHLET_PLUS_SMOOTHING with delta = 0 and log scale 1 is exactly the formula above.
            enquire.set_weighting_scheme(Xapian::LMWeight(1.0, Xapian::Weight::DIRICHLET_PLUS_SMOOTHING, p1, 0.0));
        } else {
            enquire.set_weighting_scheme(Xapian::BM25Weight(p1, 0, 0, p2, 0));
        }
        Xapian::MSet mset = enquire.get_mset(0, k);
        std::string packed;
        size_t i = 0;
        for (auto it = mset.begin(); it != mset.end() && i < k; ++it, ++i) {
            out[i].did = *it;
            out[i].score = it.get_weight();
            std::string id = db->remote ? it.get_collapse_key() : std::string();
            if (id.empty()) {
                Xapian::Document doc = it.get_document();
                id = doc.get_value(0);
                if (id.empty()) {  // indexes older than value slot 0 keep the id only in the data
                    id = doc.get_data();
                    id.resize(std::min(id.size(), id.find('\0')));
                }
            }
            packed.append(id);
            packed.push_back('\0');
        }
        *nout = i;
        *ids = dup_bytes(packed, ids_len);
        return 0;
    });
}

xq_stemmer *xq_stemmer_new(const char *language, char **err) {
    return guarded<xq_stemmer *>(err, nullptr, [&] { return new xq_stemmer{Xapian::Stem(language)}; });
}

void xq_stemmer_free(xq_stemmer *s) { delete s; }

char *xq_stem(xq_stemmer *s, const char *word, size_t len, size_t *outlen) {
    char *e = nullptr;
    char *r = guarded<char *>(&e, nullptr, [&] { return dup_bytes(s->stem(std::string(word, len)), outlen); });
    std::free(e);
    return r;
}

xq_wdb *xq_wopen(const char *path, int create, char **err) {
    return guarded<xq_wdb *>(err, nullptr, [&] {
        int flags = create ? Xapian::DB_CREATE_OR_OPEN : Xapian::DB_OPEN;
        return new xq_wdb{Xapian::WritableDatabase(path, flags)};
    });
}

void xq_wclose(xq_wdb *db) {
    if (!db) return;
    try {
        db->db.close();
    } catch (...) {
    }
    delete db;
}

int xq_wadd(xq_wdb *db, const char *idterm, size_t idterm_len, const char *data, size_t data_len,
            const char *terms, size_t terms_len, const uint32_t *wdfs, size_t count, char **err) {
    return guarded<int>(err, -1, [&] {
        Xapian::Document doc;
        doc.set_data(std::string(data, data_len));
        doc.add_boolean_term(std::string(idterm, idterm_len));
        if (idterm_len > 1) doc.add_value(0, std::string(idterm + 1, idterm_len - 1));
        const char *p = terms;
        const char *end = terms + terms_len;
        for (size_t i = 0; i < count && p < end; ++i) {
            size_t l = std::strlen(p);
            doc.add_term(std::string(p, l), wdfs[i]);
            p += l + 1;
        }
        db->db.add_document(doc);
        return 0;
    });
}

int xq_wset_metadata(xq_wdb *db, const char *key, const char *value, size_t len, char **err) {
    return guarded<int>(err, -1, [&] {
        db->db.set_metadata(key, std::string(value, len));
        return 0;
    });
}

char *xq_wget_metadata(xq_wdb *db, const char *key, size_t *len, char **err) {
    return guarded<char *>(err, nullptr, [&] { return dup_bytes(db->db.get_metadata(key), len); });
}

int64_t xq_wfind_docid(xq_wdb *db, const char *term, size_t len, char **err) {
    return guarded<int64_t>(err, -1, [&]() -> int64_t {
        std::string t(term, len);
        auto it = db->db.postlist_begin(t);
        if (it == db->db.postlist_end(t)) return 0;
        return *it;
    });
}

int xq_wcommit(xq_wdb *db, char **err) {
    return guarded<int>(err, -1, [&] {
        db->db.commit();
        return 0;
    });
}

int xq_wbegin_transaction(xq_wdb *db, char **err) {
    return guarded<int>(err, -1, [&] {
        db->db.begin_transaction(true);
        return 0;
    });
}

int xq_wcommit_transaction(xq_wdb *db, char **err) {
    return guarded<int>(err, -1, [&] {
        db->db.commit_transaction();
        return 0;
    });
}

int xq_wcancel_transaction(xq_wdb *db, char **err) {
    return guarded<int>(err, -1, [&] {
        db->db.cancel_transaction();
        return 0;
    });
}

uint32_t xq_wdoccount(xq_wdb *db) {
    char *e = nullptr;
    uint32_t r = guarded<uint32_t>(&e, 0, [&] { return db->db.get_doccount(); });
    std::free(e);
    return r;
}

int xq_compact(const char *src, const char *dst, char **err) {
    return guarded<int>(err, -1, [&] {
        Xapian::Database(src).compact(dst, Xapian::Compactor::FULL);
        return 0;
    });
}

} // extern "C"
