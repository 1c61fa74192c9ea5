#include "cli_support.h"

#include "command.h"
#include "json_text_line.h"
#include "semsearch/printable_text.h"

#include "semsearch/index_folder.h"
#include "semsearch/indexer.h"
#include "semsearch/locations.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QStringDecoder>

#include <cmath>

namespace semsearch::cli {

void printError(const QString& message) {
    // One line, whatever the message holds (file names can hold newlines, servers and model
    // files escape sequences), so scripts can rely on it and nothing in it acts on the terminal.
    std::fprintf(stderr, "semsearch-cli: %s\n",
                 escapedText(message.trimmed()).toLocal8Bit().constData());
}

std::optional<int> parseArguments(QCommandLineParser& parser, const QString& command,
                                  const QString& description, const QStringList& arguments) {
    parser.setApplicationDescription(description);
    const QCommandLineOption help = parser.addHelpOption();
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    QStringList argv = arguments;
    argv.prepend(QStringLiteral("semsearch-cli ") + command);
    if (!parser.parse(argv)) {
        printError(parser.errorText() +
                   QStringLiteral(" (see 'semsearch-cli %1 --help')").arg(command));
        return kExitUsage;
    }
    if (parser.isSet(help)) {
        // Qt names the program by its path as started; the usage line names the command.
        QString text = parser.helpText();
        const QString started = QStringLiteral("Usage: ") + QCoreApplication::arguments().value(0);
        if (text.startsWith(started))
            text.replace(0, started.size(), QStringLiteral("Usage: semsearch-cli ") + command);
        std::fputs(text.toLocal8Bit().constData(), stdout);
        return kExitOk;
    }
    return std::nullopt;
}

std::optional<int> intOption(const QCommandLineParser& parser, const QString& name, int min) {
    bool ok = false;
    const int value = parser.value(name).toInt(&ok);
    if (!ok || value < min) {
        printError(QStringLiteral("--%1 takes a whole number of at least %2, not '%3'")
                       .arg(name)
                       .arg(min)
                       .arg(parser.value(name)));
        return std::nullopt;
    }
    return value;
}

QCommandLineOption modelOption() {
    return QCommandLineOption(
        QStringLiteral("model"),
        QStringLiteral("Model folder in the sentence-transformers layout (default: "
                       "$SEMSEARCH_MODEL, else %1).")
            .arg(QDir::toNativeSeparators(defaultModelFolder())),
        QStringLiteral("DIR"));
}

QString modelFolder(const QCommandLineParser& parser) {
    if (parser.isSet(QStringLiteral("model")))
        return parser.value(QStringLiteral("model"));
    const QString fromEnvironment = qEnvironmentVariable("SEMSEARCH_MODEL");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    return defaultModelFolder();
}

QCommandLineOption indexOption() {
    return QCommandLineOption(QStringLiteral("index"),
                              QStringLiteral("Index folder (default: $SEMSEARCH_INDEX, else %1); "
                                             "'status' also reads a shared index at a "
                                             "postgresql:// location.")
                                  .arg(QDir::toNativeSeparators(defaultIndexFolder())),
                              QStringLiteral("DIR"));
}

namespace {

// The value of the environment variable `name` as a number in [minimum, maximum], `fallback`
// when it is unset or empty.
Result<double> environmentNumber(const char* name, double fallback, double minimum,
                                 double maximum) {
    const QString text = qEnvironmentVariable(name).trimmed();
    if (text.isEmpty())
        return fallback;
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok || value < minimum || value > maximum)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("%1: '%2' is not a number from %3 to %4")
                             .arg(QString::fromLatin1(name), text)
                             .arg(minimum)
                             .arg(maximum));
    return value;
}

} // namespace

Result<std::unique_ptr<IndexFolder>> openIndex(const QCommandLineParser& parser,
                                               IndexFolder::Mode mode) {
    VectorIndexOptions options;
    auto from =
        environmentNumber("SEMSEARCH_APPROXIMATE_FROM", double(options.approximateFrom), 1, 1e15);
    auto probes = environmentNumber("SEMSEARCH_TEST_FIRST_PROBES", 0, 0, 1e6);
    auto cap = environmentNumber("SEMSEARCH_TEST_RECALL_CAP", 1, 0, 1);
    for (const Result<double>* value : {&from, &probes, &cap})
        if (!*value)
            return value->error();
    options.approximateFrom = std::int64_t(*from);
    options.testFirstProbes = int(*probes);
    options.testRecallCap = *cap;
    auto index = IndexFolder::open(indexFolder(parser), mode);
    if (index)
        (*index)->setVectorIndexOptions(options);
    return index;
}

