#include "result_list_model.h"

#include "display_path.h"
#include "machine_name.h"

#include <QDateTime>
#include <QDir>
#include <QLocale>

#include <algorithm>

namespace semsearch::ui {

namespace {

// internalId of a document row; a passage row stores its document's row + 1.
constexpr quintptr kDocumentRow = 0;

} // namespace

ResultListModel::ResultListModel(QObject* parent) : QAbstractItemModel(parent) {}

void ResultListModel::setResults(const QString& query, std::vector<DocumentHit> hits) {
    beginResetModel();
    m_query = query;
    m_documents = std::move(hits);
    m_emphasis.clear();
    m_rowsOfPassage.clear();
    for (std::size_t row = 0; row < m_documents.size(); ++row) {
        auto& passages = m_documents[row].passages;
        std::stable_sort(
            passages.begin(), passages.end(),
            [](const PassageHit& a, const PassageHit& b) { return a.score > b.score; });
        for (std::size_t child = 0; child < passages.size(); ++child)
            m_rowsOfPassage.insert(passages[child].passageId, {int(row), int(child)});
    }
    endResetModel();
}

void ResultListModel::clear() {
    setResults(QString(), {});
}

const DocumentHit* ResultListModel::documentAt(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this)
        return nullptr;
    const std::size_t row =
        index.internalId() == kDocumentRow ? std::size_t(index.row()) : index.internalId() - 1;
    return row < m_documents.size() ? &m_documents[row] : nullptr;
}

const PassageHit* ResultListModel::passageAt(const QModelIndex& index) const {
    const DocumentHit* document = documentAt(index);
    if (!document)
        return nullptr;
    const std::size_t row = index.internalId() == kDocumentRow ? 0 : std::size_t(index.row());
    return row < document->passages.size() ? &document->passages[row] : nullptr;
}

void ResultListModel::setEmphasis(std::int64_t passageId, services::TextRanges ranges) {
    const QList<QPair<int, int>> rows = m_rowsOfPassage.values(passageId);
    if (rows.isEmpty())
        return;
    const PassageHit& passage =
        m_documents[std::size_t(rows.first().first)].passages[std::size_t(rows.first().second)];
    ranges = services::normalizedRanges(std::move(ranges), int(passage.text.size()));
    if (ranges == m_emphasis.value(passageId))
        return;
    if (ranges.isEmpty())
        m_emphasis.remove(passageId);
    else
        m_emphasis.insert(passageId, ranges);

    const QList<int> roles = {EmphasisRole};
    for (const auto& [documentRow, passageRow] : rows) {
        const QModelIndex child = index(passageRow, 0, index(documentRow, 0));
        Q_EMIT dataChanged(child, child, roles);
        if (passageRow == 0) { // the document row shows its best passage
            const QModelIndex document = index(documentRow, 0);
            Q_EMIT dataChanged(document, document, roles);
        }
    }
}

QModelIndex ResultListModel::index(int row, int column, const QModelIndex& parent) const {
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, kDocumentRow);
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex ResultListModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == kDocumentRow)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kDocumentRow);
}

int ResultListModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid())
        return int(m_documents.size());
    if (parent.column() != 0 || parent.internalId() != kDocumentRow)
        return 0; // passages have no children
    const DocumentHit* document = documentAt(parent);
    return document ? int(document->passages.size() + std::size_t(document->duplicates.size())) : 0;
}

QString ResultListModel::copyPathAt(const QModelIndex& index) const {
    const DocumentHit* document = documentAt(index);
    if (!document || index.internalId() == kDocumentRow)
        return QString();
    const qsizetype copy = qsizetype(index.row()) - qsizetype(document->passages.size());
    return copy >= 0 && copy < document->duplicates.size() ? document->duplicates[copy] : QString();
}

QVariant ResultListModel::copyData(const DocumentHit& document, const QString& copy,
                                   int role) const {
    switch (role) {
    case Qt::DisplayRole:
        return tr("Also in %1").arg(services::displayPath(copy));
    case Qt::ToolTipRole:
        return QDir::toNativeSeparators(copy);
    case Qt::AccessibleTextRole:
        return tr("identical copy in %1").arg(services::displayPath(copy));
    case PathRole:
        return copy;
    case FileNameRole:
        return services::displayFileName(copy);
    case FolderRole:
        return services::displayFolder(copy);
    case ModifiedRole:
        return QDateTime();
    case ScoreRole:
        return document.score;
    case DuplicatesRole:
        return QStringList();
    case IsCopyRole:
        return true;
    case IsPassageRole:
        return false;
    case LineRole:
    case PassageIdRole:
        return 0;
    default:
        return {};
    }
}

