// Which reader takes a file. Shared by the core (which picks the reader) and semsearch-extract
// (which names formats in its protocol).

#include "semsearch/extract.h"

#include "shared/zip_archive.h"

#include <QFileInfo>

#include <optional>

namespace semsearch {

namespace {

bool startsWith(QByteArrayView bytes, QByteArrayView prefix) {
    return bytes.size() >= prefix.size() && bytes.first(prefix.size()) == prefix;
}

// A ZIP archive's kind from its entries: ODF and EPUB name themselves in a stored "mimetype"
// entry, Office Open XML has its main part at a fixed name. nullopt for other archives.
std::optional<DocumentFormat> zipFormat(QByteArrayView bytes) {
    auto archive = ZipArchive::read(reinterpret_cast<const unsigned char*>(bytes.data()),
                                    std::size_t(bytes.size()));
    if (!archive)
        return std::nullopt;
    if (const ZipEntry* mimetype = archive->find("mimetype"); mimetype && mimetype->size < 256) {
        if (auto contents = archive->contents(*mimetype)) {
            const QByteArrayView type(reinterpret_cast<const char*>(*contents),
                                      qsizetype(mimetype->size));
            if (type.trimmed() == "application/epub+zip")
                return DocumentFormat::Epub;
            if (type.trimmed() == "application/vnd.oasis.opendocument.text")
                return DocumentFormat::Odt;
        }
    }
    if (archive->find("word/document.xml"))
        return DocumentFormat::Docx;
    return std::nullopt; // another kind of archive: the extension decides
}

bool looksLikeHtml(QByteArrayView bytes) {
    QByteArrayView head = bytes.first(std::min<qsizetype>(bytes.size(), 1024));
    if (startsWith(head, "\xEF\xBB\xBF"))
        head = head.sliced(3);
    head = head.trimmed();
    const QByteArray lower =
        head.first(std::min<qsizetype>(head.size(), 15)).toByteArray().toLower();
    return lower.startsWith("<!doctype html") || lower.startsWith("<html");
}

} // namespace

QString formatName(DocumentFormat format) {
    switch (format) {
    case DocumentFormat::PlainText:
        return QStringLiteral("text");
    case DocumentFormat::Markdown:
        return QStringLiteral("markdown");
    case DocumentFormat::Html:
        return QStringLiteral("html");
    case DocumentFormat::Pdf:
        return QStringLiteral("pdf");
    case DocumentFormat::Docx:
        return QStringLiteral("docx");
    case DocumentFormat::Odt:
        return QStringLiteral("odt");
    case DocumentFormat::Epub:
        return QStringLiteral("epub");
    }
    return QString();
}

QString readerName(DocumentFormat format) {
    if (format == DocumentFormat::PlainText)
        return QStringLiteral("the text reader");
    if (format == DocumentFormat::Markdown)
        return QStringLiteral("the Markdown reader");
    return QStringLiteral("the %1 reader").arg(formatName(format).toUpper());
}

DocumentFormat detectFormat(const QString& path, QByteArrayView bytes) {
    if (startsWith(bytes, "%PDF-"))
        return DocumentFormat::Pdf;
    if (startsWith(bytes, "PK\x03\x04"))
        if (std::optional<DocumentFormat> format = zipFormat(bytes))
            return *format;
    if (looksLikeHtml(bytes))
        return DocumentFormat::Html;
    const QString extension = QFileInfo(path).suffix().toLower();
    if (extension == QLatin1String("md") || extension == QLatin1String("markdown"))
        return DocumentFormat::Markdown;
    if (extension == QLatin1String("html") || extension == QLatin1String("htm") ||
        extension == QLatin1String("xhtml"))
        return DocumentFormat::Html;
    if (extension == QLatin1String("pdf"))
        return DocumentFormat::Pdf;
    if (extension == QLatin1String("docx"))
        return DocumentFormat::Docx;
    if (extension == QLatin1String("odt"))
        return DocumentFormat::Odt;
    if (extension == QLatin1String("epub"))
        return DocumentFormat::Epub;
    return DocumentFormat::PlainText;
}

} // namespace semsearch
