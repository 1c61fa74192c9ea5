// The small files of a downloaded model folder: the JSON files readModelInfo reads, and
// vocab.txt and tokenizer_config.json as WordPieceTokenizer::load reads them.
//
// Input: the files' contents one after another, separated by NUL bytes, in the order of kFiles;
// a file whose part is missing is absent from the folder, except vocab.txt, which is then a
// small vocabulary with the special tokens (the real one, 30522 lines, would make each run slow).

#include "fuzz_support.h"

#include "semsearch/model.h"
#include "semsearch/tokenizer.h"

#include <QDir>

#include <array>

using namespace semsearch;

namespace {

constexpr std::array<const char*, 7> kFiles = {"config.json",
                                               "modules.json",
                                               "1_Pooling/config.json",
                                               "sentence_bert_config.json",
                                               "tokenizer_config.json",
                                               "config_sentence_transformers.json",
                                               "vocab.txt"};
constexpr char kSmallVocabulary[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n##s\nmodel\n";

// A model folder holding the parts of this input.
QString modelFolder(const std::uint8_t* data, std::size_t size) {
    static const QString folder = [] {
        const QString path = fuzz::scratchFolder() + QStringLiteral("/model");
        QDir().mkpath(path + QStringLiteral("/1_Pooling"));
        return path;
    }();
    std::size_t start = 0;
    for (const char* name : kFiles) {
        const QString file = QStringLiteral("model/") + QLatin1String(name);
        QFile::remove(fuzz::scratchFolder() + QLatin1Char('/') + file);
        if (start > size) {
            if (file.endsWith(QLatin1String("vocab.txt")))
                fuzz::writeScratchFile(file,
                                       reinterpret_cast<const std::uint8_t*>(kSmallVocabulary),
                                       sizeof kSmallVocabulary - 1);
            continue;
        }
        std::size_t end = start;
        while (end < size && data[end] != 0)
            ++end;
        fuzz::writeScratchFile(file, data + start, end - start);
        start = end + 1;
    }
    return folder;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QString folder = modelFolder(data, size);
    auto info = readModelInfo(folder);
    if (info) {
        // What the encoder will be built from is positive and consistent.
        FUZZ_CHECK(info->bert.hiddenSize > 0 && info->bert.numLayers > 0);
        FUZZ_CHECK(info->bert.numHeads > 0 && info->bert.hiddenSize % info->bert.numHeads == 0);
        FUZZ_CHECK(info->maxSeqLength >= 2 && info->maxSeqLength <= info->bert.maxPositions);
    }
    auto tokenizer = WordPieceTokenizer::load(folder);
    if (tokenizer) {
        // The special tokens it promises are in its vocabulary.
        const std::size_t vocabulary = tokenizer->vocabularySize();
        for (TokenId id :
             {tokenizer->padId(), tokenizer->unknownId(), tokenizer->clsId(), tokenizer->sepId()})
            FUZZ_CHECK(id >= 0 && std::size_t(id) < vocabulary);
        (void)tokenizer->encode(QStringLiteral("The model's [MASK] tokens"), 8);
    }
    return 0;
}
