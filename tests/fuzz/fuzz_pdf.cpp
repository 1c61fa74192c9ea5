// A PDF semsearch-extract reads (readPdf: poppler, then our page text, hyphen joining and
// running headers and footers left out). poppler is a large parser of its own: this target
// mostly checks our code around it and the promises of its reply.

#include "document_reply_check.h"

using namespace semsearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ExtractLimits limits = fuzz::smallLimits();
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    fuzz::checkReply(extractor::readPdf(bytes, limits), limits);
    return 0;
}
