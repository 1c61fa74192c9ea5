#include "filter_bar.h"

#include "display_path.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>

#include <algorithm>
#include <vector>

namespace semsearch::ui {

namespace {

constexpr qint64 kDayMs = 24LL * 3600 * 1000;

struct FileType {
    const char* name;       // translated in FilterBar's context
    QStringList extensions; // without the dot, lower case, as the store compares them
};

const std::vector<FileType>& fileTypes() {
    static const std::vector<FileType> types = {
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "Markdown"),
         {QStringLiteral("md"), QStringLiteral("markdown")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "Plain text"),
         {QStringLiteral("txt"), QStringLiteral("text")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "reStructuredText"),
         {QStringLiteral("rst")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "Org"), {QStringLiteral("org")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "LaTeX"), {QStringLiteral("tex")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "HTML"),
         {QStringLiteral("html"), QStringLiteral("htm"), QStringLiteral("xhtml")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "PDF"), {QStringLiteral("pdf")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "Word (DOCX)"), {QStringLiteral("docx")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "OpenDocument text (ODT)"),
         {QStringLiteral("odt")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "EPUB"), {QStringLiteral("epub")}},
        {QT_TRANSLATE_NOOP("semsearch::ui::FilterBar", "Source code"),
         {QStringLiteral("c"), QStringLiteral("cc"), QStringLiteral("cpp"), QStringLiteral("h"),
          QStringLiteral("hpp"), QStringLiteral("py"), QStringLiteral("js"), QStringLiteral("ts"),
          QStringLiteral("rs"), QStringLiteral("go"), QStringLiteral("java"),
          QStringLiteral("sh")}},
    };
    return types;
}

} // namespace

FilterBar::FilterBar(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_folder = new QComboBox(this);
    m_folder->setObjectName(QStringLiteral("filterFolder"));
    m_folder->setAccessibleName(tr("Search in folder"));
    m_folder->setToolTip(tr("Search in one source only"));
    // Long folder names are cut rather than taking the search field's room.
    m_folder->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_folder->setMinimumContentsLength(12);
    m_folder->addItem(tr("All folders"), QString());

    m_type = new QComboBox(this);
    m_type->setObjectName(QStringLiteral("filterType"));
    m_type->setAccessibleName(tr("File type"));
    m_type->setToolTip(tr("Search in one type of file only"));
    m_type->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    setExtensions({});

    m_modified = new QComboBox(this);
    m_modified->setObjectName(QStringLiteral("filterModified"));
    m_modified->setAccessibleName(tr("Modified"));
    m_modified->setToolTip(tr("Search in files changed within this time only"));
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
    if (const int wanted = m_folder->findData(m_wantedFolder);
        !m_wantedFolder.isEmpty() && wanted >= 0) {
        m_wantedFolder.clear();
        m_folder->setCurrentIndex(wanted);
        Q_EMIT changed();
    }
}

void FilterBar::setExtensions(const QStringList& extensions) {
    const QStringList current = m_type->currentData().toStringList();
    const QSignalBlocker blocker(m_type);
    m_type->clear();
    m_type->addItem(tr("All types"), QStringList());
    QStringList covered;
    for (const FileType& type : fileTypes()) {
        covered += type.extensions;
        const bool present =
            std::any_of(type.extensions.begin(), type.extensions.end(),
                        [&](const QString& extension) { return extensions.contains(extension); });
        if (present)
            m_type->addItem(tr(type.name), type.extensions);
    }
    for (const QString& extension : extensions)
        if (!covered.contains(extension))
            m_type->addItem(QLatin1Char('.') + extension, QStringList{extension});
    const int keep = m_type->findData(current);
    m_type->setCurrentIndex(keep < 0 ? 0 : keep);
    if (keep < 0 && !current.isEmpty())
        Q_EMIT changed();
    if (const int wanted = m_type->findData(m_wantedType); !m_wantedType.isEmpty() && wanted >= 0) {
        m_wantedType.clear();
        m_type->setCurrentIndex(wanted);
        Q_EMIT changed();
    }
}

void FilterBar::save(QSettings& store) const {
    store.setValue(QStringLiteral("filters/folder"), m_folder->currentData().toString());
    store.setValue(QStringLiteral("filters/type"), m_type->currentData().toStringList());
    store.setValue(QStringLiteral("filters/modified"), m_modified->currentData().toLongLong());
}

void FilterBar::restore(const QSettings& store) {
    m_wantedFolder = store.value(QStringLiteral("filters/folder")).toString();
    m_wantedType = store.value(QStringLiteral("filters/type")).toStringList();
    const int modified =
        m_modified->findData(store.value(QStringLiteral("filters/modified")).toLongLong());
    if (modified >= 0)
        m_modified->setCurrentIndex(modified);
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
