// bench_embed: how fast does semsearch embed a realistic corpus, and how close is that to what
// this machine's fp32 matrix multiply can do? Both are measured in the same run, with the same
// thread count, so the fraction of peak is meaningful on any machine.
//
//   bench_embed --model DIR [--corpus FILE] [--batch-size 32] [--threads 0] [--repeat 1]
//
// Output is plain "key: value" lines so a README can quote them.

#include "semsearch/embedder.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#ifndef SEMSEARCH_BENCH_CORPUS
#define SEMSEARCH_BENCH_CORPUS "bench/data/corpus.txt"
#endif

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `step` a few times to warm caches and allocators, then repeatedly for at least
// `minSeconds`, and returns the seconds per call.
double timePerCall(const std::function<void()>& step, double minSeconds) {
    for (int i = 0; i < 3; ++i)
        step();
    int calls = 0;
    const Clock::time_point start = Clock::now();
    double elapsed = 0.0;
    do {
        step();
        ++calls;
        elapsed = secondsSince(start);
    } while (elapsed < minSeconds);
    return elapsed / calls;
}

struct LinearShape {
    std::int64_t in;
    std::int64_t out;
};

// The fp32 GEMM rate of this machine on the matrix shapes of a bert-base layer: 1024 tokens
// (32 sentences of 32 tokens) through 768x768 (Q, K, V, attention output), 768x3072 and
// 3072x768. Two LibTorch kernels are tried, because which one is faster depends on the build
// and the CPU (Debian's at::linear goes to OpenBLAS, mkldnn_linear to oneDNN); the best kernel
// figure is the peak.
double measurePeakGflops() {
    constexpr std::int64_t tokens = 1024;
    constexpr double secondsPerShape = 1.0;
    const std::vector<LinearShape> shapes = {{768, 768}, {768, 3072}, {3072, 768}};
    double peak = 0.0;
    at::NoGradGuard noGrad;

    for (const LinearShape& shape : shapes) {
        const at::Tensor x = at::randn({tokens, shape.in});
        const at::Tensor w = at::randn({shape.out, shape.in}) * 0.02;
        const double flops = 2.0 * tokens * shape.in * shape.out;
        const std::string label = std::to_string(tokens) + "x" + std::to_string(shape.in) + "x" +
                                  std::to_string(shape.out);

        const double blasSeconds = timePerCall([&] { at::linear(x, w); }, secondsPerShape);
        const double blasGflops = flops / blasSeconds / 1e9;
        std::printf("peak linear %s GFLOP/s: %.1f\n", label.c_str(), blasGflops);
        peak = std::max(peak, blasGflops);

        if (!at::hasMKLDNN()) {
            std::printf("peak mkldnn_linear %s GFLOP/s: unavailable (LibTorch built without "
                        "MKLDNN)\n",
                        label.c_str());
            continue;
        }
        try {
            // Converted once outside the loop: this is the kernel's rate, not the layout
            // conversion's.
            const at::Tensor xm = x.to_mkldnn();
            const at::Tensor wm = w.to_mkldnn();
            const double dnnlSeconds =
                timePerCall([&] { at::mkldnn_linear(xm, wm, {}); }, secondsPerShape);
            const double dnnlGflops = flops / dnnlSeconds / 1e9;
            std::printf("peak mkldnn_linear %s GFLOP/s: %.1f\n", label.c_str(), dnnlGflops);
            peak = std::max(peak, dnnlGflops);
            // What a drop-in replacement for at::linear on dense tensors gets: the same kernel
            // plus converting the activations in and out on every call (the weight once).
            const double convertSeconds = timePerCall(
                [&] { at::mkldnn_linear(x.to_mkldnn(), wm, {}).to_dense(); }, secondsPerShape);
            std::printf("peak mkldnn_linear+conversions %s GFLOP/s: %.1f\n", label.c_str(),
                        flops / convertSeconds / 1e9);
        } catch (const std::exception& e) {
            std::printf("peak mkldnn_linear %s GFLOP/s: unavailable (%s)\n", label.c_str(),
                        e.what());
        }
    }
    return peak;
}

// One sentence per non-blank line, UTF-8.
bool readCorpus(const QString& path, QStringList& sentences, QString& error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        error = path + ": " + file.errorString();
        return false;
    }
    const QString text = QString::fromUtf8(file.readAll());
    for (const QString& line : text.split('\n')) {
        const QString trimmed = line.trimmed();
        if (!trimmed.isEmpty())
            sentences.append(trimmed);
    }
    if (sentences.isEmpty()) {
        error = path + ": no sentences";
        return false;
    }
    return true;
}

// The token work the embedder does, given each text's token count: it sorts by token count and
// pads each batch to its longest member (embedder.h). Sorting longest first, as
// sentence-transformers does; the padding total barely depends on the direction.
struct Workload {
    std::int64_t realTokens = 0;
    std::int64_t paddedTokens = 0;
    double usefulFlops = 0.0; // linear layers + attention, for real tokens only
    double paddedFlops = 0.0; // the same for every position actually computed
};

