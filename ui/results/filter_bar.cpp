#include "filter_bar.h"

#include "display_path.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>

namespace semsearch::ui {

namespace {

constexpr qint64 kDayMs = 24LL * 3600 * 1000;

} // namespace

FilterBar::FilterBar(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_folder = new QComboBox(this);
    m_folder->setObjectName(QStringLiteral("filterFolder"));
    m_folder->setAccessibleName(tr("Search in folder"));
    m_folder->setToolTip(tr("Search in one source only"));
    m_folder->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_folder->addItem(tr("All folders"), QString());

    // Extensions without the dot, lower case, as the store compares them.
    m_type = new QComboBox(this);
    m_type->setObjectName(QStringLiteral("filterType"));
    m_type->setAccessibleName(tr("File type"));
    m_type->addItem(tr("All types"), QStringList());
    m_type->addItem(tr("Markdown"), QStringList{QStringLiteral("md"), QStringLiteral("markdown")});
    m_type->addItem(tr("Plain text"), QStringList{QStringLiteral("txt"), QStringLiteral("text")});
    m_type->addItem(tr("reStructuredText"), QStringList{QStringLiteral("rst")});
    m_type->addItem(tr("Org"), QStringList{QStringLiteral("org")});
    m_type->addItem(tr("LaTeX"), QStringList{QStringLiteral("tex")});
    m_type->addItem(tr("HTML"), QStringList{QStringLiteral("html"), QStringLiteral("htm")});
    m_type->addItem(tr("Source code"),
                    QStringList{QStringLiteral("c"), QStringLiteral("cc"), QStringLiteral("cpp"),
                                QStringLiteral("h"), QStringLiteral("hpp"), QStringLiteral("py"),
                                QStringLiteral("js"), QStringLiteral("ts"), QStringLiteral("rs"),
                                QStringLiteral("go"), QStringLiteral("java"),
                                QStringLiteral("sh")});

    m_modified = new QComboBox(this);
    m_modified->setObjectName(QStringLiteral("filterModified"));
    m_modified->setAccessibleName(tr("Modified"));
    m_modified->addItem(tr("Any time"), qint64(0));
    m_modified->addItem(tr("Past day"), qint64(1));
    m_modified->addItem(tr("Past week"), qint64(7));
    m_modified->addItem(tr("Past month"), qint64(31));
    m_modified->addItem(tr("Past year"), qint64(366));

    layout->addWidget(m_folder, 1);
    layout->addWidget(m_type);
    layout->addWidget(m_modified);
    for (QComboBox* box : {m_folder, m_type, m_modified})
        connect(box, &QComboBox::currentIndexChanged, this, &FilterBar::changed);
}

void FilterBar::setFolders(const QStringList& folders) {
    const QString current = m_folder->currentData().toString();
    const QSignalBlocker blocker(m_folder);
    m_folder->clear();
    m_folder->addItem(tr("All folders"), QString());
    for (const QString& folder : folders)
        m_folder->addItem(services::displayPath(folder), folder);
    const int keep = m_folder->findData(current);
    m_folder->setCurrentIndex(keep < 0 ? 0 : keep);
    if (keep < 0 && !current.isEmpty())
        Q_EMIT changed();
}

SearchFilter FilterBar::filter(qint64 nowMs) const {
    SearchFilter filter;
    filter.pathPrefix = m_folder->currentData().toString();
    filter.extensions = m_type->currentData().toStringList();
    const qint64 days = m_modified->currentData().toLongLong();
    if (days > 0)
        filter.modifiedAfterMs = nowMs - days * kDayMs;
    return filter;
}

} // namespace semsearch::ui
