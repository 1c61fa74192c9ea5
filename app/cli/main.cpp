// semsearch-cli: the headless command. Composition root: picks the command and hands it its
// arguments; each command lives in its own file.

#include "cli_support.h"
#include "command.h"

#include "semsearch/extract.h"

#include <QCoreApplication>
#include <QStringDecoder>

#include <cstdio>
#include <cstring>

namespace {

using semsearch::cli::Command;

constexpr Command kCommands[] = {
    {"index", "Add files and folders to the index, or bring them up to date",
     semsearch::cli::runIndex},
    {"search", "Find passages by meaning and by keywords", semsearch::cli::runSearch},
    {"status", "Show what the index holds", semsearch::cli::runStatus},
    {"remove", "Remove files and folders from the index", semsearch::cli::runRemove},
    {"verify", "Check the index; --repair rebuilds the vector index file",
     semsearch::cli::runVerify},
    {"export", "Print every passage with its vector as JSON Lines", semsearch::cli::runExport},
    {"model", "Download a model from the Hugging Face hub; list and describe models",
     semsearch::cli::runModel},
    {"embed", "Embed texts from stdin; one JSON array of floats per text",
     semsearch::cli::runEmbed},
    {"tokenize", "Print token ids for texts from stdin; one JSON array per text",
     semsearch::cli::runTokenize},
};

void printUsage(std::FILE* out) {
    std::fprintf(out, "Usage: semsearch-cli COMMAND [OPTIONS]\n\n"
                      "Find passages in your files by meaning, from the command line.\n\n"
                      "Commands:\n");
    for (const Command& command : kCommands)
        std::fprintf(out, "  %-10s %s\n", command.name, command.summary);
    std::fprintf(out, "\nRun 'semsearch-cli COMMAND --help' for a command's options.\n"
                      "Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

// Qt decodes arguments as UTF-8 and turns other bytes into U+FFFD, so a file named
// "bad\xFF.txt" would later be "no such file". Say what is wrong instead, naming the bytes.
bool argumentsAreUtf8(int argc, char* argv[]) {
    for (int i = 1; i < argc; ++i) {
        QStringDecoder decoder(QStringConverter::Utf8, QStringConverter::Flag::Stateless);
        const QString decoded = decoder.decode(QByteArrayView(argv[i])); // decodes lazily
        (void)decoded;
        if (!decoder.hasError())
            continue;
        semsearch::cli::printError(
            QStringLiteral("%1: not valid UTF-8; semsearch takes file names and text in UTF-8 "
                           "only (rename such a file, for example with convmv)")
                .arg(semsearch::escapeInvalidUtf8(QByteArrayView(argv[i]))));
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char* argv[]) {
    if (!argumentsAreUtf8(argc, argv))
        return semsearch::cli::kExitFailure;
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("semsearch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SEMSEARCH_VERSION));
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() < 2) {
        printUsage(stderr);
        return semsearch::cli::kExitUsage;
    }
    const QString name = arguments.at(1);
    if (name == QLatin1String("--help") || name == QLatin1String("-h") ||
        name == QLatin1String("help")) {
        printUsage(stdout);
        return semsearch::cli::kExitOk;
    }
    if (name == QLatin1String("--version")) {
        std::printf("semsearch-cli %s\n", SEMSEARCH_VERSION);
        return semsearch::cli::kExitOk;
    }
    for (const Command& command : kCommands)
        if (name == QLatin1String(command.name))
            return command.run(arguments.mid(2));
    semsearch::cli::printError(
        QStringLiteral("unknown command '%1' (see 'semsearch-cli --help')").arg(name));
    return semsearch::cli::kExitUsage;
}
