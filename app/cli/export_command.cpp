// semsearch-cli export --jsonl: every passage with its vector, one JSON object per line.

#include "cli_support.h"
#include "command.h"

#include "semsearch/index_folder.h"
#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_searcher.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace semsearch::cli {

namespace {

// One passage as a JSON line: the fixed fields through QJsonDocument (escaping), the vector by
// hand (9 digits). `machine` (a shared index's) only when there is one.
QByteArray passageLine(const DocumentRecord& document, const PassageRecord& passage,
                       const QString& machine, const float* vector, int dimension) {
    QJsonObject fields{{QStringLiteral("path"), document.path},
                       {QStringLiteral("line"), passage.line},
                       {QStringLiteral("start"), qint64(passage.byteStart)},
                       {QStringLiteral("end"), qint64(passage.byteEnd)},
                       {QStringLiteral("text"), passage.text}};
    if (!machine.isEmpty())
        fields.insert(QStringLiteral("machine"), machine);
    QByteArray line = QJsonDocument(fields).toJson(QJsonDocument::Compact);
    line.chop(1); // the closing brace
    line += ",\"embedding\":";
    appendJsonVector(line, vector, std::size_t(dimension));
    line += "}\n";
    return line;
}

// Every passage of the index at --index, a folder or a shared index, to `visit`.
Result<void> exportIndex(const QCommandLineParser& parser,
                         const std::function<bool(const QByteArray& line)>& visit) {
    if (const QString location = indexFolder(parser); isSharedIndexLocation(location))
        return exportSharedIndex(location, [&](const DocumentRecord& document,
                                               const PassageRecord& passage, const QString& machine,
                                               const float* vector, int dimension) {
            return visit(passageLine(document, passage, machine, vector, dimension));
        });
    auto index = IndexFolder::open(indexFolder(parser), IndexFolder::Mode::Read);
    if (!index)
        return index.error();
    auto exported =
        (*index)->exportPassages([&](const DocumentRecord& document, const PassageRecord& passage,
                                     const float* vector, int dimension) {
            return visit(passageLine(document, passage, QString(), vector, dimension));
        });
    if (!exported)
        return exported.error();
    return {};
}

} // namespace

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
    bool written = true;
    auto exported = exportIndex(parser, [&](const QByteArray& line) {
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
