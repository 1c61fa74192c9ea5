// An HTML page semsearch-extract reads (readHtml, through libxml2's HTML parser): any bytes,
// with or without a charset, a BOM or markup.

#include "document_reply_check.h"

using namespace semsearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool ready = (extractor::initReaders(), true);
    (void)ready;
    const ExtractLimits limits = fuzz::smallLimits();
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    fuzz::checkReply(extractor::readHtml(bytes, limits), limits);
    return 0;
}
