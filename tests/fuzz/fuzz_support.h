#pragma once

// Shared by the fuzz targets: every target defines LLVMFuzzerTestOneInput (libFuzzer's entry
// point), which must return normally for any bytes. A parser may refuse input (that is what it
// is for); what it must never do is crash, read or write out of bounds, hang, or hand back
// something that breaks its own documented promises. FUZZ_CHECK turns a broken promise into a
// crash, so that libFuzzer (or the corpus replay) reports it with the input that caused it.

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #condition);   \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace semsearch::fuzz {

// A folder of this process's own for readers that take paths; removed when the process exits
// normally (a crash leaves it in the temporary folder, beside the input that caused it).
inline const QString& scratchFolder() {
    static QTemporaryDir folder;
    if (!folder.isValid()) {
        std::fprintf(stderr, "cannot create a temporary folder\n");
        std::abort();
    }
    static const QString path = folder.path();
    return path;
}

// Writes `size` bytes to `name` in the scratch folder (creating folders on the way) and returns
// its path; aborts when the file cannot be written, which is no finding.
inline QString writeScratchFile(const QString& name, const std::uint8_t* data, std::size_t size) {
    const QString path = scratchFolder() + QLatin1Char('/') + name;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(reinterpret_cast<const char*>(data), qint64(size)) != qint64(size)) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
        std::abort();
    }
    return path;
}

// The test data folder (the tiny model's vocabulary), set by CMake.
inline QString testDataPath(const QString& relative) {
    return QStringLiteral(SEMSEARCH_TEST_DATA "/") + relative;
}

} // namespace semsearch::fuzz
