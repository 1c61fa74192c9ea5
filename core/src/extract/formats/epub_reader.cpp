// EPUB: META-INF/container.xml names the package document (OPF), whose spine lists the
// chapters in reading order; each chapter (XHTML) is read as HTML (html_text.h), so headings
// start sections as they do in a web page.

#include "extract/formats/html_text.h"
#include "extract/formats/readers.h"
#include "extract/formats/zip_document.h"

#include <QDir>
#include <QHash>
#include <QUrl>
#include <QXmlStreamReader>

namespace semsearch::extractor {

namespace {

// The OPF's path inside the archive: the first rootfile's full-path.
QString packagePath(const QByteArray& container) {
    QXmlStreamReader reader(container);
    while (!reader.atEnd())
        if (reader.readNext() == QXmlStreamReader::StartElement && reader.name() == u"rootfile")
            return reader.attributes().value(QLatin1String("full-path")).toString();
    return QString();
}

// The spine's chapters as archive paths, in reading order.
QStringList spine(const QByteArray& package, const QString& packageFolder) {
    QXmlStreamReader reader(package);
    QHash<QString, QString> manifest; // id -> href
    QStringList order;                // idrefs
    while (!reader.atEnd()) {
        if (reader.readNext() != QXmlStreamReader::StartElement)
            continue;
        const QXmlStreamAttributes attributes = reader.attributes();
        if (reader.name() == u"item")
            manifest.insert(attributes.value(QLatin1String("id")).toString(),
                            attributes.value(QLatin1String("href")).toString());
        else if (reader.name() == u"itemref" &&
                 attributes.value(QLatin1String("linear")).toString() != QLatin1String("no"))
            order << attributes.value(QLatin1String("idref")).toString();
    }
    QStringList chapters;
    for (const QString& id : order) {
        const QString href = QUrl::fromPercentEncoding(manifest.value(id).toUtf8());
        if (href.isEmpty())
            continue;
        const QString path = QDir::cleanPath(
            packageFolder.isEmpty() ? href : packageFolder + QLatin1Char('/') + href);
        if (!path.startsWith(QLatin1String("../")) && !chapters.contains(path))
            chapters << path;
    }
    return chapters;
}

} // namespace

ExtractReply readEpub(const QByteArray& bytes, const ExtractLimits& limits) {
    auto zip = ZipDocument::open(bytes, limits);
    if (!zip)
        return zipFailure(zip.error());
    auto container = zip->read("META-INF/container.xml");
    if (!container)
        return zipFailure(container.error());
    const QString opfPath = packagePath(*container);
    if (opfPath.isEmpty())
        return failure(QStringLiteral("damaged EPUB: META-INF/container.xml names no package"));
    auto package = zip->read(opfPath.toStdString());
    if (!package)
        return zipFailure(package.error());
    const QString folder =
        opfPath.contains(QLatin1Char('/')) ? opfPath.section(QLatin1Char('/'), 0, -2) : QString();
    TextBuilder builder(limits.maxTextBytes);
    for (const QString& chapter : spine(*package, folder)) {
        auto xhtml = zip->read(chapter.toStdString());
        if (!xhtml) {
            if (xhtml.error().code == ErrorCode::NotFound)
                continue; // a spine entry the archive lacks: the rest is still the book
            return zipFailure(xhtml.error());
        }
        builder.endParagraph();
        appendHtml(*xhtml, builder, false);
        if (builder.overLimit())
            break;
    }
    return builder.finish();
}

} // namespace semsearch::extractor
