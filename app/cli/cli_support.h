#pragma once

// Helpers shared by the semsearch-cli commands: argument parsing with the exit-code contract,
// error printing, the default model folder, and reading texts from stdin.

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/index_folder.h"
#include "semsearch/model.h"
#include "semsearch/precision.h"

#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

namespace semsearch {
class IndexFolder;
}

namespace semsearch::cli {

// Prints "semsearch-cli: <message>" as one line on stderr, through printableText() (a newline or
// an escape sequence in the message shows as U+FFFD).
void printError(const QString& message);

// Parses `arguments` for `command`. Returns an exit code when the command must stop now:
// kExitOk after printing --help, kExitUsage after printing a usage error. The parser must
// already hold the command's options and positional arguments.
std::optional<int> parseArguments(QCommandLineParser& parser, const QString& command,
                                  const QString& description, const QStringList& arguments);

// Reads a non-negative integer option; prints a usage error and returns nullopt when invalid.
std::optional<int> intOption(const QCommandLineParser& parser, const QString& name, int min);

// The option every model-using command takes.
QCommandLineOption modelOption();
// --model, else $SEMSEARCH_MODEL, else the default download location of the seed model.
QString modelFolder(const QCommandLineParser& parser);

// The option every index-using command takes.
QCommandLineOption indexOption();
// --index, else $SEMSEARCH_INDEX, else the default index under the user's data folder.
QString indexFolder(const QCommandLineParser& parser);

// Opens the index folder of --index (see indexFolder()) with the vector index options of the
// environment: $SEMSEARCH_APPROXIMATE_FROM, the passage count from which the approximate index
// is used (a positive whole number), and the test hooks $SEMSEARCH_TEST_FIRST_PROBES and
// $SEMSEARCH_TEST_RECALL_CAP (see vector_index_options.h). Errors: IndexFolder::open's, and
// InvalidArgument naming a variable whose value is not a number it takes.
Result<std::unique_ptr<IndexFolder>> openIndex(const QCommandLineParser& parser,
                                               IndexFolder::Mode mode);

// What the command wants to do with an index built with another model.
enum class ModelUse { Index, Search, Reembed };
// When `index` was built with another model than `model` (at `modelFolder`): the one-line
// refusal naming both models and ending with the way out (--model with the folder of the
// model that built it, or 'index --reembed'). std::nullopt when they agree, the index is new,
// or its identity cannot be read (the core's own check then speaks).
std::optional<QString> modelMismatch(IndexFolder& index, const ModelInfo& model,
                                     const QString& modelFolder, ModelUse use);

// --precision MODE for the commands that embed (cli_precision.cpp); `defaultText` names the
// command's default ("auto", "fp32", ...).
QCommandLineOption precisionOption(const QString& defaultText);
// --precision, else a non-empty $SEMSEARCH_PRECISION, else std::nullopt (the command's
// default). InvalidArgument, naming the flag or the variable, for anything but fp32, bf16, int8
// or auto.
Result<std::optional<Precision>> askedPrecision(const QCommandLineParser& parser);
// Opens the model for a command on `index` (nullptr: none yet) with openEmbedderForIndex
// (index_precision.h), in `asked` (std::nullopt: auto, i.e. the index's precision, else auto's
// choice), remembering quality checks in the user's cache folder.
Result<std::unique_ptr<Embedder>> openModelFor(const QString& modelFolder, IndexFolder* index,
                                               std::optional<Precision> asked, ModelUse use,
                                               EmbedderOptions options = {});

// The precision to open the model in for a command on the shared index at `location` when none
// is asked for: the one the index records; for a search, fp32 when this CPU cannot make that
// one (the closest to any precision's vectors, as for a local index). std::nullopt when it
// records none or cannot be read (the command then meets the reason itself).
std::optional<Precision> sharedIndexPrecisionFor(const QString& location, ModelUse use);

// Writes `bytes` to stdout; false when stdout is gone (a closed pipe, a full disk).
bool writeOut(const QByteArray& bytes);

// A count for people to read, in the locale's number format (grouped where the locale groups,
// e.g. "17,535" under en_US, "17535" under C) with the word for one or for more:
// countText(1, "file", "files") is "1 file". The CLI speaks English only; JSON output keeps
// plain numbers.
QString countText(std::int64_t n, const char* one, const char* many);
// A number alone in the locale's format; ungrouped in the C locale (LC_ALL=C), as scripts read it.
QString numberText(std::int64_t n);
// Appends a float32 as JSON with 9 significant digits (enough to read back the same float);
// non-finite values become null.
void appendJsonFloat(QByteArray& out, float value);
// Appends `dim` floats as a JSON array, each as appendJsonFloat writes it.
void appendJsonVector(QByteArray& out, const float* values, std::size_t dim);

// Reads texts from stdin in one of two formats:
//   plain: one text per line (\n or \r\n); a final line without a newline counts;
//   JSON Lines: each line one JSON string (strict RFC 8259, see parseJsonTextLine), so a text
//   may hold newlines and tabs.
// A UTF-8 byte-order mark at the very start of the input is dropped; a U+FEFF anywhere else is
// part of the text.
// Stops after `maxTexts` texts so that callers can stream; returns an empty list at the end of
// input, or an Error naming the line for invalid UTF-8 or a line that is not a JSON string.
class TextReader {
public:
    TextReader(std::FILE* input, bool jsonLines) : m_input(input), m_jsonLines(jsonLines) {}
    Result<QStringList> next(int maxTexts);

private:
    std::FILE* m_input;
    bool m_jsonLines;
    long m_lineNumber = 0;
};

} // namespace semsearch::cli
