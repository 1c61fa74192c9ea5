#pragma once

// The sources panel: the folders and files in the index, each with its documents, passages and
// state (indexing, ready, incomplete, error), actions to add, re-index and remove them, and the
// files that indexing skipped with the reason why. On a shared index, another machine's sources
// cannot be re-indexed or removed from here, and the actions say which machine indexes them.

#include "index_overview.h"

#include <QHash>
#include <QWidget>

class QLabel;
class QStandardItemModel;
class QTabWidget;
class QTreeView;

namespace semsearch::ui {

class SourcesPanel : public QWidget {
    Q_OBJECT

public:
    enum Column { PathColumn, DocumentsColumn, PassagesColumn, StateColumn, ColumnCount };

    explicit SourcesPanel(QWidget* parent = nullptr);

    // `pending`: paths of running and queued indexing jobs; `errors`: the last error of a
    // source's indexing, by source path.
    void setOverview(const services::IndexOverview& overview, const QStringList& pending,
                     const QHash<QString, QString>& errors);
    QStringList selectedSources() const;

Q_SIGNALS:
    void addFolderRequested();
    void addFilesRequested();
    void reindexRequested(const QStringList& sources);
    void removeRequested(const QStringList& sources);

private:
    void showContextMenu(const QPoint& position);
    void updateActions();

    QTabWidget* m_tabs;
    QTreeView* m_sources;
    QTreeView* m_skipped;
    QStandardItemModel* m_sourceModel;
    QStandardItemModel* m_skippedModel;
    QLabel* m_summary;
    QAction* m_reindex;
    QAction* m_remove;
    QString m_reindexTip; // the actions' tooltips when the selection may be re-indexed, removed
    QString m_removeTip;
};

} // namespace semsearch::ui
