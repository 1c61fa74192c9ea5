#include "shared/printable_name.h"

#include "semsearch/printable_text.h"

namespace semsearch {

QString printableName(const std::string& bytes) {
    constexpr qsizetype kMaxCharacters = 200;
    return printableText(QByteArrayView(bytes), kMaxCharacters);
}

} // namespace semsearch
