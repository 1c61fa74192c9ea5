// make_random_bert: writes a sentence-transformers model folder (BERT encoder + max pooling) with
// random weights, laid out exactly like tests/data/tiny-bert-max but bert-base-sized by default.
// The benchmark needs a real-sized model and nothing can be downloaded, so we make one; the
// values do not matter for speed, only the shapes do.
//
//   make_random_bert OUT_DIR [--layers 12] [--hidden 768] [--heads 12] [--intermediate 3072]
//                            [--vocab PATH] [--seed N]

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QString>
#include <QStringList>
#include <QtEndian>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#ifndef SEMSEARCH_DEFAULT_VOCAB
#define SEMSEARCH_DEFAULT_VOCAB "tests/data/tiny-bert-max/vocab.txt"
#endif

// The tensor data is written straight from memory; safetensors is little-endian.
static_assert(Q_BYTE_ORDER == Q_LITTLE_ENDIAN, "make_random_bert assumes a little-endian host");

namespace {

struct Sizes {
    int layers = 12;
    int hidden = 768;
    int heads = 12;
    int intermediate = 3072;
    int vocab = 30522;
    int maxPositions = 512;
    int typeVocab = 2;
    int maxSeqLength = 128;
};

// How a tensor's values are drawn: mean + std * (approximately) N(0, 1).
struct TensorSpec {
    std::string name;
    std::vector<std::int64_t> shape;
    float mean = 0.0f;
    float std = 0.02f;

    std::int64_t count() const {
        std::int64_t n = 1;
        for (std::int64_t d : shape)
            n *= d;
        return n;
    }
};

// BERT's own initializer_range. Keeps q.k scores and GELU inputs moderate, so activations stay
// finite through 12 layers (LayerNorm after each sublayer keeps the scale in check anyway).
constexpr float weightStd = 0.02f;
constexpr float biasStd = 0.01f;
constexpr float layerNormStd = 0.02f;

// The tensors of transformers' BertModel (no "bert." prefix), in the order safetensors writes
// them: sorted by name, so "encoder.layer.10" comes before "encoder.layer.2" as in real files.
std::vector<TensorSpec> bertTensors(const Sizes& s) {
    const std::int64_t h = s.hidden;
    const std::int64_t i = s.intermediate;
    std::vector<TensorSpec> t;
    auto add = [&t](std::string name, std::vector<std::int64_t> shape, float mean, float std) {
        t.push_back(TensorSpec{std::move(name), std::move(shape), mean, std});
    };
    auto layerNorm = [&](const std::string& prefix) {
        add(prefix + "LayerNorm.bias", {h}, 0.0f, layerNormStd);
        add(prefix + "LayerNorm.weight", {h}, 1.0f, layerNormStd);
    };
    auto linear = [&](const std::string& prefix, std::int64_t out, std::int64_t in) {
        add(prefix + ".bias", {out}, 0.0f, biasStd);
        add(prefix + ".weight", {out, in}, 0.0f, weightStd);
    };

    layerNorm("embeddings.");
    add("embeddings.position_embeddings.weight", {s.maxPositions, h}, 0.0f, weightStd);
    add("embeddings.token_type_embeddings.weight", {s.typeVocab, h}, 0.0f, weightStd);
    add("embeddings.word_embeddings.weight", {s.vocab, h}, 0.0f, weightStd);
    for (int layer = 0; layer < s.layers; ++layer) {
        const std::string p = "encoder.layer." + std::to_string(layer) + ".";
        layerNorm(p + "attention.output.");
        linear(p + "attention.output.dense", h, h);
        linear(p + "attention.self.key", h, h);
        linear(p + "attention.self.query", h, h);
        linear(p + "attention.self.value", h, h);
        linear(p + "intermediate.dense", i, h);
        layerNorm(p + "output.");
        linear(p + "output.dense", h, i);
    }
    linear("pooler.dense", h, h);

    std::sort(t.begin(), t.end(),
              [](const TensorSpec& a, const TensorSpec& b) { return a.name < b.name; });
    return t;
}

// Deterministic on every platform (std::normal_distribution is not): splitmix64 seeding and a
// xoshiro256** stream.
std::uint64_t splitMix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

class NormalishRng {
public:
    explicit NormalishRng(std::uint64_t seed) {
        for (std::uint64_t& word : m_s)
            word = splitMix64(seed);
    }

