#pragma once

// Shared by the fuzz targets of the document readers of semsearch-extract (html, zip_document,
// pdf): the promises of an ExtractReply (core/src/extract/formats/readers.h and
// core/src/shared/extract_protocol.h), checked on whatever a reader made of the input, and the
// reply's trip through the helper's protocol.

#include "fuzz_support.h"

#include "extract/formats/readers.h"
#include "shared/extract_protocol.h"

namespace semsearch::fuzz {

// Small limits, so that the limits' own paths are reached and no input runs for long.
inline ExtractLimits smallLimits() {
    ExtractLimits limits;
    limits.maxTextBytes = 64 * 1024;
    limits.maxPages = 50;
    limits.maxUnpackedBytes = 4 * 1024 * 1024;
    limits.maxEntries = 200;
    return limits;
}

inline void checkReply(const ExtractReply& reply, const ExtractLimits& limits) {
    if (!reply.ok) {
        // One line naming the problem, and nothing else.
        FUZZ_CHECK(!reply.problem.isEmpty());
        FUZZ_CHECK(!reply.problem.contains(QLatin1Char('\n')));
        FUZZ_CHECK(reply.text.isEmpty() && reply.places.empty());
        return;
    }
    FUZZ_CHECK(reply.text.toUtf8().size() <= limits.maxTextBytes);
    for (std::size_t i = 0; i < reply.places.size(); ++i) {
        const DocumentPlace& place = reply.places[i];
        FUZZ_CHECK(place.start >= 0 && place.start <= reply.text.size());
        FUZZ_CHECK(place.page >= 0 && place.page <= limits.maxPages);
        FUZZ_CHECK(i == 0 || reply.places[i - 1].start <= place.start);
    }
    // The client accepts what the helper sends, unchanged.
    auto decoded = decodeReply(encodeReply(reply));
    FUZZ_CHECK(decoded.ok());
    FUZZ_CHECK(decoded->ok && decoded->text == reply.text);
    FUZZ_CHECK(decoded->places.size() == reply.places.size());
}

} // namespace semsearch::fuzz
