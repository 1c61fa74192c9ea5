// IndexFolder: the reads front ends make (the window's overview, search results, an export),
// each from one snapshot of the store.

#include "semsearch/index_folder.h"

#include "semsearch/index_precision.h"

#include <QHash>
#include <QSet>

#include <algorithm>

namespace semsearch {

namespace {

// One pass over the document records: a few milliseconds for ten thousand documents.
Result<QStringList> documentExtensions(SqliteStore& store) {
    auto documents = store.documents().under(QStringLiteral("/"));
    if (!documents)
        return documents.error();
    QSet<QString> seen;
    for (const DocumentRecord& document : *documents) {
        const QString name = document.path.section(QLatin1Char('/'), -1);
        const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
        if (dot > 0 && dot + 1 < name.size())
            seen.insert(name.mid(dot + 1).toLower());
    }
    QStringList extensions(seen.begin(), seen.end());
    extensions.sort();
    return extensions;
}

} // namespace

template <typename Read>
auto IndexFolder::inSnapshot(Read&& read) -> decltype(read(std::declval<SqliteStore&>())) {
    if (auto fresh = refresh(); !fresh)
        return fresh.error();
    // Inside the writer's own transaction the reads see it already, as one snapshot.
    if (m_store->inTransaction())
        return read(*m_store);
    if (auto begun = m_store->begin(); !begun)
        return begun.error();
    auto result = read(*m_store);
    (void)m_store->rollback(); // read only: nothing to keep
    return result;
}

Result<IndexOverview> IndexFolder::overview() {
    return inSnapshot([](SqliteStore& store) -> Result<IndexOverview> {
        IndexOverview overview;
        auto model = store.metadata().modelIdentity();
        if (!model)
            return model.error();
        overview.model = *model;
        auto precision = indexPrecision(store);
        if (!precision)
            return precision.error();
        overview.precision = *precision;
        auto totals = store.counts();
        if (!totals)
            return totals.error();
        overview.totals = *totals;
        auto sources = store.sources().all();
        if (!sources)
            return sources.error();
        for (const SourceRecord& source : *sources) {
            auto under = store.countsUnder(source.path);
            if (!under)
                return under.error();
            overview.sources.push_back({source, *under});
        }
        auto skipped = store.skipped().all();
        if (!skipped)
            return skipped.error();
        overview.skipped = std::move(skipped).value();
        auto extensions = documentExtensions(store);
        if (!extensions)
            return extensions.error();
        overview.extensions = std::move(extensions).value();
        return overview;
    });
}

Result<std::optional<ModelIdentity>> IndexFolder::model() {
    if (auto fresh = refresh(); !fresh)
        return fresh.error();
    return m_store->metadata().modelIdentity();
}

Result<std::vector<SourceRecord>> IndexFolder::sources() {
    if (auto fresh = refresh(); !fresh)
        return fresh.error();
    return m_store->sources().all();
}

Result<std::vector<LocatedPassage>>
IndexFolder::locatePassages(const std::vector<std::int64_t>& ids) {
    return inSnapshot([&](SqliteStore& store) -> Result<std::vector<LocatedPassage>> {
        auto passages = store.documents().passages(ids);
        if (!passages)
            return passages.error();
        std::vector<std::int64_t> documentIds;
        for (const PassageRecord& passage : *passages)
            documentIds.push_back(passage.documentId);
        std::sort(documentIds.begin(), documentIds.end());
        documentIds.erase(std::unique(documentIds.begin(), documentIds.end()), documentIds.end());
        auto documents = store.documents().byIds(documentIds);
        if (!documents)
            return documents.error();
        QHash<std::int64_t, const DocumentRecord*> documentById;
        for (const DocumentRecord& document : *documents)
            documentById.insert(document.id, &document);
        std::vector<LocatedPassage> located;
        located.reserve(passages->size());
        for (PassageRecord& passage : *passages)
            if (const DocumentRecord* document = documentById.value(passage.documentId))
                located.push_back({std::move(passage), *document});
        return located;
    });
}

Result<std::vector<DocumentRecord>> IndexFolder::documents(const std::vector<std::int64_t>& ids) {
    if (auto fresh = refresh(); !fresh)
        return fresh.error();
    return m_store->documents().byIds(ids);
}

Result<std::vector<std::int64_t>> IndexFolder::passagesMatching(const PassageFilter& filter) {
    if (auto fresh = refresh(); !fresh)
        return fresh.error();
    return m_store->documents().passageIds(filter);
}

Result<void> IndexFolder::exportPassages(
    const std::function<bool(const DocumentRecord&, const PassageRecord&, const float*, int)>&
        visit) {
    return inSnapshot([&](SqliteStore& store) -> Result<void> {
        auto documents = store.documents().under(QString());
        if (!documents)
            return documents.error();
        for (const DocumentRecord& document : *documents) {
            auto passages = store.documents().passagesOf(document.id);
            if (!passages)
                return passages.error();
            std::vector<std::int64_t> ids;
            for (const PassageRecord& passage : *passages)
                ids.push_back(passage.id);
            auto vectors = store.documents().vectorsOf(ids);
            if (!vectors)
                return vectors.error();
            const std::size_t dim = passages->empty() ? 0 : vectors->size() / passages->size();
            for (std::size_t i = 0; i < passages->size(); ++i)
                if (!visit(document, (*passages)[i], vectors->data() + i * dim, int(dim)))
                    return {};
        }
        return {};
    });
}

} // namespace semsearch
