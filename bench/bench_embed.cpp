// bench_embed: how fast does semsearch embed a realistic corpus in each precision (fp32, bf16,
// int8), and how close is each to what this machine's matrix multiply does in that precision?
// Everything is measured in the same run, with the same thread count, so the ratios between
// modes and the fractions of peak are meaningful on any machine.
//
//   bench_embed --model DIR [--corpus FILE] [--batch-size 32] [--threads 0] [--repeat 1]
//               [--precisions fp32,bf16,int8] [--quality-cache DIR]
//
// Output is plain "key: value" lines so a README can quote them.

#include "load_average.h"
#include "semsearch/embedder.h"
#include "semsearch/precision_check.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#ifndef SEMSEARCH_BENCH_CORPUS
#define SEMSEARCH_BENCH_CORPUS "bench/data/corpus.txt"
#endif

using semsearch::bench::loadAverage;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// User and system CPU seconds of this process so far. On a loaded machine the wall time of a
// run swells with the time its threads wait for a core; with --threads 1 the CPU time does not
// (the system part shows page faults and other kernel work the run causes).
struct CpuSeconds {
    double user = 0.0;
    double system = 0.0;
    long pageFaults = 0; // minor ones: each first touch of memory the process got afresh
};

CpuSeconds cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return double(t.tv_sec) + double(t.tv_usec) / 1e6;
    };
    return {seconds(usage.ru_utime), seconds(usage.ru_stime), usage.ru_minflt};
}

// User plus system CPU seconds of this process, to the nanosecond: getrusage's ticks are too
// coarse for one query.
double processCpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
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

// The matrix-multiply rate of this machine in `precision` on the shapes of a bert-base layer:
// 1024 tokens (32 sentences of 32 tokens) through 768x2304 (Q, K, V fused), 768x3072 and
// 3072x768, with oneDNN's matmul called directly on pre-packed weights, as the encoder does;
// the best shape's figure is the peak. (LibTorch's at::mkldnn_linear reaches a few percent
// less in fp32, as it converts layouts on every call; Debian's OpenBLAS a fifth.)
double measurePeakGflops(semsearch::Precision precision) {
    using Type = dnnl::memory::data_type;
    using Tag = dnnl::memory::format_tag;
    constexpr std::int64_t tokens = 1024;
    constexpr double secondsPerShape = 1.0;
    const std::vector<LinearShape> shapes = {{768, 2304}, {768, 3072}, {3072, 768}};
    const Type type = precision == semsearch::Precision::Int8   ? Type::s8
                      : precision == semsearch::Precision::Bf16 ? Type::bf16
                                                                : Type::f32;
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    double peak = 0.0;
    for (const LinearShape& shape : shapes) {
        const double flops = 2.0 * tokens * shape.in * shape.out;
        const std::string label = std::to_string(tokens) + "x" + std::to_string(shape.in) + "x" +
                                  std::to_string(shape.out);
        dnnl::primitive_attr attributes;
        if (type == Type::s8) // constant per-column scales, as the int8 encoder sets them
            attributes.set_output_scales(1 << 1, std::vector<float>(shape.out, 0.01f));
        const dnnl::memory::desc src({tokens, shape.in}, type, Tag::ab);
        const dnnl::memory::desc dst({tokens, shape.out}, Type::f32, Tag::ab);
        const dnnl::matmul::primitive_desc pd(
            dnnl::matmul::desc(src, dnnl::memory::desc({shape.in, shape.out}, type, Tag::any), dst),
            attributes, engine);
        dnnl::memory x(src, engine), w(pd.weights_desc(), engine), y(dst, engine);
        // Zero-filled inputs would let nothing be skipped anyway; the values do not matter.
        std::memset(x.get_data_handle(), 0, src.get_size());
        std::memset(w.get_data_handle(), 0, pd.weights_desc().get_size());
        dnnl::matmul product(pd);
        const double seconds = timePerCall(
            [&] {
                product.execute(stream,
                                {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}});
                stream.wait();
            },
            secondsPerShape);
        const double gflops = flops / seconds / 1e9;
        std::printf("%s peak %s GFLOP/s: %.1f (%s)\n",
                    qPrintable(semsearch::precisionName(precision)), label.c_str(), gflops,
                    pd.impl_info_str());
        peak = std::max(peak, gflops);
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

// What one precision achieved.
struct ModeFigures {
    semsearch::Precision precision = semsearch::Precision::Fp32;
    bool ran = false;
    double tokensPerSecond = 0.0;
    double process512Seconds = 0.0;
    double process512CpuSeconds = 0.0;
};

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[std::size_t(p * double(values.size() - 1) + 0.5)];
}

