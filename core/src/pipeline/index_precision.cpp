#include "semsearch/index_precision.h"

namespace semsearch {

Result<std::optional<Precision>> indexPrecision(SqliteStore& store) {
    auto recorded = store.metadata().precision();
    if (!recorded || *recorded)
        return recorded;
    auto counts = store.counts();
    if (!counts)
        return counts.error();
    if (counts->passages > 0)
        return std::optional<Precision>(Precision::Fp32);
    return std::optional<Precision>();
}

Result<void> claimIndexPrecision(IndexFolder& index, Precision precision) {
    if (precision == Precision::Auto)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("an index records a resolved precision, not auto"));
    SqliteStore& store = index.store();
    auto current = indexPrecision(store);
    if (!current)
        return current.error();
    if (*current && **current != precision)
        return makeError(ErrorCode::Mismatch,
                         index.folder() +
                             QStringLiteral(": this index holds %1 vectors and cannot take %2 "
                                            "ones; index in %1, or re-embed the whole index in "
                                            "%2: 'semsearch-cli index --reembed --precision %2'")
                                 .arg(precisionName(**current), precisionName(precision)));
    auto recorded = store.metadata().precision();
    if (!recorded)
        return recorded.error();
    if (*recorded)
        return {};
    return store.metadata().setPrecision(precision);
}

Result<QStringList> passageSample(IndexFolder& index, int count) {
    SqliteStore& store = index.store();
    auto ids = store.documents().passageIds({});
    if (!ids)
        return ids.error();
    if (ids->empty() || count <= 0)
        return QStringList();
    std::vector<std::int64_t> chosen;
    const std::size_t n = ids->size();
    const std::size_t take = std::min<std::size_t>(n, std::size_t(count));
    for (std::size_t k = 0; k < take; ++k)
        chosen.push_back((*ids)[k * n / take]);
    auto passages = store.documents().passages(chosen);
    if (!passages)
        return passages.error();
    QStringList texts;
    for (const PassageRecord& passage : *passages)
        texts << passage.text;
    return texts;
}

Result<std::unique_ptr<Embedder>> openEmbedderForIndex(const QString& modelFolder,
                                                       IndexFolder* index, EmbedderUse use,
                                                       EmbedderOptions options) {
    std::optional<Precision> recorded;
    if (index) {
        auto sample = passageSample(*index, kCheckedIndexPassages);
        auto precision = indexPrecision(index->store());
        if (!sample || !precision)
            return !sample ? sample.error() : precision.error();
        options.extraCheckTexts += *sample;
        recorded = *precision;
    }
    // The index's own precision, unless told otherwise: a query in the precision of the vectors
    // it is compared with, and new vectors like the old ones. A re-embed chooses afresh.
    const bool fromIndex =
        recorded && use != EmbedderUse::Reembed && options.precision == Precision::Auto;
    if (fromIndex)
        options.precision = *recorded;
    auto embedder = openEmbedder(modelFolder, options);
    if (embedder || !fromIndex || embedder.error().code != ErrorCode::Unsupported)
        return embedder;
    if (use == EmbedderUse::Search) {
        options.precision = Precision::Fp32;
        return openEmbedder(modelFolder, options);
    }
    return makeError(ErrorCode::Unsupported,
                     QStringLiteral("%1: this index holds %2 vectors, which cannot be made here "
                                    "(%3); re-embed it for this machine: 'semsearch-cli index "
                                    "--reembed'")
                         .arg(index->folder(), precisionName(*recorded), embedder.error().message));
}

} // namespace semsearch
