// ODT (OpenDocument text): content.xml read with QXmlStreamReader. Paragraphs and headings
// (text:p, text:h; in lists, tables, frames and sections too) in document order; a text:h
// starts a section; a note's body (footnote or endnote) follows the paragraph it is anchored
// in. Annotations (comments) and tracked deletions are not the document's text.

#include "extract/formats/readers.h"
#include "extract/formats/text_builder.h"
#include "extract/formats/zip_document.h"

#include <QXmlStreamReader>

namespace semsearch::extractor {

namespace {

const QString kTextNamespace = QStringLiteral("urn:oasis:names:tc:opendocument:xmlns:text:1.0");

struct OdtParagraph {
    QString text;
    bool heading = false;
    QStringList notes; // bodies of the notes anchored here
};

class OdtWalk {
public:
    explicit OdtWalk(TextBuilder& builder) : m_builder(builder) {}

    bool run(const QByteArray& xml) {
        QXmlStreamReader reader(xml);
        while (!reader.atEnd() && !m_builder.overLimit()) {
            const QXmlStreamReader::TokenType token = reader.readNext();
            if (token == QXmlStreamReader::StartElement)
                start(reader);
            else if (token == QXmlStreamReader::EndElement)
                end(reader);
            else if (token == QXmlStreamReader::Characters && !m_open.empty())
                m_open.back().text += reader.text();
        }
        return !reader.hasError();
    }

private:
    void start(QXmlStreamReader& reader) {
        const QString name = reader.name().toString();
        if (name == QLatin1String("annotation") || name == QLatin1String("tracked-changes") ||
            name == QLatin1String("note-citation") || name == QLatin1String("title") ||
            name == QLatin1String("desc")) {
            reader.skipCurrentElement();
        } else if (name == QLatin1String("p") || name == QLatin1String("h")) {
            m_open.push_back({});
            m_open.back().heading = name == QLatin1String("h");
        } else if (m_open.empty()) {
            return;
        } else if (name == QLatin1String("s")) {
            const int count = reader.attributes().value(kTextNamespace, QLatin1String("c")).toInt();
            m_open.back().text += QString(std::max(count, 1), QLatin1Char(' '));
        } else if (name == QLatin1String("tab")) {
            m_open.back().text += QLatin1Char(' ');
        } else if (name == QLatin1String("line-break")) {
            m_open.back().text += QLatin1Char('\n');
        } else if (name == QLatin1String("note-body")) {
            m_noteOwners.push_back(m_open.size());
        }
    }

    void end(const QXmlStreamReader& reader) {
        const QStringView name = reader.name();
        if (name == u"note-body" && !m_noteOwners.empty()) {
            m_noteOwners.pop_back();
            return;
        }
        if ((name != u"p" && name != u"h") || m_open.empty())
            return;
        OdtParagraph paragraph = std::move(m_open.back());
        m_open.pop_back();
        if (!m_noteOwners.empty() && m_noteOwners.back() > 0) {
            // A paragraph of a note's body: it goes after the paragraph holding the note.
            QStringList& notes = m_open[m_noteOwners.back() - 1].notes;
            notes << paragraph.text.simplified();
            return;
        }
        write(paragraph);
    }

    void write(const OdtParagraph& paragraph) {
        if (paragraph.heading)
            m_builder.startSection(paragraph.text);
        m_builder.add(paragraph.text.trimmed());
        m_builder.endParagraph();
        for (const QString& note : paragraph.notes) {
            m_builder.add(note);
            m_builder.endParagraph();
        }
    }

    TextBuilder& m_builder;
    std::vector<OdtParagraph> m_open;
    std::vector<std::size_t> m_noteOwners; // m_open.size() when each open note body began
};

} // namespace

ExtractReply readOdt(const QByteArray& bytes, const ExtractLimits& limits) {
    auto zip = ZipDocument::open(bytes, limits);
    if (!zip)
        return zipFailure(zip.error());
    auto xml = zip->read("content.xml");
    if (!xml)
        return zipFailure(xml.error());
    TextBuilder builder(limits.maxTextBytes);
    if (!OdtWalk(builder).run(*xml) && builder.blank())
        return failure(QStringLiteral("damaged ODT document: content.xml is not XML"));
    return builder.finish();
}

} // namespace semsearch::extractor
