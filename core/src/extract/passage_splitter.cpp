// splitPassages: decoded text -> sentence-based passages that fit the model's input.
//
// Counting: each sentence is encoded once. Word pieces never cross whitespace and punctuation is
// always a piece of its own, so the pieces of several sentences together are, to within a rare
// piece, the sum of theirs; the packer uses that sum to choose a passage and then encodes the
// passage once to confirm it, dropping its last unit in the rare case the sum was too low. Text
// is encoded about twice in all, whatever its length.

#include "semsearch/extract.h"

#include <QTextBoundaryFinder>

#include <algorithm>

namespace semsearch {

namespace {

constexpr std::size_t kSpecialTokens = 2; // [CLS] and [SEP]
constexpr std::size_t kSmallestMaxTokens = kSpecialTokens + 1;

// Characters that end a line. Inside a paragraph they do not end a sentence: Unicode's sentence
// rules (UAX #29 SB4) break after each of them (\v aside), which would cut hard-wrapped prose at
// every line.
bool isLineBreak(char16_t c) {
    return c == u'\n' || c == u'\r' || c == u'\v' || c == 0x0085 || c == 0x2028;
}

// Characters that end a paragraph on their own: form feed (a page break) and U+2029.
bool isParagraphSeparator(char16_t c) {
    return c == u'\f' || c == 0x2029;
}

struct Range {
    qsizetype start = 0;
    qsizetype end = 0;
    bool isEmpty() const { return start >= end; }
};

Range trimmedRange(const QString& text, Range range) {
    while (range.start < range.end && text[range.start].isSpace())
        ++range.start;
    while (range.end > range.start && text[range.end - 1].isSpace())
        --range.end;
    return range;
}

// Trimmed stretches between blank lines (whitespace holding two or more line breaks) and
// paragraph separators.
std::vector<Range> paragraphsOf(const QString& text) {
    std::vector<Range> out;
    const qsizetype size = text.size();
    qsizetype start = -1; // of the current paragraph, -1 between paragraphs
    qsizetype end = 0;    // after its last non-space character so far
    for (qsizetype i = 0; i < size;) {
        if (!text[i].isSpace()) {
            if (start < 0)
                start = i;
            end = ++i;
            continue;
        }
        int lineBreaks = 0;
        bool separator = false;
        for (; i < size && text[i].isSpace(); ++i) {
            const char16_t c = text[i].unicode();
            if (c == u'\r' && i + 1 < size && text[i + 1] == u'\n')
                continue; // \r\n is one line break, counted on the \n
            lineBreaks += isLineBreak(c) ? 1 : 0;
            separator = separator || isParagraphSeparator(c);
        }
        if ((lineBreaks >= 2 || separator) && start >= 0) {
            out.push_back({start, end});
            start = -1;
        }
    }
    if (start >= 0)
        out.push_back({start, end});
    return out;
}

// The trimmed, non-empty sentences of each paragraph of `text`, paragraphs in order: what
// passages are packed from, and what splitSentences reports.
std::vector<std::vector<Range>> sentencesByParagraph(const QString& text) {
    // The sentence finder sees line breaks as spaces; positions are the same in both.
    QString sentenceView = text;
    QChar* view = sentenceView.data();
    for (qsizetype i = 0; i < sentenceView.size(); ++i) {
        if (isLineBreak(view[i].unicode()))
            view[i] = QLatin1Char(' ');
    }
    std::vector<std::vector<Range>> out;
    for (const Range& paragraph : paragraphsOf(text)) {
        QTextBoundaryFinder finder(QTextBoundaryFinder::Sentence,
                                   sentenceView.constData() + paragraph.start,
                                   paragraph.end - paragraph.start);
        std::vector<Range>& sentences = out.emplace_back();
        qsizetype previous = 0;
        for (qsizetype next = finder.toNextBoundary(); next >= 0; next = finder.toNextBoundary()) {
            const Range sentence =
                trimmedRange(text, {paragraph.start + previous, paragraph.start + next});
            previous = next;
            if (!sentence.isEmpty())
                sentences.push_back(sentence);
        }
    }
    return out;
}

// A stretch that fits maxTokens on its own, with its word pieces (without [CLS] and [SEP]).
struct Unit {
    Range range;
    std::size_t pieces = 0;
};

struct Cut {
    Range range;
    std::size_t tokens = 0;
};

// How a sentence too long for one passage is cut, coarsest first.
enum class Level { Lines, Words, Graphemes };

class PassageCutter {
public:
    PassageCutter(const QString& text, const WordPieceTokenizer& tokenizer, std::size_t maxTokens)
        : m_text(text), m_tokenizer(tokenizer), m_maxTokens(maxTokens) {}

