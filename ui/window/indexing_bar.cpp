#include "indexing_bar.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QStyle>
#include <QToolButton>

namespace semsearch::ui {

namespace {

QString timeLeft(double seconds) {
    if (seconds < 0)
        return {};
    if (seconds < 60)
        return IndexingBar::tr("less than a minute left");
    if (seconds < 3600)
        return IndexingBar::tr("about %n min left", nullptr, int(seconds / 60 + 0.5));
    return IndexingBar::tr("about %n h left", nullptr, int(seconds / 3600 + 0.5));
}

} // namespace

IndexingBar::IndexingBar(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("indexingBar"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 2);
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("indexingProgress"));
    m_bar->setAccessibleName(tr("Indexing progress"));
    m_bar->setMaximumWidth(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 16);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("indexingStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_pause = new QToolButton(this);
    m_pause->setObjectName(QStringLiteral("pauseIndexing"));
    m_cancel = new QToolButton(this);
    m_cancel->setObjectName(QStringLiteral("cancelIndexing"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setIcon(style()->standardIcon(QStyle::SP_DialogCancelButton));
    m_cancel->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_cancel->setToolTip(tr("Stop indexing after the current batch; what is done is kept"));
    m_cancel->setAccessibleName(tr("Cancel indexing"));
    m_pause->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    layout->addWidget(m_bar);
    layout->addWidget(m_status, 1);
    layout->addWidget(m_pause);
    layout->addWidget(m_cancel);
    setPaused(false);
    connect(m_pause, &QToolButton::clicked, this,
            [this] { Q_EMIT(m_paused ? resumeRequested() : pauseRequested()); });
    connect(m_cancel, &QToolButton::clicked, this, &IndexingBar::cancelRequested);
}

void IndexingBar::setPaused(bool paused) {
    m_paused = paused;
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    m_pause->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    m_pause->setAccessibleName(paused ? tr("Resume indexing") : tr("Pause indexing"));
    m_pause->setToolTip(paused ? tr("Go on indexing") : tr("Pause after the current batch"));
    if (paused)
        m_status->setText(tr("Paused. %1").arg(m_status->text()));
}

QString IndexingBar::describe(const IndexProgress& progress) {
    const QLocale locale;
    switch (progress.stage) {
    case IndexProgress::Stage::Scanning:
        return tr("Looking for files…");
    case IndexProgress::Stage::Removing:
        return tr("Removing documents whose files are gone…");
    case IndexProgress::Stage::Saving:
        return tr("Saving the index…");
    case IndexProgress::Stage::Done:
        return tr("Done");
    case IndexProgress::Stage::Indexing:
        break;
    }
    QStringList parts;
    parts << tr("%1 of %2 files")
                 .arg(locale.toString(progress.filesDone), locale.toString(progress.filesTotal));
    parts << tr("%n passage(s)", nullptr, int(progress.passagesDone));
    if (progress.passagesPerSecond > 0)
        parts << tr("%1 passages/s").arg(locale.toString(progress.passagesPerSecond, 'f', 1));
    if (const QString left = timeLeft(progress.secondsLeft); !left.isEmpty())
        parts << left;
    const QString file = QFileInfo(progress.currentFile).fileName();
    return file.isEmpty() ? tr("Indexing — %1").arg(parts.join(QStringLiteral(", ")))
                          : tr("Indexing %1 — %2").arg(file, parts.join(QStringLiteral(", ")));
}

void IndexingBar::showProgress(const IndexProgress& progress) {
    m_pause->setEnabled(true);
    m_cancel->setEnabled(true);
    if (progress.stage == IndexProgress::Stage::Indexing && progress.bytesTotal > 0) {
        m_bar->setRange(0, 1000);
        m_bar->setValue(int(1000.0 * double(progress.bytesDone) / double(progress.bytesTotal)));
    } else if (progress.stage == IndexProgress::Stage::Done) {
        m_bar->setRange(0, 1000);
        m_bar->setValue(1000);
    } else {
        m_bar->setRange(0, 0); // busy, no total known
    }
    m_status->setText(describe(progress));
    m_status->setToolTip(progress.currentFile);
    if (m_paused)
        m_status->setText(tr("Paused. %1").arg(m_status->text()));
}

void IndexingBar::showOutcome(const QString& text, bool isError) {
    m_bar->setRange(0, 1000);
    m_bar->setValue(isError ? 0 : 1000);
    m_status->setText(text);
    m_status->setToolTip(text);
    m_pause->setEnabled(false);
    m_cancel->setEnabled(false);
    QPalette palette = m_status->palette();
    palette.setColor(QPalette::WindowText, isError ? QColor(0xc0, 0x1c, 0x28)
                                                   : this->palette().color(QPalette::WindowText));
    m_status->setPalette(palette);
}

} // namespace semsearch::ui