int ResultListModel::columnCount(const QModelIndex&) const {
    return 1;
}

services::SnippetText ResultListModel::snippet(const PassageHit* passage) const {
    if (!passage)
        return {};
    return services::collapseWhitespace(passage->text, m_emphasis.value(passage->passageId));
}

QString ResultListModel::placeText(const PassageHit* passage) {
    if (!passage)
        return {};
    // A line of a PDF's extracted text means nothing to the reader; its page does.
    return passage->page > 0 ? tr("page %1").arg(passage->page) : tr("line %1").arg(passage->line);
}

QString ResultListModel::accessibleText(const DocumentHit& document, const PassageHit* passage,
                                        bool isPassage) const {
    const QLocale locale;
    const QString text = snippet(passage).text;
    if (isPassage)
        return tr("%1, score %2: %3")
            .arg(placeText(passage), locale.toString(passage->score, 'f', 2), text);
    return tr("%1 in %2, score %3: %4")
        .arg(services::displayFileName(document.path), services::displayFolder(document.path),
             locale.toString(document.score, 'f', 2), text);
}

QVariant ResultListModel::data(const QModelIndex& index, int role) const {
    const DocumentHit* document = documentAt(index);
    if (!document)
        return {};
    if (const QString copy = copyPathAt(index); !copy.isEmpty())
        return copyData(*document, copy, role);
    const bool isPassage = index.internalId() != kDocumentRow;
    const PassageHit* passage = passageAt(index);
    switch (role) {
    case Qt::DisplayRole:
        return isPassage ? snippet(passage).text : services::displayFileName(document->path);
    case Qt::ToolTipRole: {
        QString tip =
            services::isAnotherMachine(document->machine)
                ? tr("On %1: %2").arg(document->machine, QDir::toNativeSeparators(document->path))
                : QDir::toNativeSeparators(document->path);
        if (!document->duplicates.isEmpty())
            tip += QLatin1Char('\n') + tr("Also in:") + QLatin1Char('\n') +
                   QDir::toNativeSeparators(document->duplicates.join(QLatin1Char('\n')));
        return tip;
    }
    case DuplicatesRole:
        return document->duplicates;
    case KeywordRole: {
        if (!passage)
            return QVariant::fromValue(services::TextRanges());
        services::TextRanges matches;
        for (const KeywordMatch& match : passage->keywordMatches)
            matches.append({int(match.start), int(match.end)});
        return QVariant::fromValue(services::collapseWhitespace(passage->text, matches).emphasis);
    }
    case Qt::AccessibleTextRole:
        return accessibleText(*document, passage, isPassage);
    case PathRole:
        return document->path;
    case FileNameRole:
        return services::displayFileName(document->path);
    case FolderRole:
        // Another machine's path is on that machine's disk: say which.
        return services::isAnotherMachine(document->machine)
                   ? tr("on %1: %2").arg(document->machine, services::displayFolder(document->path))
                   : services::displayFolder(document->path);
    case ModifiedRole:
        return document->modifiedMs == 0 ? QDateTime()
                                         : QDateTime::fromMSecsSinceEpoch(document->modifiedMs);
    case ScoreRole:
        return isPassage ? passage->score : document->score;
    case SnippetRole:
        return snippet(passage).text;
    case EmphasisRole:
        return QVariant::fromValue(snippet(passage).emphasis);
    case LineRole:
        return passage ? passage->line : 0;
    case PlaceRole:
        return placeText(passage);
    case IsPassageRole:
        return isPassage;
    case IsCopyRole:
        return false;
    case PassageIdRole:
        return qint64(passage ? passage->passageId : 0);
    default:
        return {};
    }
}

QHash<int, QByteArray> ResultListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(PathRole, "path");
    names.insert(FileNameRole, "fileName");
    names.insert(FolderRole, "folder");
    names.insert(ModifiedRole, "modified");
    names.insert(ScoreRole, "score");
    names.insert(SnippetRole, "snippet");
    names.insert(EmphasisRole, "emphasis");
    names.insert(LineRole, "line");
    names.insert(PlaceRole, "place");
    names.insert(IsPassageRole, "isPassage");
    names.insert(PassageIdRole, "passageId");
    names.insert(IsCopyRole, "isCopy");
    return names;
}

} // namespace semsearch::ui