QString indexFolder(const QCommandLineParser& parser) {
    if (parser.isSet(QStringLiteral("index")))
        return parser.value(QStringLiteral("index"));
    const QString fromEnvironment = qEnvironmentVariable("SEMSEARCH_INDEX");
    return fromEnvironment.isEmpty() ? defaultIndexFolder() : fromEnvironment;
}

std::optional<QString> modelMismatch(IndexFolder& index, const ModelInfo& model,
                                     const QString& modelFolder, ModelUse use) {
    auto recorded = index.model();
    const ModelIdentity current = modelIdentity(model);
    if (!recorded || !*recorded || sameVectors(**recorded, current))
        return std::nullopt;
    const ModelIdentity& built = **recorded;
    // The model that built the index is most likely where downloads go.
    const QString likely = defaultModelsFolder() + QLatin1Char('/') + built.name;
    const QString keep = QFileInfo::exists(likely)
                             ? QStringLiteral("--model %1").arg(QDir::toNativeSeparators(likely))
                             : QStringLiteral("--model DIR (the folder of '%1')").arg(built.name);
    const QString reembed =
        QStringLiteral("'semsearch-cli index --reembed --model %1'")
            .arg(QDir::toNativeSeparators(QFileInfo(modelFolder).absoluteFilePath()));
    const QString head = QStringLiteral("%1: this index was built with the model %2, not %3; ")
                             .arg(index.folder(), describeModel(built), describeModel(current));
    if (use == ModelUse::Search)
        return head + QStringLiteral("search it with %1, or re-embed every document with the "
                                     "new model: %2")
                          .arg(keep, reembed);
    return head + QStringLiteral("add to it with %1, or re-embed every document with the new "
                                 "model: %2")
                      .arg(keep, reembed);
}

bool writeOut(const QByteArray& bytes) {
    return std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stdout) ==
           std::size_t(bytes.size());
}

void appendJsonFloat(QByteArray& out, float value) {
    char number[32];
    if (std::isfinite(value))
        out.append(number, std::snprintf(number, sizeof number, "%.9g", double(value)));
    else
        out.append("null");
}

void appendJsonVector(QByteArray& out, const float* values, std::size_t dim) {
    out.append('[');
    for (std::size_t i = 0; i < dim; ++i) {
        if (i)
            out.append(',');
        appendJsonFloat(out, values[i]);
    }
    out.append(']');
}

namespace {

// Reads one line without its line ending; false at the end of input.
bool readLine(std::FILE* input, QByteArray& line) {
    line.clear();
    int c;
    bool any = false;
    while ((c = std::fgetc(input)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        line.append(static_cast<char>(c));
    }
    if (line.endsWith('\r'))
        line.chop(1);
    return any;
}

} // namespace

Result<QStringList> TextReader::next(int maxTexts) {
    QStringList texts;
    QByteArray line;
    while (texts.size() < maxTexts && readLine(m_input, line)) {
        ++m_lineNumber;
        // A byte-order mark opens the stream, it is not part of the first text (editors on
        // Windows write one); anywhere else U+FEFF is a character, which the tokenizer drops
        // as BERT's does.
        if (m_lineNumber == 1 && line.startsWith("\xEF\xBB\xBF"))
            line.remove(0, 3);
        if (m_jsonLines) {
            auto text = parseJsonTextLine(line);
            if (!text)
                return makeError(ErrorCode::InvalidArgument, QStringLiteral("stdin line %1: %2")
                                                                 .arg(m_lineNumber)
                                                                 .arg(text.error().message));
            texts << std::move(text).value();
        } else {
            // ConvertInitialBom: QString::fromUtf8 would drop a U+FEFF that starts the line.
            QStringDecoder decoder(QStringConverter::Utf8,
                                   QStringConverter::Flag::Stateless |
                                       QStringConverter::Flag::ConvertInitialBom);
            QString text = decoder.decode(line);
            if (decoder.hasError())
                return makeError(
                    ErrorCode::InvalidArgument,
                    QStringLiteral("stdin line %1: not valid UTF-8").arg(m_lineNumber));
            texts << text;
        }
    }
    return texts;
}

QString numberText(std::int64_t n) {
    QLocale locale;
    // Qt groups digits for the system's "C" locale ("1,100"); C and POSIX mean none, and
    // scripts that run the CLI under LC_ALL=C read plain numbers.
    if (locale.language() == QLocale::C)
        locale.setNumberOptions(QLocale::OmitGroupSeparator);
    return locale.toString(qint64(n));
}

QString countText(std::int64_t n, const char* one, const char* many) {
    return numberText(n) + QLatin1Char(' ') + QLatin1String(n == 1 ? one : many);
}

} // namespace semsearch::cli