// Opens the model in `options.precision`, timed; the quality check must already be remembered
// in options.qualityCacheFolder, so this is what a normal start costs.
std::unique_ptr<semsearch::Embedder>
openTimed(const QString& model, const semsearch::EmbedderOptions& options, double& seconds) {
    const Clock::time_point start = Clock::now();
    auto opened = semsearch::openEmbedder(model, options);
    seconds = secondsSince(start);
    if (!opened) {
        std::fprintf(stderr, "bench_embed: %s\n", qPrintable(opened.error().message));
        return nullptr;
    }
    return std::move(opened).value();
}

// Embeds the corpus `repeat` times and prints the figures of the fastest run; 0 on failure.
double embedCorpus(semsearch::Embedder& embedder, const QStringList& sentences, int repeat) {
    double best = std::numeric_limits<double>::infinity();
    for (int run = 0; run < repeat; ++run) {
        const Clock::time_point start = Clock::now();
        const CpuSeconds cpuStart = cpuSeconds();
        auto result = embedder.embed(sentences);
        const double seconds = secondsSince(start);
        const CpuSeconds cpuEnd = cpuSeconds();
        // Guards against measuring a broken run: every row present and finite.
        if (!result || result->rows != static_cast<std::size_t>(sentences.size()) ||
            !std::all_of(result->values.begin(), result->values.end(),
                         [](float v) { return std::isfinite(v); })) {
            std::fprintf(stderr, "bench_embed: run %d failed or gave a non-finite matrix\n",
                         run + 1);
            return 0.0;
        }
        std::printf("run %d seconds: %.3f (cpu: user %.3f, system %.3f; page faults %ld)\n",
                    run + 1, seconds, cpuEnd.user - cpuStart.user, cpuEnd.system - cpuStart.system,
                    cpuEnd.pageFaults - cpuStart.pageFaults);
        best = std::min(best, seconds);
    }
    return best;
}

