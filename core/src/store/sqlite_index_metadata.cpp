// SqliteIndexMetadata: the model identity, the precision, the generations, the schema version
// and free-form settings, all kept in the meta table (see meta_table.h).

#include "semsearch/store_metadata.h"

#include "store/meta_table.h"
#include "store/schema.h"
#include "store/store_connection.h"

#include <utility>

namespace semsearch {

namespace {

bool sameModel(const ModelIdentity& a, const ModelIdentity& b) {
    return a.name == b.name && a.dimension == b.dimension && a.pooling == b.pooling &&
           a.normalize == b.normalize && a.weightsFingerprint == b.weightsFingerprint;
}

bool reservedKey(const QString& key) {
    return key.isEmpty() || key == kGenerationKey || key == kSavedGenerationKey ||
           key == kPrecisionKey || key.startsWith(kModelKeyPrefix);
}

} // namespace

Result<std::optional<ModelIdentity>> SqliteIndexMetadata::modelIdentity() {
    auto dimension = metaInteger(m_connection, kModelDimension);
    if (!dimension)
        return dimension.error();
    if (!*dimension)
        return std::optional<ModelIdentity>();
    auto dim = storedDimension(m_connection);
    if (!dim)
        return dim.error();
    ModelIdentity model;
    model.dimension = *dim;
    for (const auto& [key, field] :
         {std::pair{kModelName, &model.name}, std::pair{kModelPooling, &model.pooling},
          std::pair{kModelFingerprint, &model.weightsFingerprint}}) {
        auto value = metaValue(m_connection, key);
        if (!value)
            return value.error();
        *field = value->value_or(QString());
    }
    auto normalize = metaValue(m_connection, kModelNormalize);
    if (!normalize)
        return normalize.error();
    model.normalize = *normalize == QStringLiteral("1");
    return std::optional<ModelIdentity>(model);
}

Result<void> SqliteIndexMetadata::setModelIdentity(const ModelIdentity& model) {
    if (model.name.isEmpty() || model.dimension <= 0)
        return makeError(ErrorCode::InvalidArgument,
                         m_connection.path + QStringLiteral(": a model identity needs a name and "
                                                            "a positive dimension"));
    StoreConnection::WriteScope scope(m_connection);
    if (auto started = scope.start(); !started)
        return started;
    auto current = modelIdentity();
    if (!current)
        return current.error();
    if (*current && sameModel(**current, model))
        return scope.finish(false);
    if (*current) {
        auto any = holdsPassages(m_connection);
        if (!any)
            return any.error();
        if (*any)
            return makeError(ErrorCode::Mismatch,
                             m_connection.path +
                                 QStringLiteral(": holds vectors of the model '%1' (%2 "
                                                "dimensions); remove its documents before "
                                                "recording the model '%3' (%4 dimensions)")
                                     .arg((*current)->name)
                                     .arg((*current)->dimension)
                                     .arg(model.name)
                                     .arg(model.dimension));
    }
    const std::pair<QString, QString> values[] = {
        {kModelName, model.name},
        {kModelDimension, QString::number(model.dimension)},
        {kModelPooling, model.pooling},
        {kModelNormalize, model.normalize ? QStringLiteral("1") : QStringLiteral("0")},
        {kModelFingerprint, model.weightsFingerprint},
    };
    for (const auto& [key, value] : values)
        if (auto set = setMetaValue(m_connection, key, value); !set)
            return set;
    // Vectors from before (there are none now) and a cache of the old width are void.
    return scope.finish(true);
}

Result<std::optional<Precision>> SqliteIndexMetadata::precision() {
    auto recorded = metaValue(m_connection, kPrecisionKey);
    if (!recorded)
        return recorded.error();
    if (!*recorded)
        return std::optional<Precision>();
    const auto precision = parsePrecision(**recorded);
    if (!precision || *precision == Precision::Auto)
        return makeError(
            ErrorCode::Corrupt,
            m_connection.path +
                QStringLiteral(": the index records an unknown precision '%1'").arg(**recorded));
    return std::optional<Precision>(*precision);
}

Result<void> SqliteIndexMetadata::setPrecision(Precision precision) {
    if (precision == Precision::Auto)
        return makeError(ErrorCode::InvalidArgument,
                         m_connection.path +
                             QStringLiteral(": an index records a resolved precision, not auto"));
    return m_connection.write(
        false, [&] { return setMetaValue(m_connection, kPrecisionKey, precisionName(precision)); });
}

Result<std::int64_t> SqliteIndexMetadata::vectorGeneration() {
    auto value = metaInteger(m_connection, kGenerationKey);
    if (!value)
        return value.error();
    return value->value_or(0);
}

Result<std::optional<std::int64_t>> SqliteIndexMetadata::savedIndexGeneration() {
    return metaInteger(m_connection, kSavedGenerationKey);
}

Result<void> SqliteIndexMetadata::setSavedIndexGeneration(std::int64_t generation) {
    return m_connection.write(false, [&] {
        return setMetaValue(m_connection, kSavedGenerationKey, QString::number(generation));
    });
}

Result<int> SqliteIndexMetadata::schemaVersion() {
    return semsearch::schemaVersion(m_connection.db, m_connection.path);
}

Result<std::optional<QString>> SqliteIndexMetadata::value(const QString& key) {
    return metaValue(m_connection, key);
}

Result<void> SqliteIndexMetadata::setValue(const QString& key, const QString& value) {
    if (reservedKey(key))
        return makeError(ErrorCode::InvalidArgument,
                         m_connection.path +
                             QStringLiteral(": the metadata key '%1' is reserved").arg(key));
    return m_connection.write(false, [&] { return setMetaValue(m_connection, key, value); });
}

} // namespace semsearch
