#include "shared_write/passage_cutting.h"

#include "semsearch/tokenizer.h"
#include "shared_index/pg_connection.h"

#include <QCryptographicHash>

namespace semsearch {

QString passageCutting(const Embedder& embedder) {
    const WordPieceTokenizer& tokenizer = embedder.tokenizer();
    const TokenizerConfig& config = tokenizer.config();
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (std::size_t id = 0; id < tokenizer.vocabularySize(); ++id) {
        hash.addData(tokenizer.tokenText(TokenId(id)).toUtf8());
        hash.addData(QByteArrayView("\n"));
    }
    const QByteArray settings = QStringLiteral("lower=%1 accents=%2 chinese=%3 length=%4")
                                    .arg(int(config.doLowerCase))
                                    .arg(config.stripAccents ? int(*config.stripAccents) : -1)
                                    .arg(int(config.tokenizeChineseChars))
                                    .arg(qulonglong(embedder.maxSeqLength()))
                                    .toUtf8();
    hash.addData(settings);
    return QString::fromLatin1(hash.result().toHex());
}

Result<void> recordPassageCutting(PgConnection& connection, const Embedder& embedder) {
    return connection.execute(
        "INSERT INTO meta(key, value) SELECT 'passage_cutting', $1 WHERE EXISTS "
        "(SELECT 1 FROM meta WHERE key = 'model_weights_fingerprint' AND value = $2) "
        "ON CONFLICT (key) DO NOTHING",
        {PgParam::text(passageCutting(embedder)),
         PgParam::text(embedder.model().weightsFingerprint)});
}

Result<QString> recordedPassageCutting(PgConnection& connection) {
    auto rows = connection.query("SELECT value FROM meta WHERE key = 'passage_cutting'");
    if (!rows)
        return rows.error();
    return rows->rowCount() == 1 ? rows->text(0, 0) : QString();
}

} // namespace semsearch
