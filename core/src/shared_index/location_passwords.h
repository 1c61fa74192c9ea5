#pragma once

// The passwords written into a location, as typed and percent-decoded, so that a message that
// echoes part of the location (libpq's URI parse errors do) can have them cut out before anyone
// sees it. Used at connect time only; nothing keeps them.

#include <QString>
#include <QStringList>

namespace semsearch {

QStringList passwordsInLocation(const QString& location);

// `message` with every password of `location` replaced by "***".
QString withoutPasswords(QString message, const QString& location);

} // namespace semsearch
