#include "sources_panel.h"

#include "common/counts_text.h"
#include "display_path.h"
#include "machine_name.h"

#include "semsearch/extract.h"

#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QStandardItemModel>
#include <QTabBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace semsearch::ui {

namespace {

constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kMachineRole = Qt::UserRole + 2; // a shared index's source: who indexes it

// A job on `path` touches the source when either lies within the other.
bool overlaps(const QString& source, const QString& path) {
    return isSameOrBelow(path, source) || isSameOrBelow(source, path);
}

} // namespace

SourcesPanel::SourcesPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("sourcesPanel"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    // Three buttons, so they fit the panel at its narrow default width (four spilled Remove
    // behind the toolbar's "»"); adding a folder or files shares one button with a menu.
    auto* toolbar = new QToolBar(this);
    toolbar->setObjectName(QStringLiteral("sourcesToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto* addMenu = new QMenu(this);
    QAction* addFolder = addMenu->addAction(tr("Add &Folder…"));
    addFolder->setObjectName(QStringLiteral("sourcesAddFolder"));
    addFolder->setToolTip(tr("Index a folder and everything in it"));
    QAction* addFiles = addMenu->addAction(tr("Add F&iles…"));
    addFiles->setObjectName(QStringLiteral("sourcesAddFiles"));
    addFiles->setToolTip(tr("Index single files"));
    auto* add = new QToolButton(this);
    add->setObjectName(QStringLiteral("sourcesAdd"));
    add->setText(tr("Add"));
    add->setToolTip(tr("Add a folder or files to the index"));
    add->setAccessibleName(tr("Add to the index"));
    add->setAccessibleDescription(add->toolTip());
    add->setMenu(addMenu);
    add->setPopupMode(QToolButton::InstantPopup);
    toolbar->addWidget(add);
    m_reindex = toolbar->addAction(tr("Re-index"));
    m_reindex->setObjectName(QStringLiteral("sourcesReindex"));
    m_reindexTip = tr("Look for new, changed and deleted files in the selected sources");
    m_reindex->setToolTip(m_reindexTip);
    m_remove = toolbar->addAction(tr("Remove"));
    m_remove->setObjectName(QStringLiteral("sourcesRemove"));
    m_removeTip = tr("Remove the selected sources from the index (the files stay)");
    m_remove->setToolTip(m_removeTip);
    for (QAction* action : {m_reindex, m_remove}) {
        QWidget* button = toolbar->widgetForAction(action);
        button->setFocusPolicy(Qt::TabFocus); // a toolbar's buttons take no focus by default
        button->setObjectName(action->objectName() + QStringLiteral("Button"));
        button->setAccessibleName(action->text());
        button->setAccessibleDescription(action->toolTip());
    }
    layout->addWidget(toolbar);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("sourcesSummary"));
    m_summary->setWordWrap(true);
    m_summary->setContentsMargins(6, 0, 6, 0);
    layout->addWidget(m_summary);

    m_tabs = new QTabWidget(this);
    m_sourceModel = new QStandardItemModel(0, ColumnCount, this);
    m_sourceModel->setHorizontalHeaderLabels(
        {tr("Source"), tr("Files"), tr("Passages"), tr("State")});
    m_sources = new QTreeView(this);
    m_sources->setObjectName(QStringLiteral("sources"));
    m_sources->setAccessibleName(tr("Indexed sources"));
    m_sources->setAccessibleDescription(
        tr("The folders and files in the index with their files, passages and state"));
    m_sources->setModel(m_sourceModel);
    m_sources->setRootIsDecorated(false);
    m_sources->setUniformRowHeights(true);
    m_sources->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_sources->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_sources->setContextMenuPolicy(Qt::CustomContextMenu);
    // The name first and the middle cut: the start and the end of "name — folder" stay.
    m_sources->setTextElideMode(Qt::ElideMiddle);
    // The path takes what the counts and state leave.
    m_sources->header()->setStretchLastSection(false);
    m_sources->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_sources->header()->setSectionResizeMode(PathColumn, QHeaderView::Stretch);
    m_tabs->addTab(m_sources, tr("Sources"));

    m_skippedModel = new QStandardItemModel(0, 2, this);
    m_skippedModel->setHorizontalHeaderLabels({tr("File"), tr("Reason")});
    m_skipped = new QTreeView(this);
    m_skipped->setObjectName(QStringLiteral("skippedFiles"));
    m_skipped->setAccessibleName(tr("Skipped files"));
    m_skipped->setAccessibleDescription(tr("Files that indexing left out, with the reason"));
    m_skipped->setModel(m_skippedModel);
    m_skipped->setRootIsDecorated(false);
    m_skipped->setUniformRowHeights(true);
    m_skipped->setTextElideMode(Qt::ElideMiddle);
    m_skipped->header()->setStretchLastSection(false);
    m_skipped->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_skipped->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_skipped->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tabs->addTab(m_skipped, tr("Skipped"));
    m_tabs->tabBar()->setAccessibleName(tr("Sources or skipped files"));
    m_tabs->tabBar()->setAccessibleDescription(
        tr("Switches between the indexed sources and the files that were skipped"));
    layout->addWidget(m_tabs, 1);

    connect(addFolder, &QAction::triggered, this, &SourcesPanel::addFolderRequested);
    connect(addFiles, &QAction::triggered, this, &SourcesPanel::addFilesRequested);
    connect(m_reindex, &QAction::triggered, this,
            [this] { Q_EMIT reindexRequested(selectedSources()); });
    connect(m_remove, &QAction::triggered, this,
            [this] { Q_EMIT removeRequested(selectedSources()); });
    connect(m_sources, &QTreeView::customContextMenuRequested, this,
            &SourcesPanel::showContextMenu);
    connect(m_sources->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SourcesPanel::updateActions);
    updateActions();
}

void SourcesPanel::setOverview(const services::IndexOverview& overview, const QStringList& pending,
                               const QHash<QString, QString>& errors) {
    const QStringList selected = selectedSources();
    const QLocale locale;
    m_sourceModel->removeRows(0, m_sourceModel->rowCount());
    for (const services::SourceStatus& status : overview.sources) {
        const QString& path = status.source.path;
        QString state;
        QString stateTip;
        const bool isPending = std::any_of(pending.begin(), pending.end(),
                                           [&](const QString& p) { return overlaps(path, p); });
        if (isPending) {
            state = tr("Indexing");
        } else if (errors.contains(path)) {
            state = tr("Error");
            stateTip = errors.value(path);
        } else if (status.source.indexedMs > 0) {
            state = tr("Ready");
            stateTip =
                tr("Last indexed %1")
                    .arg(locale.toString(QDateTime::fromMSecsSinceEpoch(status.source.indexedMs),
                                         QLocale::ShortFormat));
        } else if (!status.machine.isEmpty()) {
            // A shared index's writers need not record when they finished: what is there was
            // committed, and is searched.
            state = tr("Ready");
            stateTip = tr("Indexed by %1").arg(status.machine);
        } else {
            state = tr("Incomplete");
            stateTip = tr("Indexing did not finish; re-index to complete it");
        }
        // A shared index's source names the machine that indexes it: its path is on that disk.
        const QString shown =
            status.machine.isEmpty()
                ? services::displayNameFirst(path)
                : tr("%1, on %2").arg(services::displayNameFirst(path), status.machine);
        QList<QStandardItem*> row = {
            new QStandardItem(shown), new QStandardItem(locale.toString(status.counts.documents)),
            new QStandardItem(locale.toString(status.counts.passages)), new QStandardItem(state)};
        row[PathColumn]->setData(path, kPathRole);
        row[PathColumn]->setData(status.machine, kMachineRole);
        row[PathColumn]->setToolTip(
            status.machine.isEmpty()
                ? QDir::toNativeSeparators(path)
                : tr("%1 on %2").arg(QDir::toNativeSeparators(path), status.machine));
        row[DocumentsColumn]->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        row[PassagesColumn]->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        row[StateColumn]->setToolTip(stateTip);
        m_sourceModel->appendRow(row);
        if (selected.contains(path))
            m_sources->selectionModel()->select(
                row[PathColumn]->index(), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    m_skippedModel->removeRows(0, m_skippedModel->rowCount());
    for (const SkippedRecord& skipped : overview.skipped) {
        auto* file = new QStandardItem(services::displayNameFirst(skipped.path));
        file->setToolTip(QDir::toNativeSeparators(skipped.path));
        auto* reason = new QStandardItem(skipped.reason);
        reason->setToolTip(skipped.reason);
        m_skippedModel->appendRow({file, reason});
    }
    m_tabs->setTabText(
        1, overview.skipped.empty()
               ? tr("Skipped")
               : tr("Skipped (%1)").arg(locale.toString(qint64(overview.skipped.size()))));
    if (!overview.problem.isEmpty())
        m_summary->setText(overview.problem);
    else if (!overview.exists)
        m_summary->setText(tr("Nothing indexed yet."));
    else
        m_summary->setText(countsText(overview.counts.passages, overview.counts.documents));
    updateActions();
}

QStringList SourcesPanel::selectedSources() const {
    QStringList paths;
    for (const QModelIndex& index : m_sources->selectionModel()->selectedRows(PathColumn))
        paths << index.data(kPathRole).toString();
    return paths;
}

void SourcesPanel::updateActions() {
    const bool any = !selectedSources().isEmpty();
    // Another machine's source of a shared index: its files are on that machine's disk, so
    // only that machine can re-index it, and removing it here would take it from its writer.
    QString otherMachine;
    for (const QModelIndex& index : m_sources->selectionModel()->selectedRows(PathColumn)) {
        const QString machine = index.data(kMachineRole).toString();
        if (services::isAnotherMachine(machine))
            otherMachine = machine;
    }
    m_reindex->setEnabled(any && otherMachine.isEmpty());
    m_remove->setEnabled(any && otherMachine.isEmpty());
    if (otherMachine.isEmpty()) {
        m_reindex->setToolTip(m_reindexTip);
        m_remove->setToolTip(m_removeTip);
        return;
    }
    const QString why = tr("Indexed by %1: only that machine can read its files, and re-index "
                           "or remove it")
                            .arg(otherMachine);
    m_reindex->setToolTip(why);
    m_remove->setToolTip(why);
}

void SourcesPanel::showContextMenu(const QPoint& position) {
    if (selectedSources().isEmpty())
        return;
    QMenu menu(this);
    menu.addAction(m_reindex);
    menu.addAction(m_remove);
    menu.exec(m_sources->viewport()->mapToGlobal(position));
}

} // namespace semsearch::ui
