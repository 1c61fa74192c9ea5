#include "main_window.h"

#include "ranking_worker.h"
#include "semsearch/embedder.h"

#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QShortcut>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace semsearch::ui {

MainWindow::MainWindow(const QString& modelFolder, QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("semsearch"));
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);

    m_modelStatus = new QLabel(central);
    m_modelStatus->setWordWrap(true);
    m_modelStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_modelStatus->setAccessibleName(tr("Model status"));
    m_modelStatus->setObjectName(QStringLiteral("modelStatus"));
    layout->addWidget(m_modelStatus);

    m_query = new QLineEdit(central);
    m_query->setPlaceholderText(tr("Type what you are looking for, in your own words…"));
    m_query->setClearButtonEnabled(true);
    m_query->setAccessibleName(tr("Search"));
    m_query->setObjectName(QStringLiteral("query"));
    layout->addWidget(m_query);

    auto* splitter = new QSplitter(Qt::Horizontal, central);
    m_passages = new QPlainTextEdit(splitter);
    m_passages->setPlaceholderText(tr("Passages to search, one per line"));
    m_passages->setAccessibleName(tr("Passages"));
    m_passages->setObjectName(QStringLiteral("passages"));
    m_results = new QStandardItemModel(0, 2, this);
    m_results->setHorizontalHeaderLabels({tr("Score"), tr("Passage")});
    m_resultView = new QTreeView(splitter);
    m_resultView->setModel(m_results);
    m_resultView->setRootIsDecorated(false);
    m_resultView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_resultView->setAccessibleName(tr("Results"));
    m_resultView->setObjectName(QStringLiteral("results"));
    m_resultView->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);
    setTabOrder(m_query, m_resultView);
    setTabOrder(m_resultView, m_passages);

    auto* focusSearch = new QShortcut(QKeySequence(tr("Ctrl+L")), this);
    connect(focusSearch, &QShortcut::activated, m_query, [this] {
        m_query->setFocus();
        m_query->selectAll();
    });

    // Search as you type: each edit restarts the timer; Enter searches at once.
    m_typingTimer.setSingleShot(true);
    m_typingTimer.setInterval(kTypingDelayMs);
    connect(&m_typingTimer, &QTimer::timeout, this, &MainWindow::startRanking);
    connect(m_query, &QLineEdit::textEdited, &m_typingTimer, qOverload<>(&QTimer::start));
    connect(m_passages, &QPlainTextEdit::textChanged, &m_typingTimer, qOverload<>(&QTimer::start));
    connect(m_query, &QLineEdit::returnPressed, this, &MainWindow::startRanking);

    openModel(modelFolder);
    resize(900, 600);
}

MainWindow::~MainWindow() {
    m_workerThread.quit();
    m_workerThread.wait();
}

void MainWindow::openModel(const QString& modelFolder) {
    auto embedder = openEmbedder(modelFolder);
    if (!embedder) {
        m_modelStatus->setText(
            tr("<b>No model is ready.</b> %1<br>semsearch needs the sentence-transformers model "
               "<i>bert-base-nli-max-tokens</i>. Download it from the Hugging Face hub "
               "(sentence-transformers/bert-base-nli-max-tokens) into <tt>%2</tt>, or start "
               "semsearch with <tt>--model DIR</tt>.")
                .arg(embedder.error().message.toHtmlEscaped(),
                     QDir::toNativeSeparators(modelFolder).toHtmlEscaped()));
        m_query->setEnabled(false);
        return;
    }
    const ModelInfo& model = (*embedder)->model();
    m_modelStatus->setText(tr("Model: %1 (%2 dimensions, %3 pooling)")
                               .arg(model.name)
                               .arg(model.dimension())
                               .arg(poolingName(model.pooling)));

    m_worker = new RankingWorker(std::move(embedder).value());
    m_worker->moveToThread(&m_workerThread);
    connect(&m_workerThread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &MainWindow::rankRequested, m_worker, &RankingWorker::rank);
    connect(m_worker, &RankingWorker::ranked, this, &MainWindow::showRanking);
    connect(m_worker, &RankingWorker::failed, this, &MainWindow::showFailure);
    m_workerThread.start();
}

void MainWindow::startRanking() {
    m_typingTimer.stop();
    const QString query = m_query->text().trimmed();
    QStringList passages;
    for (const QString& line : m_passages->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty())
            passages << line.trimmed();
    if (!m_worker || query.isEmpty() || passages.isEmpty()) {
        m_results->removeRows(0, m_results->rowCount());
        statusBar()->showMessage(passages.isEmpty() && m_worker
                                     ? tr("Add passages to search, one per line.")
                                     : QString());
        return;
    }
    m_requestedPassages = passages;
    statusBar()->showMessage(tr("Searching…"));
    Q_EMIT rankRequested(++m_lastRequest, query, passages);
}

void MainWindow::showRanking(quint64 requestId, const QVector<float>& scores) {
    if (requestId != m_lastRequest || scores.size() != m_requestedPassages.size())
        return; // superseded by a newer request
    std::vector<qsizetype> order(static_cast<std::size_t>(scores.size()));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](qsizetype a, qsizetype b) { return scores[a] > scores[b]; });
    m_results->removeRows(0, m_results->rowCount());
    for (qsizetype i : order) {
        auto* score = new QStandardItem(QString::number(double(scores[i]), 'f', 3));
        score->setData(double(scores[i]), Qt::UserRole);
        m_results->appendRow({score, new QStandardItem(m_requestedPassages[i])});
    }
    if (m_results->rowCount() > 0)
        m_resultView->setCurrentIndex(m_results->index(0, 0));
    statusBar()->showMessage(tr("%n passage(s) ranked", nullptr, int(scores.size())));
    Q_EMIT resultsShown();
}

void MainWindow::showFailure(quint64 requestId, const QString& message) {
    if (requestId == m_lastRequest)
        statusBar()->showMessage(tr("Search failed: %1").arg(message));
}

} // namespace semsearch::ui
