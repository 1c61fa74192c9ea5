#include "extract/formats/readers.h"

#include <libxml/parser.h>

namespace semsearch::extractor {

ExtractReply failure(const QString& problem) {
    ExtractReply reply;
    reply.problem = problem;
    return reply;
}

void initReaders() {
    xmlInitParser();
}

ExtractReply readDocument(const ExtractRequest& request) {
    if (request.bytes.isEmpty())
        return failure(QStringLiteral("empty file"));
    switch (request.format) {
    case DocumentFormat::Pdf:
        return readPdf(request.bytes, request.limits);
    case DocumentFormat::Html:
        return readHtml(request.bytes, request.limits);
    case DocumentFormat::Docx:
        return readDocx(request.bytes, request.limits);
    case DocumentFormat::Odt:
        return readOdt(request.bytes, request.limits);
    case DocumentFormat::Epub:
        return readEpub(request.bytes, request.limits);
    case DocumentFormat::PlainText:
    case DocumentFormat::Markdown:
        break;
    }
    return failure(QStringLiteral("cannot read %1 here").arg(formatName(request.format)));
}

} // namespace semsearch::extractor