    std::vector<Cut> run() {
        for (const std::vector<Range>& paragraph : sentencesByParagraph(m_text))
            cutParagraph(paragraph);
        return std::move(m_cuts);
    }

private:
    Range trimmed(Range range) const { return trimmedRange(m_text, range); }

    std::size_t countTokens(Range range) const {
        return m_tokenizer.encode(m_text.sliced(range.start, range.end - range.start), 0).size();
    }

    void cutParagraph(const std::vector<Range>& sentences) {
        std::vector<Unit> run; // consecutive whole sentences that each fit
        for (const Range& sentence : sentences) {
            const std::size_t tokens = countTokens(sentence);
            if (tokens <= m_maxTokens) {
                run.push_back({sentence, tokens - kSpecialTokens});
            } else {
                pack(run);
                cutOverlong(sentence, Level::Lines);
            }
        }
        pack(run);
    }

    // Cuts a trimmed range longer than maxTokens into pieces that fit, at the coarsest level
    // that yields more than one piece, packing the pieces that fit and going one level finer
    // for those that do not.
    void cutOverlong(Range range, Level level) {
        if (level == Level::Graphemes) {
            cutGraphemes(range);
            return;
        }
        const std::vector<Range> parts = level == Level::Lines ? lines(range) : words(range);
        const Level finer = level == Level::Lines ? Level::Words : Level::Graphemes;
        if (parts.size() <= 1) {
            cutOverlong(range, finer);
            return;
        }
        std::vector<Unit> run;
        for (const Range& part : parts) {
            const std::size_t tokens = countTokens(part);
            if (tokens <= m_maxTokens) {
                run.push_back({part, tokens - kSpecialTokens});
            } else {
                pack(run);
                cutOverlong(part, finer);
            }
        }
        pack(run);
    }

    std::vector<Range> lines(Range range) const {
        std::vector<Range> out;
        qsizetype start = range.start;
        for (qsizetype i = range.start; i <= range.end; ++i) {
            if (i < range.end && !isLineBreak(m_text[i].unicode()))
                continue;
            const Range line = trimmed({start, i});
            if (!line.isEmpty())
                out.push_back(line);
            start = i + 1;
        }
        return out;
    }

    std::vector<Range> words(Range range) const {
        std::vector<Range> out;
        QTextBoundaryFinder finder(QTextBoundaryFinder::Word, m_text.constData() + range.start,
                                   range.end - range.start);
        qsizetype previous = 0;
        for (qsizetype next = finder.toNextBoundary(); next >= 0; next = finder.toNextBoundary()) {
            const Range word = trimmed({range.start + previous, range.start + next});
            previous = next;
            if (!word.isEmpty())
                out.push_back(word);
        }
        return out;
    }

    // A single "word" too long for maxTokens (e.g. "a.b.c..." with no spaces): the longest run
    // of grapheme clusters from the left that fits, repeatedly. Found by galloping then
    // bisecting rather than one cluster at a time, so a long word costs O(n log n), not O(n^2).
    // The count of a prefix is not strictly monotonic (a word over 100 characters becomes one
    // [UNK]), so this finds a prefix that fits, not always the longest; that is enough.
    void cutGraphemes(Range range) {
        std::vector<qsizetype> bounds;
        QTextBoundaryFinder finder(QTextBoundaryFinder::Grapheme, m_text.constData() + range.start,
                                   range.end - range.start);
        for (qsizetype p = finder.position(); p >= 0; p = finder.toNextBoundary())
            bounds.push_back(range.start + p);
        const std::size_t last = bounds.size() - 1;

        std::size_t from = 0;
        while (from < last) {
            const auto countTo = [&](std::size_t to) {
                return countTokens({bounds[from], bounds[to]});
            };
            std::size_t good = from + 1;
            std::size_t goodTokens = countTo(good);
            if (goodTokens <= m_maxTokens) {
                std::size_t bad = last + 1; // first known not to fit; last + 1 = none known
                for (std::size_t step = 1; good < last; step *= 2) {
                    const std::size_t probe = std::min(good + step, last);
                    const std::size_t tokens = countTo(probe);
                    if (tokens > m_maxTokens) {
                        bad = probe;
                        break;
                    }
                    good = probe;
                    goodTokens = tokens;
                }
                while (bad <= last && bad - good > 1) {
                    const std::size_t middle = good + (bad - good) / 2;
                    const std::size_t tokens = countTo(middle);
                    if (tokens <= m_maxTokens) {
                        good = middle;
                        goodTokens = tokens;
                    } else {
                        bad = middle;
                    }
                }
            }
            // A single cluster that does not fit alone still gets its passage: nothing is lost.
            const Range piece = trimmed({bounds[from], bounds[good]});
            if (!piece.isEmpty())
                m_cuts.push_back({piece, goodTokens});
            from = good;
        }
    }

