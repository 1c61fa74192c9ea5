// PDF through poppler's C++ interface (libpoppler-cpp): each page's text in reading order (the
// layout pdftotext uses by default), one paragraph break between pages, words hyphenated at a
// line's end joined again, and running headers and footers left out (running_lines.h).

#include "extract/formats/readers.h"
#include "extract/formats/running_lines.h"
#include "extract/formats/text_builder.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <memory>
#include <vector>

namespace semsearch::extractor {

namespace {

// poppler reports every syntax problem of a damaged file on stderr; the reply says it instead.
void ignoreDiagnostic(const std::string&, void*) {}

bool isHyphen(QChar c) {
    return c == QLatin1Char('-') || c == QChar(0x00AD) || c == QChar(0x2010);
}

// "hyphen-\nated" -> "hyphenated": a hyphen between a letter and a line break followed by a
// lower-case letter is taken for a break inside a word. (A compound broken at its own hyphen,
// "well-\nknown", loses the hyphen too; that costs a word piece, not a sentence.)
QString joinHyphenatedWords(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (isHyphen(text[i]) && i > 0 && text[i - 1].isLetter() && i + 2 < text.size() &&
            text[i + 1] == QLatin1Char('\n') && text[i + 2].isLower()) {
            ++i; // drop the hyphen and the line break
            continue;
        }
        out.append(text[i]);
    }
    return out;
}

QString pageText(const poppler::page& page) {
    const poppler::byte_array utf8 =
        page.text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
    QString text = QString::fromUtf8(utf8.data(), qsizetype(utf8.size()));
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    text.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    text.replace(QLatin1Char('\f'), QLatin1Char('\n'));
    return joinHyphenatedWords(text.trimmed());
}

} // namespace

ExtractReply readPdf(const QByteArray& bytes, const ExtractLimits& limits) {
    poppler::set_debug_error_function(ignoreDiagnostic, nullptr);
    if (!bytes.startsWith("%PDF-"))
        return failure(QStringLiteral("not a PDF file"));
    std::unique_ptr<poppler::document> document(
        poppler::document::load_from_raw_data(bytes.constData(), int(bytes.size())));
    if (!document)
        return failure(QStringLiteral("damaged PDF"));
    if (document->is_locked())
        return failure(QStringLiteral("password-protected PDF"));
    const int pages = document->pages();
    if (limits.maxPages > 0 && pages > limits.maxPages)
        return failure(QStringLiteral("more than %1 pages (%2)").arg(limits.maxPages).arg(pages));
    if (pages == 0)
        return failure(QStringLiteral("damaged PDF: no pages"));

    // All pages are read before any is added: headers and footers are known by their repeats.
    // Reading stops once the text alone is over the limit (a UTF-16 code unit is at least one
    // byte of UTF-8), and then nothing is dropped, so that the builder sees it over too.
    std::vector<QString> texts;
    qint64 units = 0;
    const bool capped = limits.maxTextBytes > 0;
    for (int i = 0; i < pages && !(capped && units > limits.maxTextBytes); ++i) {
        std::unique_ptr<poppler::page> page(document->create_page(i));
        texts.push_back(page ? pageText(*page) : QString());
        units += texts.back().size();
    }
    if (!(capped && units > limits.maxTextBytes))
        dropRunningLines(texts);
    TextBuilder builder(limits.maxTextBytes);
    for (std::size_t i = 0; i < texts.size() && !builder.overLimit(); ++i) {
        builder.startPage(int(i) + 1);
        builder.add(texts[i]);
    }
    if (!builder.overLimit() && builder.blank())
        return failure(QStringLiteral("no text layer: scanned pages?"));
    return builder.finish();
}

} // namespace semsearch::extractor
