#include "extract/formats/running_lines.h"

#include <QHash>
#include <QSet>
#include <QStringList>

#include <algorithm>

namespace semsearch::extractor {

namespace {

// The line with each run of digits made one '#' and its spaces simplified: "- 12 -" and "- 3 -"
// both become "- # -".
QString lineKey(const QString& line) {
    QString key;
    bool inDigits = false;
    for (QChar c : line) {
        if (c.isDigit()) {
            if (!inDigits)
                key += QLatin1Char('#');
            inDigits = true;
        } else {
            key += c;
            inDigits = false;
        }
    }
    return key.simplified();
}

// The indexes of the first (or last) kEdgeLines non-blank lines.
std::vector<int> edgeLines(const QStringList& lines, bool fromEnd) {
    std::vector<int> found;
    for (int n = 0; n < lines.size() && int(found.size()) < kEdgeLines; ++n) {
        const int i = fromEnd ? int(lines.size()) - 1 - n : n;
        if (!lines[i].trimmed().isEmpty())
            found.push_back(i);
    }
    return found;
}

// Marks in `drop` the lines at one edge (top or bottom) whose key is at that edge on enough
// pages.
void markRunningLines(const std::vector<QStringList>& lines, bool fromEnd,
                      std::vector<std::vector<bool>>& drop) {
    QHash<QString, std::size_t> pagesWith;
    for (const QStringList& page : lines) {
        QSet<QString> keys;
        for (int i : edgeLines(page, fromEnd))
            keys.insert(lineKey(page[i]));
        for (const QString& key : keys)
            ++pagesWith[key];
    }
    const std::size_t needed = std::max(kMinRepeats, (lines.size() + 1) / 2);
    for (std::size_t p = 0; p < lines.size(); ++p)
        for (int i : edgeLines(lines[p], fromEnd))
            if (pagesWith.value(lineKey(lines[p][i])) >= needed)
                drop[p][std::size_t(i)] = true;
}

// Whether `line` is nothing but the number `number`, maybe set off by spaces, dashes, dots or
// brackets ("2", "- 2 -", "-2-", "[2]", "2.").
bool isPageNumber(const QString& line, int number) {
    static const QString setOff = QStringLiteral(" \t-\u2013\u2014.()[]");
    QString digits;
    for (QChar c : line) {
        if (c.isDigit())
            digits += c;
        else if (!setOff.contains(c))
            return false;
    }
    return digits == QString::number(number);
}

// Marks the first and last non-blank line of each page that is that page's own number: a
// page number even where it appears on too few pages to repeat (a short document, a first
// page without one).
void markPageNumbers(const std::vector<QStringList>& lines, std::vector<std::vector<bool>>& drop) {
    for (std::size_t p = 0; p < lines.size(); ++p)
        for (bool fromEnd : {false, true}) {
            const std::vector<int> edge = edgeLines(lines[p], fromEnd);
            if (!edge.empty() && isPageNumber(lines[p][edge.front()], int(p) + 1))
                drop[p][std::size_t(edge.front())] = true;
        }
}

} // namespace

void dropRunningLines(std::vector<QString>& pages) {
    std::vector<QStringList> lines;
    std::vector<std::vector<bool>> drop;
    for (const QString& page : pages) {
        lines.push_back(page.split(QLatin1Char('\n')));
        drop.emplace_back(std::size_t(lines.back().size()), false);
    }
    markPageNumbers(lines, drop);
    if (pages.size() >= kMinRepeats) {
        markRunningLines(lines, false, drop);
        markRunningLines(lines, true, drop);
    }
    for (std::size_t p = 0; p < pages.size(); ++p) {
        QStringList kept;
        for (qsizetype i = 0; i < lines[p].size(); ++i)
            if (!drop[p][std::size_t(i)])
                kept << lines[p][i];
        pages[p] = kept.join(QLatin1Char('\n')).trimmed();
    }
}

} // namespace semsearch::extractor
