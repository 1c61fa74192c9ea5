// A DOCX, ODT or EPUB document semsearch-extract reads (readDocx, readOdt, readEpub: the ZIP
// reader, then the XML inside through QXmlStreamReader). Byte 0 chooses the reader (its value
// modulo 3: DOCX, ODT, EPUB); the rest is the file.

#include "document_reply_check.h"

using namespace semsearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    static const bool ready = (extractor::initReaders(), true);
    (void)ready;
    const ExtractLimits limits = fuzz::smallLimits();
    const QByteArray bytes(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
    switch (data[0] % 3) {
    case 0:
        fuzz::checkReply(extractor::readDocx(bytes, limits), limits);
        break;
    case 1:
        fuzz::checkReply(extractor::readOdt(bytes, limits), limits);
        break;
    default:
        fuzz::checkReply(extractor::readEpub(bytes, limits), limits);
        break;
    }
    return 0;
}
