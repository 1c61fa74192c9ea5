// Markdown: CommonMark's block and inline markup, recognised line by line and left out of the
// text by marking characters to drop. Line breaks are never dropped, so lines (and paragraph
// breaks) stay where the file has them. The rules are the common cases of CommonMark and GitHub
// Flavored Markdown, not the whole grammar: what is not recognised stays in the text as it is,
// which costs a stray mark in a passage, never a lost word.

#include "extract/markdown_reader.h"

#include <QRegularExpression>

#include <algorithm>
#include <deque>

namespace semsearch {

namespace {

struct Line {
    qsizetype start = 0; // text position of its first character
    qsizetype end = 0;   // of its line break (or the end of the text)
};

std::vector<Line> splitLines(const QString& text) {
    std::vector<Line> lines;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == QLatin1Char('\n') || text[i] == QLatin1Char('\r')) {
            lines.push_back({start, i});
            if (i + 1 < text.size() && text[i] == QLatin1Char('\r') &&
                text[i + 1] == QLatin1Char('\n'))
                ++i;
            start = i + 1;
        }
    }
    return lines;
}

const QRegularExpression& pattern(const char* expression) {
    // One compiled expression per call site: callers pass string literals.
    // A deque: references to its elements stay valid as it grows.
    thread_local std::deque<std::pair<const char*, QRegularExpression>> cache;
    for (const auto& entry : cache)
        if (entry.first == expression)
            return entry.second;
    cache.emplace_back(expression, QRegularExpression(QString::fromLatin1(expression)));
    return cache.back().second;
}

class MarkdownScan {
public:
    explicit MarkdownScan(const QString& text)
        : m_text(text), m_drop(std::size_t(text.size()), false), m_lines(splitLines(text)) {}

    void run();

    std::vector<bool> drops() const { return m_drop; }
    // Headings found: text position where the heading's words begin, and its line.
    const std::vector<std::pair<qsizetype, Line>>& headings() const { return m_headings; }

private:
    QStringView lineText(const Line& line) const {
        return QStringView(m_text).mid(line.start, line.end - line.start);
    }
    bool matches(const Line& line, const char* expression) const {
        return pattern(expression).match(lineText(line)).hasMatch();
    }
    void drop(qsizetype from, qsizetype to) {
        for (qsizetype i = std::max<qsizetype>(from, 0); i < to && i < m_text.size(); ++i)
            if (m_text[i] != QLatin1Char('\n') && m_text[i] != QLatin1Char('\r'))
                m_drop[std::size_t(i)] = true;
    }
    void dropLine(const Line& line) { drop(line.start, line.end); }
    // Drops the part of the line the expression's first match covers; returns its end.
    qsizetype dropPrefix(const Line& line, const char* expression) {
        const QRegularExpressionMatch match = pattern(expression).match(lineText(line));
        if (!match.hasMatch())
            return line.start;
        drop(line.start + match.capturedStart(), line.start + match.capturedEnd());
        return line.start + match.capturedEnd();
    }
    bool isTableDelimiter(const Line& line) const {
        return lineText(line).contains(QLatin1Char('-')) &&
               matches(line, R"(^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$)");
    }

    void block(std::size_t index);
    void inlineMarkup(qsizetype from, qsizetype to);
    void dropHtmlComments();

    const QString& m_text;
    std::vector<bool> m_drop;
    std::vector<Line> m_lines;
    std::vector<std::pair<qsizetype, Line>> m_headings;
};

void MarkdownScan::run() {
    dropHtmlComments();
    bool inFence = false;
    QString fence;
    bool inTable = false;
    for (std::size_t i = 0; i < m_lines.size(); ++i) {
        const Line& line = m_lines[i];
        const QString trimmed = lineText(line).trimmed().toString();
        if (inFence) {
            if (trimmed.startsWith(fence) && trimmed.count(fence.at(0)) == trimmed.size()) {
                inFence = false;
                dropLine(line);
            }
            continue;
        }
        if (matches(line, R"(^ {0,3}(```+|~~~+))")) {
            inFence = true;
            fence = trimmed.left(trimmed.indexOf(QRegularExpression(QStringLiteral("[^`~]"))));
            if (fence.isEmpty())
                fence = trimmed;
            dropLine(line);
            continue;
        }
        if (i + 1 < m_lines.size() && isTableDelimiter(m_lines[i + 1]) &&
            lineText(line).contains(QLatin1Char('|')))
            inTable = true;
        else if (!lineText(line).contains(QLatin1Char('|')))
            inTable = false;
        if (inTable && isTableDelimiter(line)) {
            dropLine(line);
            continue;
        }
        if (inTable)
            for (qsizetype k = line.start; k < line.end; ++k)
                if (m_text[k] == QLatin1Char('|') && (k == 0 || m_text[k - 1] != QLatin1Char('\\')))
                    drop(k, k + 1);
        block(i);
    }
}

// Block markup of line `index` other than fences and tables, then its inline markup.
void MarkdownScan::block(std::size_t index) {
    const Line& line = m_lines[index];
    // Setext underlines, thematic breaks and link reference definitions carry no words.
    if (matches(line, R"(^ {0,3}(=+|-+) *$)") && index > 0 &&
        !lineText(m_lines[index - 1]).trimmed().isEmpty()) {
        m_headings.push_back({m_lines[index - 1].start, m_lines[index - 1]});
        dropLine(line);
        return;
    }
    if (matches(line, R"(^ {0,3}([-*_])( *\1){2,} *$)") ||
        matches(line, R"(^ {0,3}\[[^\]]+\]: *\S+.*$)")) {
        dropLine(line);
        return;
    }
    qsizetype start = dropPrefix(line, R"(^( {0,3}> ?)+)");
    const Line rest{start, line.end};
    if (const qsizetype after = dropPrefix(rest, R"(^ {0,3}#{1,6}( +|$))"); after > start) {
        dropPrefix(Line{after, line.end}, R"(( +#+)? *$)");
        m_headings.push_back({after, line});
        inlineMarkup(after, line.end);
        return;
    }
    start = dropPrefix(rest, R"(^ *([-*+]|\d{1,9}[.)]) +(\[[ xX]\] +)?)");
    inlineMarkup(start, line.end);
    return;
}