Workload countWork(std::vector<std::int64_t> lengths, int batchSize,
                   const semsearch::BertConfig& bert) {
    std::sort(lengths.begin(), lengths.end(), std::greater<>());
    const double h = bert.hiddenSize;
    const double i = bert.intermediateSize;
    // Per layer per token: Q, K, V and attention-output projections (4 H^2) and the two
    // feed-forward matrices (2 H I), 2 FLOPs per multiply-add.
    const double linearPerToken = 2.0 * (4.0 * h * h + 2.0 * h * i);
    Workload w;
    for (std::size_t begin = 0; begin < lengths.size(); begin += batchSize) {
        const std::size_t end = std::min(lengths.size(), begin + batchSize);
        const std::int64_t longest = lengths[begin];
        // QK^T and AV: each query position meets `longest` key positions, H wide, twice.
        const double perToken = linearPerToken + 2.0 * 2.0 * longest * h;
        std::int64_t real = 0;
        for (std::size_t k = begin; k < end; ++k)
            real += lengths[k];
        const std::int64_t padded = static_cast<std::int64_t>(end - begin) * longest;
        w.realTokens += real;
        w.paddedTokens += padded;
        w.usefulFlops += bert.numLayers * perToken * real;
        w.paddedFlops += bert.numLayers * perToken * padded;
    }
    return w;
}

QString cpuModel() {
    QFile file("/proc/cpuinfo");
    if (!file.open(QIODevice::ReadOnly))
        return "unknown";
    for (const QByteArray& line : file.readAll().split('\n')) {
        if (line.startsWith("model name")) {
            const int colon = line.indexOf(':');
            return QString::fromUtf8(line.mid(colon + 1)).trimmed();
        }
    }
    return "unknown";
}

// Other processes on the machine skew both figures; the load average makes that visible.
QString loadAverage() {
    QFile file("/proc/loadavg");
    if (!file.open(QIODevice::ReadOnly))
        return "unknown";
    const QList<QByteArray> fields = file.readAll().split(' ');
    return fields.size() >= 3 ? QString::fromUtf8(fields[0] + " " + fields[1] + " " + fields[2])
                              : "unknown";
}

QString commandLine(int argc, char** argv) {
    QStringList parts;
    for (int k = 0; k < argc; ++k) {
        QString arg = QString::fromLocal8Bit(argv[k]);
        if (arg.isEmpty() || arg.contains(QRegularExpression("[^A-Za-z0-9_./=:,+-]")))
            arg = "'" + arg.replace("'", "'\\''") + "'";
        parts.append(arg);
    }
    return parts.join(' ');
}

