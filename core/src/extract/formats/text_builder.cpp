#include "extract/formats/text_builder.h"

#include "extract/byte_size_text.h"

namespace semsearch::extractor {

namespace {

qint64 utf8Bytes(QStringView text) {
    qint64 bytes = 0;
    for (const QChar c : text)
        bytes += c.unicode() < 0x80 ? 1 : c.unicode() < 0x800 ? 2 : c.isSurrogate() ? 2 : 3;
    return bytes;
}

} // namespace

TextBuilder::TextBuilder(qint64 maxTextBytes) : m_maxTextBytes(maxTextBytes) {}

void TextBuilder::append(QStringView text) {
    if (m_overLimit || text.isEmpty())
        return;
    if (m_places.empty() || m_places.back().page != m_page || m_places.back().section != m_section)
        addPlace();
    m_textBytes += utf8Bytes(text);
    if (m_maxTextBytes > 0 && m_textBytes > m_maxTextBytes) {
        m_overLimit = true;
        return;
    }
    m_text.append(text);
}

void TextBuilder::addPlace() {
    if (!m_places.empty() && m_places.back().start == m_text.size())
        m_places.pop_back(); // nothing was written under the previous place
    m_places.push_back({m_text.size(), m_page, m_section});
}

bool TextBuilder::atParagraphStart() const {
    return m_text.isEmpty() || m_text.endsWith(QLatin1String("\n\n"));
}

void TextBuilder::add(QStringView text) {
    append(text);
}

void TextBuilder::addInline(QStringView text) {
    QString collapsed;
    collapsed.reserve(text.size());
    bool space = atParagraphStart() || m_text.endsWith(QLatin1Char(' ')) ||
                 m_text.endsWith(QLatin1Char('\n'));
    for (const QChar c : text) {
        if (c.isSpace()) {
            if (!space)
                collapsed.append(QLatin1Char(' '));
            space = true;
        } else {
            collapsed.append(c);
            space = false;
        }
    }
    append(collapsed);
}

void TextBuilder::lineBreak() {
    if (atParagraphStart())
        return;
    while (m_text.endsWith(QLatin1Char(' ')))
        m_text.chop(1);
    append(u"\n");
}

void TextBuilder::endParagraph() {
    if (atParagraphStart())
        return;
    while (m_text.endsWith(QLatin1Char(' ')) || m_text.endsWith(QLatin1Char('\n')))
        m_text.chop(1);
    append(u"\n\n");
}

void TextBuilder::startPage(int page) {
    endParagraph();
    m_page = page;
}

void TextBuilder::startSection(const QString& section) {
    endParagraph();
    m_section = section.simplified();
}

bool TextBuilder::blank() const {
    for (const QChar c : m_text)
        if (!c.isSpace())
            return false;
    return true;
}

ExtractReply TextBuilder::finish() {
    ExtractReply reply;
    if (m_overLimit) {
        reply.problem =
            QStringLiteral("more than %1 of text").arg(detail::byteSizeText(m_maxTextBytes));
        return reply;
    }
    if (blank()) {
        reply.problem = QStringLiteral("empty document");
        return reply;
    }
    while (m_text.endsWith(QLatin1Char('\n')) || m_text.endsWith(QLatin1Char(' ')))
        m_text.chop(1);
    while (!m_places.empty() && m_places.back().start >= m_text.size())
        m_places.pop_back();
    reply.ok = true;
    reply.text = std::move(m_text);
    reply.places = std::move(m_places);
    return reply;
}

} // namespace semsearch::extractor
