#pragma once

// A fresh temporary index and documents folder for the unit tests of the indexing stages
// (core/src/pipeline/index_*.h): records are put into the store directly, so each stage is
// tested on its own, without running the others.

#include "test_files.h"

#include "semsearch/index_folder.h"
#include "semsearch/store.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace semsearch::test {

class StageFixture {
public:
    // Opens a new index for writing, with a model of `dimension` floats per vector recorded
    // (`model` may name the real one); false on any failure.
    bool open(const ModelIdentity& model) {
        if (!m_tmp.isValid())
            return false;
        m_docs = m_tmp.path() + QStringLiteral("/docs");
        auto index =
            IndexFolder::open(m_tmp.path() + QStringLiteral("/index"), IndexFolder::Mode::Write);
        if (!index || !QDir().mkpath(m_docs))
            return false;
        m_index = std::move(index).value();
        m_dimension = model.dimension;
        return m_index->store().metadata().setModelIdentity(model).ok() && m_index->vectors().ok();
    }
    static ModelIdentity smallModel() {
        ModelIdentity model;
        model.name = QStringLiteral("stage-test");
        model.dimension = 4;
        model.pooling = QStringLiteral("max");
        model.weightsFingerprint = QStringLiteral("stage-test-weights");
        return model;
    }

    IndexFolder& index() { return *m_index; }
    SqliteStore& store() { return m_index->store(); }
    const QString& docs() const { return m_docs; }
    QString doc(const QString& name) const { return m_docs + QLatin1Char('/') + name; }

    // Writes a file under docs() with an mtime of `ageSeconds` ago.
    bool put(const QString& name, const QByteArray& bytes, qint64 ageSeconds = 1000) {
        if (!writeFile(doc(name), bytes))
            return false;
        QFile file(doc(name));
        return file.open(QIODevice::ReadWrite) &&
               file.setFileTime(QDateTime::currentDateTime().addSecs(-ageSeconds),
                                QFileDevice::FileModificationTime);
    }

    static QByteArray sha256(const QByteArray& bytes) {
        return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
    }

    // A record of `path` as if `content` had been read from it `readAfterChangeMs` after the
    // file's last change, with the file's current stat (made-up times when it does not exist).
    DocumentRecord recordOf(const QString& path, const QByteArray& content,
                            qint64 readAfterChangeMs = 10000) const {
        DocumentRecord record;
        record.path = path;
        record.size = content.size();
        record.contentHash = sha256(content);
        record.encoding = QStringLiteral("utf-8");
        const QFileInfo info(path);
        record.modifiedMs = info.exists() ? info.lastModified().toMSecsSinceEpoch() : 1000;
        record.changedMs = info.exists() ? info.metadataChangeTime().toMSecsSinceEpoch() : 1000;
        record.indexedAtMs = std::max(record.modifiedMs, record.changedMs) + readAfterChangeMs;
        return record;
    }

    // Stores `record` with one passage per text, passage p's vector filled with `value` + p.
    // Returns the document id, or -1.
    std::int64_t storeDocument(const DocumentRecord& record, const QStringList& texts,
                               float value = 1) {
        std::vector<PassageRecord> passages;
        std::vector<float> vectors;
        for (qsizetype p = 0; p < texts.size(); ++p) {
            PassageRecord passage;
            passage.byteStart = p;
            passage.byteEnd = p + 1;
            passage.text = texts[p];
            passages.push_back(passage);
            vectors.insert(vectors.end(), std::size_t(m_dimension), value + float(p));
        }
        auto id = store().documents().put(record, passages, vectors);
        if (!id)
            return -1;
        // The cache follows, as a run's claim stage brings it up to date (it takes no NaN,
        // which a test of damaged vectors stores on purpose).
        (void)m_index->vectors();
        return *id;
    }

    // The vectors of a stored document, by passage order; empty when it has none or is absent.
    std::vector<float> vectorsOfDocument(const QString& path) {
        auto document = store().documents().find(path);
        if (!document || !*document)
            return {};
        auto passages = store().documents().passagesOf((*document)->id);
        std::vector<std::int64_t> ids;
        for (const PassageRecord& passage : *passages)
            ids.push_back(passage.id);
        auto vectors = store().documents().vectorsOf(ids);
        return vectors ? *vectors : std::vector<float>();
    }

    // How many vectors the vector cache holds once brought up to date; -1 on failure.
    std::int64_t cachedVectorCount() {
        auto vectors = m_index->vectors();
        return vectors && *vectors ? (*vectors)->size() : -1;
    }

private:
    QTemporaryDir m_tmp;
    QString m_docs;
    std::unique_ptr<IndexFolder> m_index;
    int m_dimension = 0;
};

} // namespace semsearch::test
