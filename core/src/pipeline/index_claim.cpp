#include "pipeline/index_claim.h"

#include "pipeline/store_transaction.h"
#include "semsearch/index_precision.h"
#include "semsearch/model_identity.h"

#include <QDir>
#include <QFileInfo>

namespace semsearch {

namespace {

// One index, one model: vectors of different models are not comparable.
Result<void> claimModel(IndexFolder& index, const ModelIdentity& model) {
    SqliteStore& store = index.store();
    auto recorded = store.metadata().modelIdentity();
    if (!recorded)
        return recorded.error();
    if (*recorded && !sameVectors(**recorded, model))
        return makeError(ErrorCode::Mismatch,
                         index.folder() +
                             QStringLiteral(": this index was built with the model %1 and "
                                            "cannot take vectors of %2; index with the model "
                                            "that built it, or re-embed the whole index with "
                                            "the new one")
                                 .arg(describeModel(**recorded), describeModel(model)));
    if (*recorded)
        return {};
    return inTransaction(store, [&] { return store.metadata().setModelIdentity(model); });
}

Result<void> addSources(SqliteStore& store, const QStringList& roots) {
    return inTransaction(store, [&]() -> Result<void> {
        for (const QString& root : roots)
            if (auto added = store.sources().add(root); !added)
                return added;
        return {};
    });
}

} // namespace

QString sourcePath(const QString& path) {
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

Result<QStringList> claimIndex(IndexFolder& index, const Embedder& embedder,
                               const QStringList& paths) {
    QStringList roots;
    for (const QString& path : paths) {
        if (!QFileInfo::exists(path))
            return makeError(ErrorCode::NotFound,
                             path + QStringLiteral(": no such file or folder"));
        roots << sourcePath(path);
    }
    // Writing into a damaged database makes it worse: look before the first write.
    if (auto intact = index.checkBeforeWriting(); !intact)
        return intact.error();
    if (auto model = claimModel(index, modelIdentity(embedder.model())); !model)
        return model.error();
    // One index, one precision, for the same reason (index_precision.h).
    if (auto claimed = claimIndexPrecision(index, embedder.precision()); !claimed)
        return claimed.error();
    if (auto added = addSources(index.store(), roots); !added)
        return added.error();
    if (auto current = index.vectors(); !current)
        return current.error();
    return roots;
}

} // namespace semsearch
