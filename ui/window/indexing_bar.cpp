#include "indexing_bar.h"

#include "common/counts_text.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QStyle>
#include <QToolButton>

#include <algorithm>

namespace semsearch::ui {

namespace {

constexpr int kBarSteps = 1000;

QString timeLeft(double seconds) {
    if (seconds < 0)
        return {};
    if (seconds < 60)
        return IndexingBar::tr("less than a minute left");
    if (seconds < 3600)
        return IndexingBar::tr("about %n min left", nullptr, int(seconds / 60 + 0.5));
    return IndexingBar::tr("about %n h left", nullptr, int(seconds / 3600 + 0.5));
}

// "12 of 30 files, 150 passages"
QString filesAndPassages(const IndexProgress& progress) {
    const QLocale locale;
    return IndexingBar::tr("%1 of %Ln files, %2", nullptr, int(progress.filesTotal))
        .arg(locale.toString(progress.filesDone), passagesText(progress.passagesDone));
}

} // namespace

IndexingBar::IndexingBar(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("indexingBar"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 2);
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("indexingProgress"));
    m_bar->setAccessibleName(tr("Indexing progress"));
    m_bar->setMaximumWidth(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 12);
    m_warning = new QLabel(this);
    m_warning->setObjectName(QStringLiteral("indexingWarning"));
    const int icon = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_warning->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(icon));
    m_warning->setAccessibleName(tr("Indexing failed"));
    m_warning->hide();
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("indexingStatus"));
    m_status->setTextFormat(Qt::PlainText); // file names and errors, whatever they hold
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    // The words take the room the bar and buttons leave, wrapping rather than widening.
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Minimum);
    m_pause = new QToolButton(this);
    m_pause->setObjectName(QStringLiteral("pauseIndexing"));
    m_cancel = new QToolButton(this);
    m_cancel->setObjectName(QStringLiteral("cancelIndexing"));
    m_cancel->setText(tr("&Cancel"));
    m_cancel->setIcon(style()->standardIcon(QStyle::SP_DialogCancelButton));
    m_cancel->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_cancel->setToolTip(tr("Stop indexing after the current batch; what is done is kept "
                            "(Alt+C)"));
    m_cancel->setAccessibleName(tr("Cancel indexing"));
    m_cancel->setAccessibleDescription(m_cancel->toolTip());
    m_pause->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    for (QToolButton* button : {m_pause, m_cancel})
        button->setFocusPolicy(Qt::StrongFocus);
    layout->addWidget(m_bar, 0, Qt::AlignVCenter);
    layout->addWidget(m_warning, 0, Qt::AlignVCenter);
    layout->addWidget(m_status, 1);
    layout->addWidget(m_pause, 0, Qt::AlignVCenter);
    layout->addWidget(m_cancel, 0, Qt::AlignVCenter);
    setPaused(false);
    connect(m_pause, &QToolButton::clicked, this,
            [this] { Q_EMIT(m_paused ? resumeRequested() : pauseRequested()); });
    connect(m_cancel, &QToolButton::clicked, this, &IndexingBar::cancelRequested);
}

void IndexingBar::setPaused(bool paused) {
    m_paused = paused;
    m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    m_pause->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    m_pause->setAccessibleName(paused ? tr("Resume indexing") : tr("Pause indexing"));
    m_pause->setToolTip(paused ? tr("Go on indexing (Alt+R)")
                               : tr("Pause after the current batch (Alt+P)"));
    m_pause->setAccessibleDescription(m_pause->toolTip());
    if (m_working)
        showText();
}

double IndexingBar::fractionDone(const IndexProgress& progress) {
    if (progress.stage == IndexProgress::Stage::Done)
        return 1.0;
    if (progress.stage != IndexProgress::Stage::Indexing || progress.filesTotal <= 0)
        return -1;
    return std::clamp(double(progress.filesDone) / double(progress.filesTotal), 0.0, 1.0);
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
    QStringList parts{filesAndPassages(progress)};
    if (progress.passagesPerSecond > 0)
        parts << tr("%1 passages/s").arg(locale.toString(progress.passagesPerSecond, 'f', 1));
    if (const QString left = timeLeft(progress.secondsLeft); !left.isEmpty())
        parts << left;
    const QString file = QFileInfo(progress.currentFile).fileName();
    return file.isEmpty() ? tr("Indexing — %1").arg(parts.join(QStringLiteral(", ")))
                          : tr("Indexing %1 — %2").arg(file, parts.join(QStringLiteral(", ")));
}

QString IndexingBar::describePaused(const IndexProgress& progress) {
    if (progress.stage != IndexProgress::Stage::Indexing)
        return tr("Paused");
    return tr("Paused at %1").arg(filesAndPassages(progress));
}

void IndexingBar::showProgress(const IndexProgress& progress) {
    m_working = true;
    m_last = progress;
    m_warning->hide();
    m_pause->setEnabled(true);
    m_cancel->setEnabled(true);
    const double fraction = fractionDone(progress);
    if (fraction < 0) {
        m_bar->setRange(0, 0); // busy, no total known
    } else {
        m_bar->setRange(0, kBarSteps);
        m_bar->setValue(int(kBarSteps * fraction));
    }
    m_status->setToolTip(progress.currentFile);
    showText();
}

void IndexingBar::showText() {
    m_status->setText(m_paused ? describePaused(m_last) : describe(m_last));
}

void IndexingBar::showOutcome(const QString& text, Outcome outcome) {
    m_working = false;
    if (outcome == Outcome::Done || m_bar->maximum() == 0) {
        // A run that never knew its total has no point to stop the bar at.
        m_bar->setRange(0, kBarSteps);
        m_bar->setValue(outcome == Outcome::Done ? kBarSteps : 0);
    }
    m_status->setText(text);
    m_status->setToolTip(text);
    m_warning->setVisible(outcome == Outcome::Failed);
    m_pause->setEnabled(false);
    m_cancel->setEnabled(false);
}

} // namespace semsearch::ui
