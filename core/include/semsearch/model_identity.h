#pragma once

// Which vectors a model makes, and whether two models make the same ones. An index records the
// identity of the model that built it (ModelIdentity, stored by the store); the indexer refuses
// to add, and the searcher to rank, vectors of a model whose identity differs.

#include "semsearch/model.h"

#include <QString>

namespace semsearch {

// Defined in store.h, beside the other records an index keeps.
struct ModelIdentity;

// The identity an index records for the vectors `model` makes.
ModelIdentity modelIdentity(const ModelInfo& model);
// True when the two make interchangeable vectors: the same weights fingerprint, dimension,
// pooling and normalisation. The name (the model folder's) may differ.
bool sameVectors(const ModelIdentity& a, const ModelIdentity& b);
// "'bert-base-nli-max-tokens' (768 dimensions, max pooling)", for messages.
QString describeModel(const ModelIdentity& model);

} // namespace semsearch
