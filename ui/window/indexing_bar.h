#pragma once

// The strip at the bottom of the window while indexing runs: a progress bar, what is being
// done (files and passages so far, the current file, rate, time left), pause/resume, cancel.
//
// One measure of progress: files done of files known. The bar and the words show the same
// fraction, so they never disagree (a bar by bytes stood at 38% beside "176 of 179 files").
// The words wrap onto a second line rather than being cut off by the buttons. Pause and Cancel
// have the keys Alt+P (Alt+R to resume) and Alt+C.

#include "semsearch/progress.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace semsearch::ui {

class IndexingBar : public QWidget {
    Q_OBJECT

public:
    // How the work ended: done (the bar full), cancelled (the bar stays where the work
    // stopped), failed (the same, with a warning sign beside the words).
    enum class Outcome { Done, Cancelled, Failed };

    explicit IndexingBar(QWidget* parent = nullptr);

    void showProgress(const IndexProgress& progress);
    // Paused: the words say where the work stands ("Paused at 12 of 30 files …"), not what it
    // was doing.
    void setPaused(bool paused);
    // A one-line outcome ("Indexed 12 files …" or an error) shown after the work ends.
    void showOutcome(const QString& text, Outcome outcome);

    // The text a user reads for `progress`, e.g. "Indexing notes.md — 12 of 30 files, 150
    // passages, 24 passages/s, about 1 min left".
    static QString describe(const IndexProgress& progress);
    // The same, paused: "Paused at 12 of 30 files, 150 passages".
    static QString describePaused(const IndexProgress& progress);
    // Files done of files known, 0..1; -1 while no total is known (the bar then shows that it
    // is busy, without a figure).
    static double fractionDone(const IndexProgress& progress);

Q_SIGNALS:
    void pauseRequested();
    void resumeRequested();
    void cancelRequested();

private:
    void showText();

    QProgressBar* m_bar;
    QLabel* m_warning; // shown beside a failure
    QLabel* m_status;
    QToolButton* m_pause;
    QToolButton* m_cancel;
    bool m_paused = false;
    bool m_working = false; // progress was shown since the last outcome
    IndexProgress m_last;
};

} // namespace semsearch::ui
