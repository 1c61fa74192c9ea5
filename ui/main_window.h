#pragma once

// The main window. Until the index arrives, it ranks the passages typed into it by meaning
// against the query, as the user types: the embedder end to end, in the product's own window.

#include "semsearch/model.h"

#include <QMainWindow>
#include <QPointer>
#include <QStringList>
#include <QThread>
#include <QTimer>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QStandardItemModel;
class QTreeView;

namespace semsearch {
class Embedder;
}

namespace semsearch::ui {

class RankingWorker;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // Opens the model in `modelFolder`; when that fails the window says why and how to get one.
    explicit MainWindow(const QString& modelFolder, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Milliseconds between the last keystroke and the search it starts.
    static constexpr int kTypingDelayMs = 150;

Q_SIGNALS:
    void rankRequested(quint64 requestId, const QString& query, const QStringList& passages);
    // Emitted after the result list has been refilled (for tests and status).
    void resultsShown();

private Q_SLOTS:
    void startRanking();
    void showRanking(quint64 requestId, const QVector<float>& scores);
    void showFailure(quint64 requestId, const QString& message);

private:
    void openModel(const QString& modelFolder);

    QLabel* m_modelStatus = nullptr;
    QLineEdit* m_query = nullptr;
    QPlainTextEdit* m_passages = nullptr;
    QStandardItemModel* m_results = nullptr;
    QTreeView* m_resultView = nullptr;
    QTimer m_typingTimer;
    QThread m_workerThread;
    QPointer<RankingWorker> m_worker;
    quint64 m_lastRequest = 0;
    QStringList m_requestedPassages;
};

} // namespace semsearch::ui
