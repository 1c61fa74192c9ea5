#include "model_loader.h"

#include "semsearch/index_precision.h"
#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_overview.h"

#include <QPointer>

#include <exception>

namespace semsearch::services {

namespace {

// For a shared index the precision is in the database: Auto means the one it records (fp32
// where this CPU cannot make that one, as openEmbedderForIndex does for a local index). An
// index that cannot be read keeps Auto; the searcher then reports why.
Precision sharedSearchPrecision(const QString& location, Precision asked) {
    if (asked != Precision::Auto)
        return asked;
    auto overview = readSharedIndexOverview(location);
    if (!overview || !overview->precision)
        return asked;
    return checkCpuRuns(*overview->precision, probeCpuFeatures()) ? *overview->precision
                                                                  : Precision::Fp32;
}

} // namespace

ModelLoader::ModelLoader(QObject* parent) : QObject(parent) {
    qRegisterMetaType<std::shared_ptr<SharedEmbedder>>();
}

ModelLoader::~ModelLoader() {
    for (QThread* thread : m_threads) {
        thread->wait();
        delete thread;
    }
}

void ModelLoader::load(const QString& folder, const EmbedderOptions& options,
                       const QString& indexFolder) {
    const quint64 generation = ++m_generation;
    m_loading = true;
    QPointer<ModelLoader> self(this);
    QThread* thread = QThread::create([self, folder, options, indexFolder, generation] {
        std::shared_ptr<SharedEmbedder> shared;
        QString error;
        // openEmbedder returns its errors; this is the last line of defence, since an exception
        // leaving this thread would end the whole application, and the next start would load
        // the same model again.
        try {
            // The window searches and indexes with one embedder: opened for searching, it falls
            // back to fp32 where the index's precision cannot run, and the Indexer refuses to
            // mix.
            std::unique_ptr<IndexFolder> index;
            EmbedderOptions chosen = options;
            if (isSharedIndexLocation(indexFolder))
                chosen.precision = sharedSearchPrecision(indexFolder, options.precision);
            else if (auto local = IndexFolder::open(indexFolder, IndexFolder::Mode::Read))
                index = std::move(local).value();
            auto opened = openEmbedderForIndex(folder, index.get(), EmbedderUse::Search, chosen);
            index.reset();
            if (opened)
                shared = std::make_shared<SharedEmbedder>(std::move(opened).value());
            else
                error = opened.error().message;
        } catch (const std::exception& e) {
            error = folder + QStringLiteral(": cannot load the model: ") +
                    QString::fromLocal8Bit(e.what());
        }
        QMetaObject::invokeMethod(self, [self, folder, shared, error, generation] {
            if (!self || generation != self->m_generation)
                return;
            self->m_loading = false;
            if (shared)
                Q_EMIT self->loaded(folder, shared);
            else
                Q_EMIT self->failed(folder, error);
        });
    });
    thread->setObjectName(QStringLiteral("semsearch model loader"));
    m_threads.push_back(thread);
    connect(thread, &QThread::finished, this, [this, thread] {
        m_threads.erase(std::remove(m_threads.begin(), m_threads.end(), thread), m_threads.end());
        thread->deleteLater();
    });
    thread->start();
}

} // namespace semsearch::services
