#pragma once

// Opens a model folder off the GUI thread (reading and packing bert-base's weights takes a
// second or two) and hands the window one SharedEmbedder for searching and indexing.

#include "semsearch/embedder.h"
#include "semsearch/shared_embedder.h"

#include <QObject>
#include <QThread>

#include <memory>

namespace semsearch::services {

class ModelLoader : public QObject {
    Q_OBJECT

public:
    explicit ModelLoader(QObject* parent = nullptr);
    ~ModelLoader() override; // waits for a load under way

    // Starts loading the model in `folder` for the index in `indexFolder` (which need not exist
    // yet): in the index's precision when options.precision is Auto (openEmbedderForIndex, for
    // searching), with a sample of its passages in the quality check. A load already under way
    // is superseded (its result is dropped).
    void load(const QString& folder, const EmbedderOptions& options, const QString& indexFolder);
    bool isLoading() const { return m_loading; }

Q_SIGNALS:
    void loaded(const QString& folder, std::shared_ptr<semsearch::SharedEmbedder> embedder);
    void failed(const QString& folder, const QString& message);

private:
    quint64 m_generation = 0;
    bool m_loading = false;
    std::vector<QThread*> m_threads; // finished ones delete themselves
};

} // namespace semsearch::services

Q_DECLARE_METATYPE(std::shared_ptr<semsearch::SharedEmbedder>)
