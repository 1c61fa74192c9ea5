#include "semsearch/model_identity.h"

#include "semsearch/store.h"

namespace semsearch {

ModelIdentity modelIdentity(const ModelInfo& model) {
    ModelIdentity identity;
    identity.name = model.name;
    identity.dimension = model.dimension();
    identity.pooling = poolingName(model.pooling);
    identity.normalize = model.normalize;
    identity.weightsFingerprint = model.weightsFingerprint;
    return identity;
}

bool sameVectors(const ModelIdentity& a, const ModelIdentity& b) {
    return a.dimension == b.dimension && a.pooling == b.pooling && a.normalize == b.normalize &&
           a.weightsFingerprint == b.weightsFingerprint;
}

QString describeModel(const ModelIdentity& model) {
    return QStringLiteral("'%1' (%2 dimensions, %3 pooling)")
        .arg(model.name)
        .arg(model.dimension)
        .arg(model.pooling);
}

} // namespace semsearch
