#pragma once

// The strip at the bottom of the window while indexing runs: a progress bar, what is being
// done (files and passages so far, the current file, rate, time left), pause/resume, cancel.

#include "semsearch/progress.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace semsearch::ui {

class IndexingBar : public QWidget {
    Q_OBJECT

public:
    explicit IndexingBar(QWidget* parent = nullptr);

    void showProgress(const IndexProgress& progress);
    void setPaused(bool paused);
    // A one-line outcome ("Indexed 12 files …" or an error) shown after the work ends.
    void showOutcome(const QString& text, bool isError);

    // The text a user reads for `progress`, e.g. "Indexing notes.md — 12 of 30 files, 150
    // passages, 24 passages/s, about 1 min left".
    static QString describe(const IndexProgress& progress);

Q_SIGNALS:
    void pauseRequested();
    void resumeRequested();
    void cancelRequested();

private:
    QProgressBar* m_bar;
    QLabel* m_status;
    QToolButton* m_pause;
    QToolButton* m_cancel;
    bool m_paused = false;
};

} // namespace semsearch::ui