bool parseInt(const QCommandLineParser& parser, const QString& option, int minimum, int& out) {
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value < minimum) {
        std::fprintf(stderr, "bench_embed: --%s must be an integer >= %d\n", qPrintable(option),
                     minimum);
        return false;
    }
    out = value;
    return true;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("bench_embed");

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Embeds a fixed corpus with semsearch and compares the rate with this machine's "
        "measured fp32 matrix-multiply peak.");
    parser.addHelpOption();
    parser.addOption({"model", "The sentence-transformers model folder.", "dir"});
    parser.addOption(
        {"corpus", "One sentence per line.", "file", QStringLiteral(SEMSEARCH_BENCH_CORPUS)});
    parser.addOption({"batch-size", "Texts per forward pass.", "n", "32"});
    parser.addOption({"threads", "Compute threads; 0 = one per hardware thread.", "n", "0"});
    parser.addOption(
        {"repeat", "Timed passes over the corpus; the fastest is reported.", "n", "1"});
    parser.process(app);

    if (!parser.isSet("model")) {
        std::fprintf(stderr, "bench_embed: --model DIR is required (see --help)\n");
        return 2;
    }
    int batchSize = 0, threads = 0, repeat = 0;
    if (!parseInt(parser, "batch-size", 1, batchSize) || !parseInt(parser, "threads", 0, threads) ||
        !parseInt(parser, "repeat", 1, repeat))
        return 2;
    if (threads == 0)
        threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

    std::printf("command: %s\n", qPrintable(commandLine(argc, argv)));
    std::printf("cpu: %s\n", qPrintable(cpuModel()));
    std::printf("hardware threads: %u\n", std::thread::hardware_concurrency());
    std::printf("threads: %d\n", threads);
    std::printf("batch size: %d\n", batchSize);
    std::printf("load average at start: %s\n", qPrintable(loadAverage()));

    // The peak first, with the thread count the embedder will use (it sets the same
    // process-wide value again when opened).
    at::set_num_threads(threads);
    const double peakGflops = measurePeakGflops();
    std::printf("peak GFLOP/s: %.1f\n", peakGflops);

    QStringList sentences;
    QString error;
    if (!readCorpus(parser.value("corpus"), sentences, error)) {
        std::fprintf(stderr, "bench_embed: %s\n", qPrintable(error));
        return 1;
    }

    semsearch::EmbedderOptions options;
    options.batchSize = batchSize;
    options.threads = threads;
    const Clock::time_point openStart = Clock::now();
    auto opened = semsearch::openEmbedder(parser.value("model"), options);
    if (!opened) {
        std::fprintf(stderr, "bench_embed: %s\n", qPrintable(opened.error().message));
        return 1;
    }
    const double openSeconds = secondsSince(openStart);
    semsearch::Embedder& embedder = *opened.value();
    const semsearch::BertConfig& bert = embedder.model().bert;
    const std::size_t maxSeqLength = embedder.maxSeqLength();
    std::printf("model: %s\n", qPrintable(embedder.model().folder));
    std::printf("model shape: %d layers, hidden %d, heads %d, intermediate %d, pooling %s\n",
                bert.numLayers, bert.hiddenSize, bert.numHeads, bert.intermediateSize,
                qPrintable(semsearch::poolingName(embedder.model().pooling)));
    std::printf("max seq length: %zu\n", maxSeqLength);
    std::printf("open seconds: %.3f\n", openSeconds);

    // Tokenization alone, single-threaded, the way embed() sees the texts (already trimmed).
    std::vector<std::int64_t> lengths;
    lengths.reserve(sentences.size());
    std::int64_t truncated = 0;
    const Clock::time_point tokenizeStart = Clock::now();
    for (const QString& sentence : sentences) {
        const std::size_t n = embedder.tokenizer().encode(sentence, maxSeqLength).size();
        lengths.push_back(static_cast<std::int64_t>(n));
    }
    const double tokenizeSeconds = secondsSince(tokenizeStart);
    for (std::int64_t n : lengths)
        truncated += n >= static_cast<std::int64_t>(maxSeqLength) ? 1 : 0;
    const Workload work = countWork(lengths, batchSize, bert);

    // Warm-up: one batch, so one-time allocations and kernel selection are not timed.
    const QStringList warmUp = sentences.mid(0, batchSize);
    auto warm = embedder.embed(warmUp);
    if (!warm) {
        std::fprintf(stderr, "bench_embed: %s\n", qPrintable(warm.error().message));
        return 1;
    }

    double best = std::numeric_limits<double>::infinity();
    for (int run = 0; run < repeat; ++run) {
        const Clock::time_point start = Clock::now();
        auto result = embedder.embed(sentences);
        const double seconds = secondsSince(start);
        if (!result) {
            std::fprintf(stderr, "bench_embed: %s\n", qPrintable(result.error().message));
            return 1;
        }
        // Guards against measuring a broken run: every row present and finite.
        const semsearch::EmbeddingMatrix& m = result.value();
        if (m.rows != static_cast<std::size_t>(sentences.size()) || m.dim != embedder.dimension() ||
            !std::all_of(m.values.begin(), m.values.end(),
                         [](float v) { return std::isfinite(v); })) {
            std::fprintf(stderr, "bench_embed: run %d gave a wrong or non-finite matrix\n",
                         run + 1);
            return 1;
        }
        std::printf("run %d seconds: %.3f\n", run + 1, seconds);
        best = std::min(best, seconds);
    }

    const double n = sentences.size();
    const double usefulGflops = work.usefulFlops / best / 1e9;
    const double paddedGflops = work.paddedFlops / best / 1e9;
    std::printf("sentences: %lld\n", static_cast<long long>(sentences.size()));
    std::printf("total tokens: %lld\n", static_cast<long long>(work.realTokens));
    std::printf("mean tokens/sentence: %.2f\n", work.realTokens / n);
    std::printf("truncated sentences: %lld\n", static_cast<long long>(truncated));
    std::printf("padded tokens computed: %lld\n", static_cast<long long>(work.paddedTokens));
    std::printf("padding overhead: %.1f%%\n",
                100.0 * (work.paddedTokens - work.realTokens) / work.realTokens);
    std::printf("tokenize seconds: %.3f\n", tokenizeSeconds);
    std::printf("tokenize sentences/s: %.0f\n", n / tokenizeSeconds);
    std::printf("seconds: %.3f%s\n", best, repeat > 1 ? " (fastest run)" : "");
    std::printf("sentences/s: %.1f\n", n / best);
    std::printf("tokens/s: %.0f\n", work.realTokens / best);
    std::printf("useful GFLOP: %.1f\n", work.usefulFlops / 1e9);
    std::printf("padded GFLOP: %.1f\n", work.paddedFlops / 1e9);
    std::printf("achieved GFLOP/s: %.1f\n", usefulGflops);
    std::printf("fraction of peak: %.3f\n", usefulGflops / peakGflops);
    std::printf("achieved GFLOP/s incl. padding: %.1f\n", paddedGflops);
    std::printf("fraction of peak incl. padding: %.3f\n", paddedGflops / peakGflops);
    std::printf("load average at end: %s\n", qPrintable(loadAverage()));
    return 0;
}