    // Fills `out` with approximately N(0, 1) values: the sum of four 16-bit uniforms from one
    // 64-bit draw (Irwin-Hall), centred and scaled to unit variance. Box-Muller took ~20 s for
    // bert-base's 110M values; this takes about a second, and the values are bounded by
    // +-2 sqrt(3), which keeps every activation finite.
    void fill(float* out, std::size_t n) {
        constexpr float scale = 1.7320508f / 65536.0f; // sqrt(12 / 4) per unit of 2^16
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint64_t r = next();
            const std::uint32_t sum = static_cast<std::uint32_t>(r & 0xffff) +
                                      static_cast<std::uint32_t>((r >> 16) & 0xffff) +
                                      static_cast<std::uint32_t>((r >> 32) & 0xffff) +
                                      static_cast<std::uint32_t>(r >> 48);
            out[k] = (static_cast<float>(sum) + 2.0f - 2.0f * 65536.0f) * scale;
        }
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    std::uint64_t next() {
        const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

    std::uint64_t m_s[4];
};

// Each tensor gets its own stream, seeded from the run seed and the tensor name (FNV-1a), so a
// tensor's values do not depend on how many other tensors there are.
std::uint64_t tensorSeed(std::uint64_t seed, const std::string& name) {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (unsigned char c : name) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string safetensorsHeader(const std::vector<TensorSpec>& tensors) {
    std::string json = R"({"__metadata__":{"format":"pt"})";
    std::int64_t offset = 0;
    for (const TensorSpec& t : tensors) {
        const std::int64_t bytes = t.count() * static_cast<std::int64_t>(sizeof(float));
        json += ",\"" + t.name + R"(":{"dtype":"F32","shape":[)";
        for (std::size_t d = 0; d < t.shape.size(); ++d)
            json += (d ? "," : "") + std::to_string(t.shape[d]);
        json += R"(],"data_offsets":[)" + std::to_string(offset) + "," +
                std::to_string(offset + bytes) + "]}";
        offset += bytes;
    }
    json += "}";
    // The safetensors library pads with spaces so the data starts 8-byte aligned.
    json.append((8 - json.size() % 8) % 8, ' ');
    return json;
}

bool writeAll(QSaveFile& file, const void* data, qint64 size) {
    return file.write(static_cast<const char*>(data), size) == size;
}

// Streams the weights tensor by tensor through a small buffer: bert-base is ~440 MB and there is
// no reason to hold it in memory.
bool writeSafetensors(const QString& path, const std::vector<TensorSpec>& tensors,
                      std::uint64_t seed, QString& error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = path + ": " + file.errorString();
        return false;
    }
    const std::string header = safetensorsHeader(tensors);
    const std::uint64_t headerSize = qToLittleEndian<quint64>(header.size());
    bool ok = writeAll(file, &headerSize, 8) &&
              writeAll(file, header.data(), static_cast<qint64>(header.size()));

    std::vector<float> buffer(1 << 20);
    for (const TensorSpec& t : tensors) {
        if (!ok)
            break;
        NormalishRng rng(tensorSeed(seed, t.name));
        std::int64_t left = t.count();
        while (ok && left > 0) {
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::int64_t>(left, buffer.size()));
            rng.fill(buffer.data(), n);
            for (std::size_t k = 0; k < n; ++k)
                buffer[k] = t.mean + t.std * buffer[k];
            ok = writeAll(file, buffer.data(), static_cast<qint64>(n * sizeof(float)));
            left -= static_cast<std::int64_t>(n);
        }
    }
    if (!ok || !file.commit()) {
        error = path + ": " + file.errorString();
        return false;
    }
    return true;
}

bool writeBytes(const QString& path, const QByteArray& bytes, QString& error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        error = path + ": " + file.errorString();
        return false;
    }
    return true;
}

bool writeText(const QString& path, const QString& text, QString& error) {
    return writeBytes(path, text.toUtf8(), error);
}

// The JSON files are written as text, with the tiny model's key order and formatting
// (QJsonObject would sort the keys).
bool writeConfigFiles(const QString& dir, const Sizes& s, QString& error) {
    const QString config = QString(R"({
  "architectures": [
    "BertModel"
  ],
  "attention_probs_dropout_prob": 0.1,
  "classifier_dropout": null,
  "hidden_act": "gelu",
  "hidden_dropout_prob": 0.1,
  "hidden_size": %1,
  "initializer_range": 0.02,
  "intermediate_size": %2,
  "layer_norm_eps": 1e-12,
  "max_position_embeddings": %3,
  "model_type": "bert",
  "num_attention_heads": %4,
  "num_hidden_layers": %5,
  "pad_token_id": 0,
  "position_embedding_type": "absolute",
  "transformers_version": "4.33.3",
  "type_vocab_size": %6,
  "use_cache": true,
  "vocab_size": %7
}
)")
                               .arg(s.hidden)
                               .arg(s.intermediate)
                               .arg(s.maxPositions)
                               .arg(s.heads)
                               .arg(s.layers)
                               .arg(s.typeVocab)
                               .arg(s.vocab);
    const QString modules = R"([
  {
    "idx": 0,
    "name": "0",
    "path": "",
    "type": "sentence_transformers.models.Transformer"
  },
  {
    "idx": 1,
    "name": "1",
    "path": "1_Pooling",
    "type": "sentence_transformers.models.Pooling"
  }
]
)";
    const QString sentenceBert = QString(R"({
  "max_seq_length": %1,
  "do_lower_case": false
}
)")
                                     .arg(s.maxSeqLength);
    const QString pooling = QString(R"({
  "word_embedding_dimension": %1,
  "pooling_mode_cls_token": false,
  "pooling_mode_mean_tokens": false,
  "pooling_mode_max_tokens": true,
  "pooling_mode_mean_sqrt_len_tokens": false
}
)")
                                .arg(s.hidden);
    const QString tokenizerConfig = R"({
  "do_lower_case": true,
  "do_basic_tokenize": true,
  "never_split": null,
  "unk_token": "[UNK]",
  "sep_token": "[SEP]",
  "pad_token": "[PAD]",
  "cls_token": "[CLS]",
  "mask_token": "[MASK]",
  "tokenize_chinese_chars": true,
  "strip_accents": null,
  "model_max_length": 512
}
)";
    const QString specialTokens = R"({
  "unk_token": "[UNK]",
  "sep_token": "[SEP]",
  "pad_token": "[PAD]",
  "cls_token": "[CLS]",
  "mask_token": "[MASK]"
}
)";
    const QString versions = R"({
  "__version__": {
    "sentence_transformers": "2.2.2",
    "transformers": "4.33.3",
    "pytorch": "1.13.0a0"
  }
}
)";
    const QDir d(dir);
    return writeText(d.filePath("config.json"), config, error) &&
           writeText(d.filePath("modules.json"), modules, error) &&
           writeText(d.filePath("sentence_bert_config.json"), sentenceBert, error) &&
           writeText(d.filePath("1_Pooling/config.json"), pooling, error) &&
           writeText(d.filePath("tokenizer_config.json"), tokenizerConfig, error) &&
           writeText(d.filePath("special_tokens_map.json"), specialTokens, error) &&
           writeText(d.filePath("config_sentence_transformers.json"), versions, error);
}

