// semsearch-extract: the helper program that reads documents for semsearch (see
// core/include/semsearch/extract.h and core/src/shared/extract_protocol.h). It reads one
// request at a time on its standard input and answers on its standard output; it is started
// by DocumentReader with its limits already set (address space, no core files, killed with its
// parent), and sets its own processor-time limit before each file.
//
// Exit status: 0 at the end of its input (or for --help, --version), 2 on a malformed request, a
// broken pipe or when started by hand, 3 when a reader ran out of memory (DocumentReader reports
// "needs more than ... of memory").
//
// For tests only: with SEMSEARCH_EXTRACT_TEST_TRIGGERS=1 in its environment, a file holding
// the words "semsearch-test-crash", "semsearch-test-hang" or "semsearch-test-flood" makes it
// crash (SIGSEGV), spin forever or allocate memory without end, so that tests can provoke each
// failure the isolation exists for.

#include "extract/formats/readers.h"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace {

using namespace semsearch;

constexpr int kExitMalformed = 2;
constexpr int kExitOutOfMemory = 3;

// Reads exactly `size` bytes; false at the end of the input or on an error.
bool readAll(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t got = ::read(fd, data, size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        data += got;
        size -= std::size_t(got);
    }
    return true;
}

bool writeAll(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t put = ::write(fd, data, size);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return false;
        data += put;
        size -= std::size_t(put);
    }
    return true;
}

// The processor-time limit for the next file: what was used so far plus `seconds`, so that a
// helper whose client has gone away cannot spin for ever.
void limitProcessorTime(int seconds) {
    if (seconds <= 0)
        return;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    rlimit limit{};
    getrlimit(RLIMIT_CPU, &limit);
    const rlim_t wanted = rlim_t(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1 + seconds);
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_CPU, &limit);
}

void testTriggers(const QByteArray& bytes) {
    static const bool enabled = qgetenv("SEMSEARCH_EXTRACT_TEST_TRIGGERS") == "1";
    if (!enabled)
        return;
    if (bytes.contains("semsearch-test-crash"))
        std::raise(SIGSEGV);
    if (bytes.contains("semsearch-test-hang"))
        for (volatile unsigned long spin = 0;; spin = spin + 1) {
        }
    if (bytes.contains("semsearch-test-flood")) {
        // Allocates without end; one byte written per block, so that the address-space limit,
        // not the time spent filling pages (seconds on a busy machine), is what stops it.
        std::vector<volatile char*> blocks;
        for (;;) {
            volatile char* block = new char[16 << 20];
            block[0] = 1;
            blocks.push_back(block);
        }
    }
}

#if defined(__SANITIZE_ADDRESS__)
// Built with AddressSanitizer, the helper is started without an address-space limit (its shadow
// memory could not be reserved under one; see ExtractorClient::start) and is handed the limit
// in its environment: it sets RLIMIT_AS itself, on top of the address space it holds once
// started, so that a reader that floods memory is still stopped. ASan's allocator then reports
// running out of memory and aborts rather than throwing std::bad_alloc: such a file is skipped
// as a crash (signal 6), not as "needs more than ... of memory".
void limitOwnAddressSpace() {
    const qint64 limit = qgetenv(kSanitizedMemoryLimitVariable).toLongLong();
    std::FILE* statm = std::fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    const bool known = statm && std::fscanf(statm, "%lu", &pages) == 1;
    if (statm)
        std::fclose(statm);
    if (limit <= 0 || !known)
        return;
    const rlim_t bytes = rlim_t(pages) * rlim_t(sysconf(_SC_PAGESIZE)) + rlim_t(limit);
    const rlimit own{bytes, bytes};
    setrlimit(RLIMIT_AS, &own);
}
#endif

// Started by hand (from a terminal, or with arguments): --help and --version answer on
// standard output; anything else gets one line on standard error and exit status 2.
int explainYourself(const char* argument) {
    if (std::strcmp(argument, "--version") == 0) {
        std::printf("semsearch-extract %s\n", SEMSEARCH_VERSION);
        return 0;
    }
    if (std::strcmp(argument, "--help") == 0) {
        std::printf("Usage: semsearch-extract\n"
                    "Reads PDF, HTML, DOCX, ODT and EPUB documents for semsearch and "
                    "semsearch-cli,\nwhich start it and talk to it over its standard input "
                    "and output.\nIt is not run by hand.\n\n"
                    "Options:\n"
                    "  --help     Show this help and exit.\n"
                    "  --version  Show the version and exit.\n");
        return 0;
    }
    std::fprintf(stderr,
                 "semsearch-extract %s: reads documents for semsearch and semsearch-cli, which "
                 "start it; it is not run by hand (see semsearch-extract --help)\n",
                 SEMSEARCH_VERSION);
    return kExitMalformed;
}

ExtractReply answer(const QByteArray& payload) {
    auto request = decodeRequest(payload);
    if (!request)
        std::exit(kExitMalformed);
    limitProcessorTime(request->cpuSeconds);
    testTriggers(request->bytes);
    try {
        return extractor::readDocument(*request);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& error) {
        return extractor::failure(
            QStringLiteral("%1 failed: %2")
                .arg(readerName(request->format), QString::fromLocal8Bit(error.what())));
    }
}

} // namespace

#if defined(__SANITIZE_ADDRESS__)
// ASan's defaults for the helper. handle_segv=0: a reader's segmentation fault ends the helper
// with SIGSEGV, as without ASan ("crashed (signal 11)"); ASan's report of it would go to the
// helper's standard error, which is /dev/null, anyway. abort_on_error=1: running out of memory
// ends it with SIGABRT whatever ASAN_OPTIONS the tests run with.
extern "C" const char* __asan_default_options() {
    return "handle_segv=0:abort_on_error=1";
}
#endif

int main(int argc, char* argv[]) {
    // Started by hand (from a terminal, or with --help or --version): say what it is.
    if (argc > 1 || isatty(STDIN_FILENO))
        return explainYourself(argc > 1 ? argv[1] : "");
    // The client reads the answer or sees the helper gone; a write to a closed pipe must not
    // kill the helper before it can tell.
    std::signal(SIGPIPE, SIG_IGN);
#if defined(__SANITIZE_ADDRESS__)
    limitOwnAddressSpace();
#endif
    extractor::initReaders();
    for (;;) {
        char header[kFrameHeaderBytes];
        if (!readAll(STDIN_FILENO, header, sizeof header))
            return 0;
        QByteArray payload(qsizetype(frameLength(header)), Qt::Uninitialized);
        if (!readAll(STDIN_FILENO, payload.data(), std::size_t(payload.size())))
            return kExitMalformed;
        QByteArray reply;
        try {
            reply = frameMessage(encodeReply(answer(payload)));
        } catch (const std::bad_alloc&) {
            _exit(kExitOutOfMemory);
        }
        if (!writeAll(STDOUT_FILENO, reply.constData(), std::size_t(reply.size())))
            return kExitMalformed;
    }
}
