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
    QByteArray line;
    bool written = true;
    auto exported =
        (*index)->exportPassages([&](const DocumentRecord& document, const PassageRecord& passage,
                                     const float* vector, int dimension) {
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
            appendJsonVector(line, vector, std::size_t(dimension));
            line += "}\n";
            written = writeOut(line);
            return written;
        });
    if (!exported) {
        printError(exported.error().message);
        return kExitFailure;
    }
    if (!written) {
        printError(QStringLiteral("cannot write to stdout"));
        return kExitFailure;
    }
    if (std::fflush(stdout) != 0) {
        printError(QStringLiteral("cannot write to stdout"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
