#pragma once

#include <QString>

#include <string>

namespace semsearch {

// A name read from a file (a tensor, a ZIP entry, a pickle global) made safe for a one-line
// message: printableText() cut to 200 characters.
QString printableName(const std::string& bytes);

} // namespace semsearch
