#pragma once

// The tiny test model as the local hub serves it, for download tests.

#include "local_hub_server.h"
#include "reference_data.h"

#include <QStringList>

namespace semsearch::test {

// Every file of the tiny model in the sentence-transformers layout, in the order a download
// fetches them.
inline const QStringList& tinyModelFiles() {
    static const QStringList files = {
        QStringLiteral("modules.json"),
        QStringLiteral("config.json"),
        QStringLiteral("sentence_bert_config.json"),
        QStringLiteral("vocab.txt"),
        QStringLiteral("tokenizer_config.json"),
        QStringLiteral("special_tokens_map.json"),
        QStringLiteral("config_sentence_transformers.json"),
        QStringLiteral("1_Pooling/config.json"),
        QStringLiteral("model.safetensors"),
    };
    return files;
}

inline HubRepository tinyModelRepository() {
    return LocalHubServer::repositoryFromFolder(tinyModelPath(), tinyModelFiles());
}

// The same repository, but the CDN sends `file` with one bit flipped at `offset` while the hub
// still advertises the SHA-256 of the real bytes.
inline HubRepository corruptedRepository(const QString& file, qsizetype offset) {
    HubRepository repository = tinyModelRepository();
    QByteArray damaged = repository.files.value(file);
    damaged[offset] = char(damaged[offset] ^ 1);
    repository.servedInstead.insert(file, damaged);
    return repository;
}

} // namespace semsearch::test
