#include "snippet_text.h"

#include <algorithm>
#include <vector>

namespace semsearch::services {

TextRanges normalizedRanges(TextRanges ranges, int length) {
    for (auto& range : ranges) {
        range.first = std::clamp(range.first, 0, length);
        range.second = std::clamp(range.second, 0, length);
    }
    std::sort(ranges.begin(), ranges.end());
    TextRanges merged;
    for (const auto& range : ranges) {
        if (range.first >= range.second)
            continue;
        if (!merged.isEmpty() && range.first <= merged.last().second)
            merged.last().second = std::max(merged.last().second, range.second);
        else
            merged.append(range);
    }
    return merged;
}

SnippetText collapseWhitespace(const QString& text, const TextRanges& ranges) {
    SnippetText snippet;
    snippet.text.reserve(text.size());
    // collapsed[i]: where original position i lands. A non-space character lands where it is
    // written (after the space that stands for the run before it); a whitespace character at
    // the end of what is written so far, so a range starting in a run starts at its space.
    std::vector<int> collapsed(std::size_t(text.size()) + 1);
    bool pendingSpace = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c.isSpace()) {
            pendingSpace = !snippet.text.isEmpty();
            collapsed[std::size_t(i)] = int(snippet.text.size());
            continue;
        }
        if (pendingSpace) {
            snippet.text.append(QLatin1Char(' '));
            pendingSpace = false;
        }
        collapsed[std::size_t(i)] = int(snippet.text.size());
        snippet.text.append(c);
    }
    collapsed.back() = int(snippet.text.size());

    TextRanges mapped;
    for (const auto& range : normalizedRanges(ranges, int(text.size())))
        mapped.append({collapsed[std::size_t(range.first)], collapsed[std::size_t(range.second)]});
    snippet.emphasis = normalizedRanges(mapped, int(snippet.text.size()));
    return snippet;
}

} // namespace semsearch::services
