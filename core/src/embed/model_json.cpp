#include "embed/model_json.h"

#include "embed/model_file.h"

#include <cmath>

namespace semsearch {

Result<ModelJson> ModelJson::read(const QString& path) {
    auto object = readModelJsonObject(path);
    if (!object)
        return object.error();
    return ModelJson(path, std::move(object).value());
}

Result<bool> ModelJson::flag(const char* key, bool fallback) const {
    const QJsonValue found = value(key);
    if (found.isUndefined())
        return fallback;
    if (!found.isBool())
        return makeError(
            ErrorCode::Corrupt,
            m_path + QStringLiteral(": '%1' must be true or false").arg(QLatin1String(key)));
    return found.toBool();
}

Result<int> ModelJson::positiveInteger(const char* key, int maximum, int fallback) const {
    const QJsonValue found = value(key);
    if (found.isUndefined() && fallback > 0)
        return fallback;
    const double number = found.toDouble(-1);
    if (!found.isDouble() || number < 1 || number != std::floor(number))
        return makeError(
            ErrorCode::Corrupt,
            m_path + QStringLiteral(": '%1' must be a positive integer").arg(QLatin1String(key)));
    if (number > maximum)
        return makeError(ErrorCode::Corrupt,
                         m_path + QStringLiteral(": '%1' is %2, more than any model semsearch can "
                                                 "run has (at most %3)")
                                      .arg(QLatin1String(key))
                                      .arg(number, 0, 'g', 12)
                                      .arg(maximum));
    return static_cast<int>(number);
}

} // namespace semsearch
