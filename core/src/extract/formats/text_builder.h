#pragma once

// Builds a reader's text: inline text, paragraph ends, pages and sections, under the text
// limit. Paragraphs are separated by one blank line ("\n\n"), which is where the passage
// splitter ends passages; whitespace inside a paragraph is kept as given (addInline collapses
// it, as HTML renders it).

#include "shared/extract_protocol.h"

#include <QString>
#include <QStringView>

namespace semsearch::extractor {

class TextBuilder {
public:
    explicit TextBuilder(qint64 maxTextBytes);

    // Appends text as it is (line breaks kept).
    void add(QStringView text);
    // Appends text with every run of whitespace made one space, and none at a paragraph's
    // start.
    void addInline(QStringView text);
    // Ends the current line with "\n" (nothing at a paragraph's start).
    void lineBreak();
    // Ends the current paragraph (nothing when none is open).
    void endParagraph();
    // The text from here on is on `page` / under the heading `section` (a new paragraph).
    void startPage(int page);
    void startSection(const QString& section);

    // True once the text grew past the limit; the builder then ignores further text.
    bool overLimit() const { return m_overLimit; }
    // True when the text holds nothing but whitespace.
    bool blank() const;
    // The reply: ok with the text and places, or "more than N MiB of text", or "empty
    // document" when nothing but whitespace was found.
    ExtractReply finish();

private:
    void append(QStringView text);
    void addPlace();
    bool atParagraphStart() const;

    qint64 m_maxTextBytes = 0;
    qint64 m_textBytes = 0;
    bool m_overLimit = false;
    QString m_text;
    int m_page = 0;
    QString m_section;
    std::vector<DocumentPlace> m_places;
};

} // namespace semsearch::extractor
