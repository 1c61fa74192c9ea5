#include "indexing_outcome.h"

#include "common/counts_text.h"

#include <QCoreApplication>
#include <QStringList>

namespace semsearch::ui {

QString describeOutcome(const IndexStats& stats) {
    const qint64 changed = stats.filesAdded + stats.filesUpdated + stats.filesReused;
    if (stats.cancelled)
        return QCoreApplication::translate("IndexingOutcome",
                                           "Indexing cancelled; %Ln files done are kept.", nullptr,
                                           int(changed));
    if (changed == 0 && stats.filesRemoved == 0)
        return QCoreApplication::translate("IndexingOutcome",
                                           "Everything is up to date (%Ln files unchanged).",
                                           nullptr, int(stats.filesUnchanged));
    QStringList details;
    if (changed > 0 && stats.filesRemoved > 0)
        details << QCoreApplication::translate("IndexingOutcome", "%Ln removed", nullptr,
                                               int(stats.filesRemoved));
    if (stats.filesUnchanged > 0)
        details << QCoreApplication::translate("IndexingOutcome", "%Ln unchanged", nullptr,
                                               int(stats.filesUnchanged));
    if (stats.filesSkipped > 0)
        details << QCoreApplication::translate("IndexingOutcome", "%Ln skipped", nullptr,
                                               int(stats.filesSkipped));
    QString text = changed == 0
                       ? QCoreApplication::translate("IndexingOutcome",
                                                     "Removed %Ln documents whose files are gone",
                                                     nullptr, int(stats.filesRemoved))
                       : QCoreApplication::translate("IndexingOutcome",
                                                     "Indexed %Ln new or changed files with %1",
                                                     nullptr, int(changed))
                             .arg(passagesText(stats.passagesEmbedded + stats.passagesReused));
    if (!details.isEmpty())
        text += QCoreApplication::translate("IndexingOutcome", " (%1)")
                    .arg(details.join(QCoreApplication::translate("IndexingOutcome", ", ")));
    return text + QLatin1Char('.');
}

QString describePublication(qint64 published, qint64 removed, const QString& location) {
    if (published == 0 && removed == 0)
        return QCoreApplication::translate("IndexingOutcome", "Nothing new to publish to %1.")
            .arg(location);
    QString text = QCoreApplication::translate("IndexingOutcome", "%Ln documents published to %1",
                                               nullptr, int(published))
                       .arg(location);
    if (removed > 0)
        text += QCoreApplication::translate("IndexingOutcome", " (%1)")
                    .arg(QCoreApplication::translate("IndexingOutcome", "%Ln removed", nullptr,
                                                     int(removed)));
    return text + QLatin1Char('.');
}

} // namespace semsearch::ui