// Counts vocabulary entries the way transformers' load_vocab does: one per line, where a final
// line without a trailing newline still counts.
int countVocabLines(const QByteArray& bytes) {
    int lines = static_cast<int>(bytes.count('\n'));
    if (!bytes.isEmpty() && !bytes.endsWith('\n'))
        ++lines;
    return lines;
}

bool parsePositive(const QCommandLineParser& parser, const QString& option, int& out) {
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value <= 0) {
        std::fprintf(stderr, "make_random_bert: --%s must be a positive integer\n",
                     qPrintable(option));
        return false;
    }
    out = value;
    return true;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("make_random_bert");

    QCommandLineParser parser;
    parser.setApplicationDescription("Writes a sentence-transformers BERT model folder (max "
                                     "pooling) with random weights, for benchmarking.");
    parser.addHelpOption();
    parser.addPositionalArgument("OUT_DIR", "The model folder to create.");
    parser.addOption({"layers", "Encoder layers (default 12).", "n"});
    parser.addOption({"hidden", "Hidden size (default 768).", "n"});
    parser.addOption({"heads", "Attention heads (default 12).", "n"});
    parser.addOption({"intermediate", "Feed-forward size (default 3072).", "n"});
    parser.addOption({"vocab", "vocab.txt to copy; its line count is the vocabulary size.", "path",
                      QStringLiteral(SEMSEARCH_DEFAULT_VOCAB)});
    parser.addOption({"seed", "Random seed (default 1234).", "n"});
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    if (args.size() != 1) {
        std::fprintf(stderr, "make_random_bert: expected one OUT_DIR argument (see --help)\n");
        return 2;
    }
    Sizes sizes;
    if (!parsePositive(parser, "layers", sizes.layers) ||
        !parsePositive(parser, "hidden", sizes.hidden) ||
        !parsePositive(parser, "heads", sizes.heads) ||
        !parsePositive(parser, "intermediate", sizes.intermediate))
        return 2;
    if (sizes.hidden % sizes.heads != 0) {
        std::fprintf(stderr, "make_random_bert: --hidden %d is not a multiple of --heads %d\n",
                     sizes.hidden, sizes.heads);
        return 2;
    }
    std::uint64_t seed = 1234;
    if (parser.isSet("seed")) {
        bool ok = false;
        seed = parser.value("seed").toULongLong(&ok);
        if (!ok) {
            std::fprintf(stderr, "make_random_bert: --seed must be a non-negative integer\n");
            return 2;
        }
    }

    const QString vocabPath = parser.value("vocab");
    QFile vocabFile(vocabPath);
    if (!vocabFile.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "make_random_bert: %s: %s\n", qPrintable(vocabPath),
                     qPrintable(vocabFile.errorString()));
        return 1;
    }
    const QByteArray vocab = vocabFile.readAll();
    sizes.vocab = countVocabLines(vocab);
    if (sizes.vocab == 0) {
        std::fprintf(stderr, "make_random_bert: %s is empty\n", qPrintable(vocabPath));
        return 1;
    }

    const QString outDir = QFileInfo(args.first()).absoluteFilePath();
    if (!QDir().mkpath(outDir + "/1_Pooling")) {
        std::fprintf(stderr, "make_random_bert: cannot create %s\n", qPrintable(outDir));
        return 1;
    }

    QString error;
    const std::vector<TensorSpec> tensors = bertTensors(sizes);
    if (!writeBytes(outDir + "/vocab.txt", vocab, error) ||
        !writeConfigFiles(outDir, sizes, error) ||
        !writeSafetensors(outDir + "/model.safetensors", tensors, seed, error)) {
        std::fprintf(stderr, "make_random_bert: %s\n", qPrintable(error));
        return 1;
    }

    std::int64_t parameters = 0;
    for (const TensorSpec& t : tensors)
        parameters += t.count();
    std::printf("wrote %s: %zu tensors, %lld parameters, %d layers, hidden %d, heads %d, "
                "intermediate %d, vocab %d\n",
                qPrintable(outDir), tensors.size(), static_cast<long long>(parameters),
                sizes.layers, sizes.hidden, sizes.heads, sizes.intermediate, sizes.vocab);
    return 0;
}
