#pragma once

// A writable copy of a test model (the tiny one by default) in a fresh temporary folder, for
// tests that damage or reconfigure a model folder.

#include "reference_data.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

namespace semsearch::test {

class ModelFolderCopy {
public:
    ModelFolderCopy() {
        const QString source = tinyModelPath();
        m_ok = m_dir.isValid() && QDir().mkpath(path() + QStringLiteral("/1_Pooling"));
        const QStringList files = {QStringLiteral("config.json"),
                                   QStringLiteral("modules.json"),
                                   QStringLiteral("sentence_bert_config.json"),
                                   QStringLiteral("1_Pooling/config.json"),
                                   QStringLiteral("vocab.txt"),
                                   QStringLiteral("tokenizer_config.json"),
                                   QStringLiteral("special_tokens_map.json"),
                                   QStringLiteral("model.safetensors")};
        for (const QString& file : files) {
            m_ok = m_ok && QFile::copy(source + QLatin1Char('/') + file, filePath(file));
            QFile::setPermissions(filePath(file), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
    }

    // A copy of every file of the model folder `source` but its reference/ outputs.
    explicit ModelFolderCopy(const QString& source) {
        m_ok = m_dir.isValid();
        QDirIterator it(source, QDir::Files, QDirIterator::Subdirectories);
        while (m_ok && it.hasNext()) {
            const QString file = QDir(source).relativeFilePath(it.next());
            if (file.startsWith(QStringLiteral("reference/")))
                continue;
            m_ok = QDir().mkpath(QFileInfo(filePath(file)).path()) &&
                   QFile::copy(source + QLatin1Char('/') + file, filePath(file)) &&
                   QFile::setPermissions(filePath(file),
                                         QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
    }

    bool isValid() const { return m_ok; }
    QString path() const { return m_dir.path() + QStringLiteral("/model"); }
    QString filePath(const QString& name) const { return path() + QLatin1Char('/') + name; }

    QByteArray read(const QString& name) const {
        QFile file(filePath(name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }
    bool write(const QString& name, const QByteArray& bytes) const {
        QFile file(filePath(name));
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
               file.write(bytes) == bytes.size();
    }
    // Sets `key` of a JSON object file to `value`.
    bool setJson(const QString& name, const QString& key, const QJsonValue& value) const {
        QJsonObject object = QJsonDocument::fromJson(read(name)).object();
        object.insert(key, value);
        return write(name, QJsonDocument(object).toJson());
    }

private:
    QTemporaryDir m_dir;
    bool m_ok = false;
};

} // namespace semsearch::test
