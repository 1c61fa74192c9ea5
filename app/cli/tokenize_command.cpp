// semsearch-cli tokenize: texts on stdin, one JSON array of token ids per text on stdout.

#include "cli_support.h"
#include "command.h"

#include "semsearch/model.h"
#include "semsearch/tokenizer.h"

#include <QCommandLineParser>

#include <cstdio>

namespace semsearch::cli {

int runTokenize(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.addOption(modelOption());
    const QCommandLineOption jsonl(QStringLiteral("jsonl"),
                                   QStringLiteral("Read each line as one JSON string."));
    const QCommandLineOption maxLength(
        QStringLiteral("max-length"),
        QStringLiteral("Cut to N ids including [CLS] and [SEP] (default: the model's "
                       "max_seq_length, as embed does); 0 = no limit."),
        QStringLiteral("N"));
    parser.addOptions({jsonl, maxLength});
    if (auto stop = parseArguments(
            parser, QStringLiteral("tokenize"),
            QStringLiteral("Print the model's token ids for texts read from stdin (one per "
                           "line), one JSON array per text, cut exactly as embed cuts them."),
            arguments))
        return *stop;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("tokenize takes no arguments, texts come on stdin"));
        return kExitUsage;
    }
    std::optional<int> limit;
    if (parser.isSet(maxLength)) {
        limit = intOption(parser, QStringLiteral("max-length"), 0);
        if (!limit)
            return kExitUsage;
        if (*limit == 1) {
            printError(QStringLiteral("--max-length must be 0 or at least 2 ([CLS] and [SEP])"));
            return kExitUsage;
        }
    }

    const QString folder = modelFolder(parser);
    auto model = readModelInfo(folder);
    if (!model) {
        printError(model.error().message);
        return kExitFailure;
    }
    auto tokenizer = WordPieceTokenizer::load(model->folder);
    if (!tokenizer) {
        printError(tokenizer.error().message);
        return kExitFailure;
    }
    const std::size_t length = static_cast<std::size_t>(limit ? *limit : model->maxSeqLength);

    TextReader reader(stdin, parser.isSet(jsonl));
    QByteArray line;
    for (;;) {
        auto texts = reader.next(1024);
        if (!texts) {
            printError(texts.error().message);
            return kExitFailure;
        }
        if (texts->isEmpty())
            break;
        for (const QString& text : *texts) {
            // Stripped exactly as embed strips, so both see the same ids.
            line = "[";
            for (TokenId id : tokenizer->encode(text.trimmed(), length)) {
                if (line.size() > 1)
                    line.append(',');
                line.append(QByteArray::number(id));
            }
            line.append("]\n");
            std::fwrite(line.constData(), 1, static_cast<std::size_t>(line.size()), stdout);
        }
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        printError(QStringLiteral("cannot write to stdout"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