void MarkdownScan::dropHtmlComments() {
    for (qsizetype from = 0;;) {
        const qsizetype open = m_text.indexOf(QLatin1String("<!--"), from);
        if (open < 0)
            return;
        const qsizetype close = m_text.indexOf(QLatin1String("-->"), open + 4);
        const qsizetype end = close < 0 ? m_text.size() : close + 3;
        drop(open, end);
        from = end;
    }
}

// Inline markup in [from, to): code spans, images and links, autolinks and HTML tags,
// emphasis and strike-through marks, backslash escapes.
void MarkdownScan::inlineMarkup(qsizetype from, qsizetype to) {
    const QStringView text = QStringView(m_text).mid(from, to - from);
    // Link and image targets: "](target)", "][ref]" and the "[" or "![" that opens them.
    QRegularExpressionMatchIterator links =
        pattern(R"((!?\[)((?:[^\[\]]|\[[^\]]*\])*)(\]\([^)]*\)|\]\[[^\]]*\]))").globalMatch(text);
    while (links.hasNext()) {
        const QRegularExpressionMatch match = links.next();
        drop(from + match.capturedStart(1), from + match.capturedEnd(1));
        drop(from + match.capturedStart(3), from + match.capturedEnd(3));
    }
    QRegularExpressionMatchIterator tags =
        pattern(R"(</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<(?=[a-z]+://)|(?<=[^\s<>])>)")
            .globalMatch(text);
    while (tags.hasNext()) {
        const QRegularExpressionMatch match = tags.next();
        const bool autolinkEnd = match.captured(0) == QLatin1String(">");
        if (!autolinkEnd || text.left(match.capturedStart()).contains(QLatin1String("://")))
            drop(from + match.capturedStart(), from + match.capturedEnd());
    }
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        const bool before = i > 0 && text[i - 1].isLetterOrNumber();
        const bool after = i + 1 < text.size() && text[i + 1].isLetterOrNumber();
        if (c == QLatin1Char('\\') && i + 1 < text.size() && text[i + 1].unicode() < 0x80 &&
            text[i + 1].isPunct()) {
            drop(from + i, from + i + 1);
            ++i; // the escaped character stays
        } else if (c == QLatin1Char('`') || c == QLatin1Char('~')) {
            qsizetype run = i;
            while (run < text.size() && text[run] == c)
                ++run;
            if (c == QLatin1Char('`') || run - i >= 2)
                drop(from + i, from + run);
            i = run - 1;
        } else if (c == QLatin1Char('*') || (c == QLatin1Char('_') && !(before && after))) {
            // Emphasis marks touch a word on one side; "a * b" is arithmetic, snake_case a name.
            const bool spaceBefore = i == 0 || text[i - 1].isSpace();
            const bool spaceAfter = i + 1 >= text.size() || text[i + 1].isSpace();
            if (!(spaceBefore && spaceAfter))
                drop(from + i, from + i + 1);
        }
    }
}

} // namespace

DocumentText readMarkdown(DocumentText decoded) {
    MarkdownScan scan(decoded.text);
    scan.run();
    const std::vector<bool> drops = scan.drops();
    const QString& original = decoded.text;

    // The kept text, where each original position went, and where each run starts.
    QString kept;
    kept.reserve(original.size());
    std::vector<qsizetype> keptBefore(std::size_t(original.size()) + 1, 0);
    std::vector<qsizetype> runStarts; // original positions
    std::vector<TextRun> runs;
    for (qsizetype i = 0; i < original.size(); ++i) {
        keptBefore[std::size_t(i)] = kept.size();
        if (drops[std::size_t(i)])
            continue;
        if (i == 0 || drops[std::size_t(i - 1)] || runStarts.empty()) {
            runStarts.push_back(i);
            runs.push_back({kept.size(), 0});
        }
        kept.append(original[i]);
    }
    keptBefore[std::size_t(original.size())] = kept.size();
    const std::vector<qint64> runBytes = byteOffsets(decoded, runStarts);
    for (std::size_t r = 0; r < runs.size(); ++r)
        runs[r].byteStart = runBytes[r];

    DocumentText document = std::move(decoded);
    std::vector<qsizetype> invalid;
    for (qsizetype position : document.invalidBytes)
        if (!drops[std::size_t(position)])
            invalid.push_back(keptBefore[std::size_t(position)]);
    for (const auto& [start, line] : scan.headings()) {
        const qsizetype from = keptBefore[std::size_t(start)];
        const qsizetype to = keptBefore[std::size_t(line.end)];
        const QString heading = kept.mid(from, to - from).simplified();
        if (!heading.isEmpty())
            document.places.push_back({keptBefore[std::size_t(line.start)], 0, heading});
    }
    if (!document.places.empty() && document.places.front().start > 0)
        document.places.insert(document.places.begin(), DocumentPlace{0, 0, QString()});
    if (runs.empty())
        runs.push_back({0, document.byteOffset(document.text.size())});
    document.text = std::move(kept);
    document.invalidBytes = std::move(invalid);
    document.runs = std::move(runs);
    document.format = DocumentFormat::Markdown;
    return document;
}

} // namespace semsearch
