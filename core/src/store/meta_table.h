#pragma once

// The meta table (key, value) as the store's parts share it: SqliteIndexMetadata reads and
// writes it, the documents need the model's dimension, every commit that changed vectors moves
// the vector generation on, and the health check parses the counters.

#include "semsearch/error.h"

#include <QLatin1String>
#include <QString>

#include <cstdint>
#include <optional>

namespace semsearch {

struct StoreConnection;

// Keys of the meta table that belong to the store itself (setValue() refuses them).
inline constexpr QLatin1String kGenerationKey("vector_generation");
inline constexpr QLatin1String kSavedGenerationKey("saved_index_generation");
inline constexpr QLatin1String kPrecisionKey("precision");
inline constexpr QLatin1String kModelKeyPrefix("model_");
inline constexpr QLatin1String kModelName("model_name");
inline constexpr QLatin1String kModelDimension("model_dimension");
inline constexpr QLatin1String kModelPooling("model_pooling");
inline constexpr QLatin1String kModelNormalize("model_normalize");
inline constexpr QLatin1String kModelFingerprint("model_weights_fingerprint");

Result<std::optional<QString>> metaValue(StoreConnection& connection, const QString& key);
Result<void> setMetaValue(StoreConnection& connection, const QString& key, const QString& value);
// Corrupt when the stored value is not an integer.
Result<std::optional<std::int64_t>> metaInteger(StoreConnection& connection, const QString& key);
// The model identity's dimension; InvalidArgument when none is recorded, Corrupt when the
// stored one is impossible.
Result<int> storedDimension(StoreConnection& connection);
// Moves the vector generation on by one (inside the caller's write).
Result<void> bumpGeneration(StoreConnection& connection);
// Whether any passage is stored.
Result<bool> holdsPassages(StoreConnection& connection);

} // namespace semsearch
