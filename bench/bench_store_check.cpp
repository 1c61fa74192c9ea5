// bench_store_check: what the checks of an index's database cost at a size a desktop corpus
// reaches. A writer runs SQLite's quick_check before its first write of every run (so that it
// never writes into a damaged database); verify runs the full check. Synthetic documents of 20
// passages with random 768-float vectors, as bench/synthetic_index.h makes them.
//
//   bench_store_check [--passages 100000] [--dim 768] [--repeat 5] [--folder DIR]
//
// Each check runs --repeat times on the same open database; the first run reads the file from
// the page cache as the system left it after writing, the others from a warm cache. Output is
// plain "key: value" lines so a README can quote them.

#include "load_average.h"
#include "synthetic_index.h"

#include "semsearch/index_folder.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace semsearch;

using semsearch::bench::loadAverage;

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const QString& what) {
    std::fprintf(stderr, "bench_store_check: %s\n", qPrintable(what));
    std::exit(1);
}

struct Timings {
    std::vector<double> wall; // ms
    std::vector<double> cpu;  // ms of this process's CPU time: what a busy machine does not
                              // inflate
};

// Each of `repeat` runs of `check`, which must report a healthy database.
template <typename Check> Timings timed(int repeat, Check check) {
    Timings times;
    for (int i = 0; i < repeat; ++i) {
        const auto start = Clock::now();
        const std::clock_t cpuStart = std::clock();
        if (!check())
            fail(QStringLiteral("the check failed or found damage"));
        times.cpu.push_back(1000.0 * double(std::clock() - cpuStart) / CLOCKS_PER_SEC);
        times.wall.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    return times;
}

void print(const char* name, const Timings& times) {
    std::printf("%s first ms: %.1f\n%s p50 ms: %.1f\n%s p50 cpu ms: %.1f\n", name,
                times.wall.front(), name, bench::percentile(times.wall, 0.5), name,
                bench::percentile(times.cpu, 0.5));
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("The cost of the database checks."));
    parser.addHelpOption();
    const QCommandLineOption passagesOption(QStringLiteral("passages"),
                                            QStringLiteral("Passages in the index."),
                                            QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption dimOption(QStringLiteral("dim"), QStringLiteral("Dimension."),
                                       QStringLiteral("n"), QStringLiteral("768"));
    const QCommandLineOption repeatOption(QStringLiteral("repeat"),
                                          QStringLiteral("Runs of each check."),
                                          QStringLiteral("n"), QStringLiteral("5"));
    const QCommandLineOption folderOption(QStringLiteral("folder"),
                                          QStringLiteral("Where to build the index."),
                                          QStringLiteral("dir"));
    parser.addOptions({passagesOption, dimOption, repeatOption, folderOption});
    parser.process(app);
    const int passages = parser.value(passagesOption).toInt();
    const int repeat = std::max(1, parser.value(repeatOption).toInt());
    QTemporaryDir scratch(parser.isSet(folderOption)
                              ? parser.value(folderOption) + QStringLiteral("/bench-XXXXXX")
                              : QString());
    if (!scratch.isValid())
        fail(QStringLiteral("cannot create a scratch folder"));

    ModelInfo model;
    model.name = QStringLiteral("synthetic");
    model.bert.hiddenSize = parser.value(dimOption).toInt();
    auto index =
        IndexFolder::open(scratch.path() + QStringLiteral("/index"), IndexFolder::Mode::Write);
    if (!index || !bench::fillSynthetic(**index, model, passages))
        fail(QStringLiteral("cannot build the synthetic index"));
    // Reopened, so that the WAL is folded into the file as after any finished run.
    index->reset();
    index = IndexFolder::open(scratch.path() + QStringLiteral("/index"), IndexFolder::Mode::Write);
    if (!index)
        fail(index.error().message);
    SqliteStore& store = (*index)->store();
    const std::int64_t bytes = QFileInfo((*index)->databasePath()).size();

    std::printf("load average: %s\n", qPrintable(loadAverage()));
    std::printf("passages: %d\ndimension: %d\ndatabase MB: %.1f\n", passages, model.bert.hiddenSize,
                double(bytes) / 1e6);
    print("quick_check", timed(repeat, [&] {
              auto complaint = store.quickCheck();
              return complaint && complaint->isEmpty();
          }));
    print("full check (verify)", timed(repeat, [&] {
              auto problems = store.check();
              return problems && problems->isEmpty();
          }));
    return 0;
}
