#pragma once

// The search results as a tree for a view: one top-level row per document (in the order given,
// the searcher's best first), and under each document all of its passages, best first. The
// first child repeats the document's best passage, so expanding a document shows "more
// passages of the same file". After its passages come the document's identical copies, one row
// each ("Also in ~/backup/notes.md"), so expanding lists every place the text is kept. One column.
//
// Emphasis: after the results arrive, the caller may mark character ranges inside a passage's
// text (the sentences that match the query best) with setEmphasis(). EmphasisRole gives them
// in the coordinates of SnippetRole, the passage text with whitespace collapsed, ready to draw.
//
// Lives on the GUI thread, like any model; the caller fills it with finished results.

#include "semsearch/searcher.h"
#include "snippet_text.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QMultiHash>

#include <cstdint>
#include <vector>

namespace semsearch::ui {

class ResultListModel : public QAbstractItemModel {
    Q_OBJECT

public:
    // Values for both kinds of rows unless said otherwise. A passage row answers about its
    // passage; a document row about its document and its best passage.
    enum Role {
        PathRole = Qt::UserRole + 1, // QString: the absolute path as stored in the index
        FileNameRole,                // QString: "notes.md"
        FolderRole,                  // QString: the containing folder with native separators,
                                     // the home folder shown as "~" ("~/docs", "/srv/data")
        ModifiedRole,                // QDateTime (local time) of the document; invalid if unknown
        ScoreRole,                   // float: the document's or the passage's score
        SnippetRole,                 // QString: the (best) passage's text, every run of
                                     // whitespace collapsed to one space, trimmed
        EmphasisRole,                // TextRanges inside SnippetRole's text; empty when none
        LineRole,                    // int: 1-based line of the (best) passage; 0 when none
        PlaceRole,                   // QString: where the (best) passage is, as the list shows
                                     // it: "page 12" for a PDF's, else "line 3"; empty when
                                     // there is no passage
        IsPassageRole,               // bool: true for passage rows
        PassageIdRole,               // qint64: the (best) passage's id; 0 when none
        KeywordRole,                 // TextRanges inside SnippetRole's text: the query's words
                                     // and phrases (PassageHit::keywordMatches); empty if none
        DuplicatesRole,              // QStringList: paths of identical copies of the document
        IsCopyRole,                  // bool: true for a copy's row; its PathRole, FileNameRole
                                     // and FolderRole name the copy, the rest its document
    };
    Q_ENUM(Role)

    // Qt::DisplayRole is the file name for documents and SnippetRole's text for passages;
    // Qt::ToolTipRole the full path (native separators); Qt::AccessibleTextRole one sentence
    // saying what the row is ("notes.md in ~/docs, score 0.82: <snippet>").

    explicit ResultListModel(QObject* parent = nullptr);

    // Replaces everything (a model reset) and forgets all emphasis. Passages of each document
    // are ordered best first (stable: equal scores keep their order).
    void setResults(const QString& query, std::vector<DocumentHit> hits);
    void clear();
    QString query() const { return m_query; }

    // Null for an invalid index or one of another model. For a document row passageAt gives its
    // best passage (null if it has none; a copy's row has no passage).
    const DocumentHit* documentAt(const QModelIndex& index) const;
    const PassageHit* passageAt(const QModelIndex& index) const;

    // Sets the emphasised ranges of a passage, in the coordinates of its PassageHit::text;
    // ranges are clamped to the text and empty ones dropped. Replaces earlier ranges of the
    // same passage; an empty list removes them. Emits dataChanged for every row showing that
    // passage (its passage rows and, for a best passage, its document row). Unknown ids are
    // ignored.
    void setEmphasis(std::int64_t passageId, services::TextRanges ranges);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    // The path of a copy's row; empty for any other row.
    QString copyPathAt(const QModelIndex& index) const;
    QVariant copyData(const DocumentHit& document, const QString& copy, int role) const;
    services::SnippetText snippet(const PassageHit* passage) const;
    static QString placeText(const PassageHit* passage);
    QString accessibleText(const DocumentHit& document, const PassageHit* passage,
                           bool isPassage) const;

    QString m_query;
    std::vector<DocumentHit> m_documents;
    QHash<std::int64_t, services::TextRanges>
        m_emphasis; // passage id -> ranges in PassageHit::text
    // passage id -> (document row, passage row) of every row showing it
    QMultiHash<std::int64_t, QPair<int, int>> m_rowsOfPassage;
};

} // namespace semsearch::ui
