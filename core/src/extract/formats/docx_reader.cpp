// DOCX (Office Open XML): word/document.xml read with QXmlStreamReader. Paragraphs (in tables,
// lists, content controls and text boxes too) in document order; a paragraph whose style is a
// heading (Heading1..9, Title) or that has an outline level starts a section; footnotes and
// endnotes (word/footnotes.xml, word/endnotes.xml) follow the paragraph that refers to them.
// Deleted text of tracked changes and field instructions are not text.

#include "extract/formats/readers.h"
#include "extract/formats/text_builder.h"
#include "extract/formats/zip_document.h"

#include <QHash>
#include <QXmlStreamReader>

#include <functional>

namespace semsearch::extractor {

namespace {

struct WordParagraph {
    QString text;
    bool heading = false;
    QStringList notes; // "f1", "e2": footnote and endnote ids referred to
    QString owner;     // footnotes.xml: the id of the note it belongs to ("f1")
};

// WordprocessingML attributes are namespaced; the prefix is the producer's choice.
QString wordAttribute(const QXmlStreamReader& reader, const char* name) {
    return reader.attributes()
        .value(QStringLiteral("http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
               QLatin1String(name))
        .toString();
}

bool isHeadingStyle(const QString& style) {
    return style.startsWith(QLatin1String("heading"), Qt::CaseInsensitive) ||
           style.compare(QLatin1String("title"), Qt::CaseInsensitive) == 0;
}

// Calls `done` with every paragraph of a WordprocessingML part, in order. Paragraphs inside
// paragraphs (text boxes) come before the one that holds them.
bool forEachParagraph(const QByteArray& xml, const std::function<void(WordParagraph&&)>& done) {
    QXmlStreamReader reader(xml);
    std::vector<WordParagraph> open;
    QString owner;
    while (!reader.atEnd()) {
        const QXmlStreamReader::TokenType token = reader.readNext();
        const QStringView name = reader.name();
        if (token == QXmlStreamReader::StartElement) {
            if (name == u"footnote" || name == u"endnote") {
                owner = (name == u"footnote" ? QStringLiteral("f") : QStringLiteral("e")) +
                        wordAttribute(reader, "id");
            } else if (name == u"p") {
                open.push_back({});
                open.back().owner = owner;
            } else if (open.empty()) {
                continue;
            } else if (name == u"t") {
                open.back().text += reader.readElementText();
            } else if (name == u"tab") {
                open.back().text += QLatin1Char(' ');
            } else if (name == u"br" || name == u"cr") {
                open.back().text += QLatin1Char('\n');
            } else if (name == u"pStyle") {
                open.back().heading |= isHeadingStyle(wordAttribute(reader, "val"));
            } else if (name == u"outlineLvl") {
                open.back().heading |= wordAttribute(reader, "val").toInt() < 9;
            } else if (name == u"footnoteReference" || name == u"endnoteReference") {
                open.back().notes << (name == u"footnoteReference" ? QStringLiteral("f")
                                                                   : QStringLiteral("e")) +
                                         wordAttribute(reader, "id");
            } else if (name == u"delText" || name == u"instrText") {
                reader.skipCurrentElement();
            }
        } else if (token == QXmlStreamReader::EndElement && name == u"p" && !open.empty()) {
            WordParagraph paragraph = std::move(open.back());
            open.pop_back();
            done(std::move(paragraph));
        }
    }
    return !reader.hasError();
}

// Footnote or endnote id -> its text, from footnotes.xml or endnotes.xml when present.
Result<void> readNotes(ZipDocument& zip, const char* part, QHash<QString, QString>& notes) {
    if (!zip.contains(part))
        return {};
    auto xml = zip.read(part);
    if (!xml)
        return xml.error();
    forEachParagraph(*xml, [&](WordParagraph&& paragraph) {
        QString& note = notes[paragraph.owner];
        if (!note.isEmpty())
            note += QLatin1Char(' ');
        note += paragraph.text.simplified();
    });
    return {};
}

} // namespace

ExtractReply readDocx(const QByteArray& bytes, const ExtractLimits& limits) {
    auto zip = ZipDocument::open(bytes, limits);
    if (!zip)
        return zipFailure(zip.error());
    if (!zip->contains("word/document.xml"))
        return failure(QStringLiteral("not a DOCX document: no word/document.xml"));
    auto xml = zip->read("word/document.xml");
    if (!xml)
        return zipFailure(xml.error());
    QHash<QString, QString> notes;
    for (const char* part : {"word/footnotes.xml", "word/endnotes.xml"})
        if (auto read = readNotes(*zip, part, notes); !read)
            return zipFailure(read.error());

    TextBuilder builder(limits.maxTextBytes);
    const bool wellFormed = forEachParagraph(*xml, [&](WordParagraph&& paragraph) {
        if (paragraph.heading)
            builder.startSection(paragraph.text);
        builder.add(paragraph.text.trimmed());
        builder.endParagraph();
        for (const QString& id : paragraph.notes) {
            builder.add(notes.value(id));
            builder.endParagraph();
        }
    });
    if (!wellFormed && builder.blank())
        return failure(QStringLiteral("damaged DOCX document: word/document.xml is not XML"));
    return builder.finish();
}

} // namespace semsearch::extractor