    // Greedy: as many consecutive units as fit, by the summed estimate, confirmed by encoding
    // the passage. Clears `units`.
    void pack(std::vector<Unit>& units) {
        std::size_t first = 0;
        while (first < units.size()) {
            std::size_t last = first;
            std::size_t pieces = units[first].pieces;
            while (last + 1 < units.size() &&
                   kSpecialTokens + pieces + units[last + 1].pieces <= m_maxTokens) {
                ++last;
                pieces += units[last].pieces;
            }
            std::size_t tokens = kSpecialTokens + pieces;
            if (last > first) {
                tokens = countTokens({units[first].range.start, units[last].range.end});
                while (tokens > m_maxTokens && last > first) {
                    --last;
                    tokens = last > first
                                 ? countTokens({units[first].range.start, units[last].range.end})
                                 : kSpecialTokens + units[first].pieces;
                }
            }
            m_cuts.push_back({{units[first].range.start, units[last].range.end}, tokens});
            first = last + 1;
        }
        units.clear();
    }

    const QString& m_text;
    const WordPieceTokenizer& m_tokenizer;
    const std::size_t m_maxTokens;
    std::vector<Cut> m_cuts;
};

} // namespace

std::vector<SentenceSpan> splitSentences(const QString& text) {
    std::vector<SentenceSpan> sentences;
    for (const std::vector<Range>& paragraph : sentencesByParagraph(text))
        for (const Range& sentence : paragraph)
            sentences.push_back({sentence.start, sentence.end});
    return sentences;
}

std::vector<PassageSpan> splitPassages(const DocumentText& document,
                                       const WordPieceTokenizer& tokenizer, std::size_t maxTokens) {
    const QString& text = document.text;
    const std::vector<Cut> cuts =
        PassageCutter(text, tokenizer, std::max(maxTokens, kSmallestMaxTokens)).run();

    std::vector<qsizetype> positions;
    positions.reserve(2 * cuts.size());
    for (const Cut& cut : cuts) {
        positions.push_back(cut.range.start);
        positions.push_back(cut.range.end);
    }
    const std::vector<qint64> offsets = byteOffsets(document, positions);

    std::vector<PassageSpan> passages;
    passages.reserve(cuts.size());
    int line = 1;
    qsizetype scanned = 0; // text before this position has been counted into `line`
    std::size_t place = 0; // document.places[place - 1] is in effect at `scanned`
    for (std::size_t i = 0; i < cuts.size(); ++i) {
        const Range range = cuts[i].range;
        while (place < document.places.size() && document.places[place].start <= range.start)
            ++place;
        for (; scanned < range.start; ++scanned) {
            const QChar c = text[scanned];
            if (c == u'\n' ||
                (c == u'\r' && !(scanned + 1 < text.size() && text[scanned + 1] == u'\n')))
                ++line;
        }
        PassageSpan passage;
        passage.start = range.start;
        passage.end = range.end;
        passage.byteStart = offsets[2 * i];
        passage.byteEnd = offsets[2 * i + 1];
        passage.line = line;
        if (place > 0) {
            passage.page = document.places[place - 1].page;
            passage.section = document.places[place - 1].section;
        }
        passage.tokenCount = int(cuts[i].tokens);
        passage.text = text.sliced(range.start, range.end - range.start);
        passages.push_back(std::move(passage));
    }
    return passages;
}

} // namespace semsearch