bool benchMode(const QString& model, semsearch::EmbedderOptions options,
               const QStringList& sentences, int repeat, ModeFigures& figures) {
    const std::string name = semsearch::precisionName(options.precision).toStdString();
    const char* mode = name.c_str();
    std::printf("\n== %s\n", mode);
    std::printf("load average: %s\n", qPrintable(loadAverage()));
    if (auto runs = semsearch::checkCpuRuns(options.precision, semsearch::probeCpuFeatures());
        !runs) {
        std::printf("skipped: %s\n", qPrintable(runs.error().message));
        return true;
    }
    const double peakGflops = measurePeakGflops(options.precision);
    std::printf("peak GFLOP/s: %.1f\n", peakGflops);

    // The first open runs the quality check; the ones after read its remembered result.
    double checkSeconds = 0.0, openSeconds = 0.0;
    if (!openTimed(model, options, checkSeconds))
        return false;
    std::printf(
        "first open (with the quality check unless --quality-cache remembers it), seconds: %.3f\n",
        checkSeconds);
    auto embedder = openTimed(model, options, openSeconds);
    if (!embedder)
        return false;
    std::printf("open seconds (weights converted, check remembered): %.3f\n", openSeconds);
    if (auto q = embedder->precisionQuality())
        std::printf("quality: %s; fp32 vectors of different texts: mean cosine %.4f\n",
                    qPrintable(q->figures()), q->spreadCosine);

    const semsearch::BertConfig& bert = embedder->model().bert;
    std::vector<std::int64_t> lengths;
    for (const QString& sentence : sentences)
        lengths.push_back(
            std::int64_t(embedder->tokenizer().encode(sentence, embedder->maxSeqLength()).size()));
    const Workload work = countWork(lengths, options.batchSize, bert);
    if (!embedder->embed(sentences.mid(0, options.batchSize))) // warm-up
        return false;
    const double best = embedCorpus(*embedder, sentences, repeat);
    if (best <= 0.0)
        return false;
    const double usefulGflops = work.usefulFlops / best / 1e9;
    std::printf("seconds: %.3f%s\n", best, repeat > 1 ? " (fastest run)" : "");
    std::printf("sentences/s: %.1f\n", sentences.size() / best);
    std::printf("tokens/s: %.0f\n", work.realTokens / best);
    std::printf("achieved GFLOP/s: %.1f\n", usefulGflops);
    std::printf("fraction of %s peak: %.3f\n", mode, usefulGflops / peakGflops);

    // One short query at a time, as a search embeds it.
    std::vector<double> queryMs, queryCpuMs;
    for (int i = 0; i < 40; ++i) {
        const Clock::time_point start = Clock::now();
        const double cpuStart = processCpuSeconds();
        if (!embedder->embed({QStringLiteral("how do I renew my passport")}))
            return false;
        queryMs.push_back(secondsSince(start) * 1000.0);
        queryCpuMs.push_back((processCpuSeconds() - cpuStart) * 1000.0);
    }
    std::printf("query (batch 1) ms: p50 %.1f, p95 %.1f\n", percentile(queryMs, 0.5),
                percentile(queryMs, 0.95));
    std::printf("query (batch 1) cpu ms: p50 %.1f, p95 %.1f\n", percentile(queryCpuMs, 0.5),
                percentile(queryCpuMs, 0.95));
    embedder.reset();

    // A short job from start to end: open the model, embed 512 sentences.
    const Clock::time_point start = Clock::now();
    const double cpuStart = processCpuSeconds();
    double ignored = 0.0;
    auto fresh = openTimed(model, options, ignored);
    if (!fresh || !fresh->embed(sentences.mid(0, 512)))
        return false;
    figures.process512Seconds = secondsSince(start);
    figures.process512CpuSeconds = processCpuSeconds() - cpuStart;
    std::printf("open + embed 512 sentences, seconds: %.3f (cpu %.3f)\n", figures.process512Seconds,
                figures.process512CpuSeconds);
    figures.tokensPerSecond = work.realTokens / best;
    figures.ran = true;
    return true;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("bench_embed");

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Embeds a fixed corpus with semsearch in each precision and compares the rates with "
        "this machine's measured matrix-multiply peak in that precision.");
    parser.addHelpOption();
    parser.addOption({"model", "The sentence-transformers model folder.", "dir"});
    parser.addOption(
        {"corpus", "One sentence per line.", "file", QStringLiteral(SEMSEARCH_BENCH_CORPUS)});
    parser.addOption({"batch-size", "Texts per forward pass.", "n", "32"});
    parser.addOption({"threads", "Compute threads; 0 = one per hardware thread.", "n", "0"});
    parser.addOption(
        {"repeat", "Timed passes over the corpus; the fastest is reported.", "n", "1"});
    parser.addOption({"precisions", "The modes to measure, in order.", "list", "fp32,bf16,int8"});
    parser.addOption({"quality-cache",
                      "Where the quality checks are remembered across runs (default: a temporary "
                      "folder, so every run checks afresh).",
                      "dir"});
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
    std::vector<semsearch::Precision> modes;
    for (const QString& name : parser.value("precisions").split(',', Qt::SkipEmptyParts)) {
        const auto precision = semsearch::parsePrecision(name.trimmed());
        if (!precision || *precision == semsearch::Precision::Auto) {
            std::fprintf(stderr, "bench_embed: --precisions takes fp32, bf16, int8\n");
            return 2;
        }
        modes.push_back(*precision);
    }

    std::printf("command: %s\n", qPrintable(commandLine(argc, argv)));
    std::printf("cpu: %s\n", qPrintable(cpuModel()));
    std::printf("cpu features: %s\n", qPrintable(semsearch::probeCpuFeatures().names()));
    std::printf("hardware threads: %u\n", std::thread::hardware_concurrency());
    std::printf("threads: %d\n", threads);
    std::printf("batch size: %d\n", batchSize);
    std::printf("load average at start: %s\n", qPrintable(loadAverage()));
    at::set_num_threads(threads); // oneDNN's matmul runs on LibTorch's OpenMP threads

    QStringList sentences;
    QString error;
    if (!readCorpus(parser.value("corpus"), sentences, error)) {
        std::fprintf(stderr, "bench_embed: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("sentences: %lld\n", static_cast<long long>(sentences.size()));

    QTemporaryDir cache; // the quality checks of this run, so each mode's first open checks
    std::vector<ModeFigures> all;
    for (semsearch::Precision precision : modes) {
        semsearch::EmbedderOptions options;
        options.batchSize = batchSize;
        options.threads = threads;
        options.precision = precision;
        options.qualityCacheFolder =
            parser.isSet("quality-cache") ? parser.value("quality-cache") : cache.path();
        ModeFigures figures;
        figures.precision = precision;
        if (!benchMode(parser.value("model"), options, sentences, repeat, figures))
            return 1;
        all.push_back(figures);
    }

    std::printf("\n== ratios to fp32 in this run\n");
    const auto fp32 = std::find_if(all.begin(), all.end(), [](const ModeFigures& f) {
        return f.precision == semsearch::Precision::Fp32 && f.ran;
    });
    for (const ModeFigures& f : all) {
        if (!f.ran || fp32 == all.end())
            continue;
        std::printf("%s: tokens/s x%.2f, open + 512 sentences x%.2f (cpu x%.2f)\n",
                    qPrintable(semsearch::precisionName(f.precision)),
                    f.tokensPerSecond / fp32->tokensPerSecond,
                    fp32->process512Seconds / f.process512Seconds,
                    fp32->process512CpuSeconds / f.process512CpuSeconds);
    }
    std::printf("load average at end: %s\n", qPrintable(loadAverage()));
    return 0;
}
