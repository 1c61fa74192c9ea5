// semsearch-cli export --jsonl: every passage with its vector, one JSON object per line.

#include "cli_support.h"
#include "command.h"

#include "semsearch/index_folder.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace semsearch::cli {

int runExport(const QStringList& arguments) {
    QCommandLineParser parser;
    // --model is accepted so that scripts can pass one set of options to every command.
    parser.addOptions({indexOption(), modelOption()});
    const QCommandLineOption jsonl(
        QStringLiteral("jsonl"), QStringLiteral("JSON Lines (the only format, and the default)."));
    parser.addOption(jsonl);
    if (auto stop = parseArguments(
            parser, QStringLiteral("export"),
            QStringLiteral("Print every passage as one JSON object per line: path, line, start, "
                           "end (byte offsets), text and embedding (the model's vector)."),
            arguments))
        return *stop;
    auto index = IndexFolder::open(indexFolder(parser), IndexFolder::Mode::Read);
    if (!index) {
        printError(index.error().message);
        return kExitFailure;
    }
    SqliteStore& store = (*index)->store();
    auto documents = store.documentsUnder(QString());
    if (!documents) {
        printError(documents.error().message);
        return kExitFailure;
    }
    QByteArray line;
    for (const DocumentRecord& document : *documents) {
        auto passages = store.passagesOfDocument(document.id);
        if (!passages) {
            printError(passages.error().message);
            return kExitFailure;
        }
        std::vector<std::int64_t> ids;
        for (const PassageRecord& passage : *passages)
            ids.push_back(passage.id);
        auto vectors = store.vectorsOf(ids);
        if (!vectors) {
            printError(vectors.error().message);
            return kExitFailure;
        }
        const std::size_t dim = passages->empty() ? 0 : vectors->size() / passages->size();
        for (std::size_t i = 0; i < passages->size(); ++i) {
            const PassageRecord& passage = (*passages)[i];
            // The fixed fields through QJsonDocument (escaping), the vector by hand (9 digits).
            QByteArray head =
                QJsonDocument(QJsonObject{{QStringLiteral("path"), document.path},
                                          {QStringLiteral("line"), passage.line},
                                          {QStringLiteral("start"), qint64(passage.byteStart)},
                                          {QStringLiteral("end"), qint64(passage.byteEnd)},
                                          {QStringLiteral("text"), passage.text}})
                    .toJson(QJsonDocument::Compact);
            head.chop(1); // the closing brace
            line = head + ",\"embedding\":";
            appendJsonVector(line, vectors->data() + i * dim, dim);
            line += "}\n";
            if (!writeOut(line)) {
                printError(QStringLiteral("cannot write to stdout"));
                return kExitFailure;
            }
        }
    }
    if (std::fflush(stdout) != 0) {
        printError(QStringLiteral("cannot write to stdout"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
