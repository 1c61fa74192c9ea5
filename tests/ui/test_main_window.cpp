// The main window under the offscreen platform: typing ranks the passages by meaning, off the
// GUI thread; a missing model shows how to get one.

#include "main_window.h"
#include "reference_data.h"

#include "semsearch/embedder.h"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTreeView>
#include <QtTest>

#include <cmath>

using namespace semsearch;
using namespace semsearch::test;

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void typingRanksPassages() {
        ui::MainWindow window(tinyModelPath());
        window.show();
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        auto* passages = window.findChild<QPlainTextEdit*>(QStringLiteral("passages"));
        auto* results = window.findChild<QTreeView*>(QStringLiteral("results"));
        QVERIFY(query && passages && results);
        QVERIFY(query->isEnabled());

        const QStringList texts = {QStringLiteral("The cat sleeps on the sofa."),
                                   QStringLiteral("Quarterly revenue grew by four percent."),
                                   QStringLiteral("A kitten naps on the couch.")};
        passages->setPlainText(texts.join(QLatin1Char('\n')));
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        QTest::keyClicks(query, QStringLiteral("where does the cat sleep"));
        QVERIFY(shown.wait(10000));

        // Expected order from the embedder itself, with cosine computed here.
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        auto vectors = (*embedder)->embed(QStringList{query->text()} + texts);
        QVERIFY(vectors.ok());
        auto cosine = [&](std::size_t a, std::size_t b) {
            double dot = 0, na = 0, nb = 0;
            for (std::size_t j = 0; j < vectors->dim; ++j) {
                dot += double(vectors->row(a)[j]) * vectors->row(b)[j];
                na += double(vectors->row(a)[j]) * vectors->row(a)[j];
                nb += double(vectors->row(b)[j]) * vectors->row(b)[j];
            }
            return dot / std::sqrt(na * nb);
        };
        QAbstractItemModel* model = results->model();
        QCOMPARE(model->rowCount(), 3);
        double previous = INFINITY;
        for (int row = 0; row < 3; ++row) {
            const double shownScore = model->index(row, 0).data(Qt::UserRole).toDouble();
            const QString text = model->index(row, 1).data().toString();
            const qsizetype which = texts.indexOf(text);
            QVERIFY(which >= 0);
            QVERIFY(std::fabs(shownScore - cosine(0, std::size_t(which) + 1)) < 1e-4);
            QVERIFY(shownScore <= previous);
            previous = shownScore;
        }
    }

    void missingModelExplainsHowToGetOne() {
        ui::MainWindow window(QStringLiteral("/nonexistent/model"));
        auto* status = window.findChild<QLabel*>(QStringLiteral("modelStatus"));
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        QVERIFY(status && query);
        QVERIFY(status->text().contains(QStringLiteral("No model is ready")));
        QVERIFY(status->text().contains(QStringLiteral("bert-base-nli-max-tokens")));
        QVERIFY(!query->isEnabled());
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
