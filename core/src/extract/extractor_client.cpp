#include "extract/extractor_client.h"

#include "extract/byte_size_text.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

namespace semsearch {

namespace {

// The helper's exit status for a reader that ran out of memory (app/extract/main.cpp).
constexpr int kExitOutOfMemory = 3;
// How long a helper whose input was closed may take to leave before it is killed.
constexpr int kLeaveMs = 1000;

ExtractReply failure(const QString& problem) {
    ExtractReply reply;
    reply.problem = problem;
    return reply;
}

// Milliseconds left before `deadline` (-1: none), for poll().
int remainingMs(const QDeadlineTimer& deadline) {
    return deadline.isForever() ? -1 : int(std::max<qint64>(deadline.remainingTime(), 0));
}

QString secondsText(int ms) {
    return ms % 1000 == 0 ? QString::number(ms / 1000) : QString::number(ms / 1000.0, 'f', 1);
}

QString tookTooLong(DocumentFormat format, int timeoutMs) {
    return QStringLiteral("%1 took longer than %2 s")
        .arg(readerName(format), secondsText(timeoutMs));
}

// AddressSanitizer reserves terabytes of address space for its shadow memory as a program
// starts, so a helper built with it (as it is when this file is: one build makes both) cannot
// start under RLIMIT_AS, nor under RLIMIT_DATA, which counts those private writable mappings
// too. Such a helper is started without the limit and sets it on itself, on top of what it
// holds once started (app/extract/main.cpp): readers stay bounded under the sanitizers too.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kHelperSetsItsOwnLimit = true;
#else
constexpr bool kHelperSetsItsOwnLimit = false;
#endif

// The helper's environment: this process's, and the memory limit when the helper sets it
// itself.
std::vector<QByteArray> helperEnvironment(qint64 memoryLimitBytes) {
    const QByteArray name = QByteArray(kSanitizedMemoryLimitVariable) + '=';
    std::vector<QByteArray> entries;
    for (char** entry = environ; *entry; ++entry)
        if (!QByteArray(*entry).startsWith(name))
            entries.emplace_back(*entry);
    if (kHelperSetsItsOwnLimit && memoryLimitBytes > 0)
        entries.push_back(name + QByteArray::number(memoryLimitBytes));
    return entries;
}

} // namespace

ExtractorClient::ExtractorClient(ExtractorOptions options) : m_options(std::move(options)) {
    m_helperPath = m_options.helperPath.isEmpty() ? defaultHelperPath() : m_options.helperPath;
}

ExtractorClient::~ExtractorClient() {
    stop();
}

QString ExtractorClient::defaultHelperPath() {
    return QCoreApplication::applicationDirPath() + QStringLiteral("/semsearch-extract");
}

QString ExtractorClient::start() {
    const QFileInfo info(m_helperPath);
    if (!info.isFile() || !info.isExecutable())
        return QStringLiteral("cannot start semsearch-extract (%1): not found or not executable")
            .arg(m_helperPath);
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return QStringLiteral("cannot start semsearch-extract: %1")
            .arg(QString::fromLocal8Bit(std::strerror(errno)));
    const int devNull = open("/dev/null", O_RDWR | O_CLOEXEC);
    // Everything the child needs is made before fork: between fork and exec it may only make
    // async-signal-safe calls (the parent may have other threads, holding locks).
    QByteArray program = QFile::encodeName(m_helperPath);
    char* argv[] = {program.data(), nullptr};
    std::vector<QByteArray> environment = helperEnvironment(m_options.memoryLimitBytes);
    std::vector<char*> envp;
    for (QByteArray& entry : environment)
        envp.push_back(entry.data());
    envp.push_back(nullptr);
    const rlim_t memory = rlim_t(m_options.memoryLimitBytes);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pair[1], STDIN_FILENO);
        dup2(pair[1], STDOUT_FILENO);
        if (devNull >= 0)
            dup2(devNull, STDERR_FILENO);
        // Nothing else of this process (an index's database, above all) reaches the parsers,
        // whatever another thread opened without close-on-exec.
        close_range(3, ~0U, 0);
        if (!kHelperSetsItsOwnLimit && m_options.memoryLimitBytes > 0) {
            const rlimit limit{memory, memory};
            setrlimit(RLIMIT_AS, &limit);
        }
        const rlimit noCore{0, 0};
        setrlimit(RLIMIT_CORE, &noCore);
        // Killed with the thread that started it (the reader ends it before that thread can).
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        // The calling thread may block signals (Qt's threads do); the helper must not inherit
        // that, or its processor-time limit (SIGXCPU) would be held back.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execve(program.constData(), argv, envp.data());
        _exit(127);
    }
    const int forkError = errno;
    close(pair[1]);
    if (devNull >= 0)
        close(devNull);
    if (pid < 0) {
        close(pair[0]);
        return QStringLiteral("cannot start semsearch-extract: %1")
            .arg(QString::fromLocal8Bit(std::strerror(forkError)));
    }
    fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK);
    m_pid = pid;
    m_socket = pair[0];
    ++m_starts;
    return QString();
}

int ExtractorClient::stop(bool killNow) {
    if (m_socket >= 0)
        close(m_socket);
    m_socket = -1;
    if (m_pid < 0)
        return -1;
    // Closing its input ends a healthy helper; one that is busy or stuck is killed.
    if (killNow)
        kill(m_pid, SIGKILL);
    int status = 0;
    pid_t reaped = 0;
    for (int waited = 0; (reaped = waitpid(m_pid, &status, WNOHANG)) == 0; waited += 10) {
        if (waited >= kLeaveMs) {
            kill(m_pid, SIGKILL);
            reaped = waitpid(m_pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    m_pid = -1;
    return reaped < 0 ? -1 : status;
}

QString ExtractorClient::ending(DocumentFormat format) {
    const QString reader = readerName(format);
    const int status = stop();
    if (status < 0)
        return QStringLiteral("%1 stopped answering").arg(reader);
    if (WIFSIGNALED(status)) {
        const int signal = WTERMSIG(status);
        if (signal == SIGXCPU)
            return QStringLiteral("%1 used more than %2 s of processor time")
                .arg(reader, secondsText(m_options.timeoutMs));
        return QStringLiteral("%1 crashed (signal %2)").arg(reader).arg(signal);
    }
    const int code = WEXITSTATUS(status);
    if (code == kExitOutOfMemory)
        return QStringLiteral("%1 needs more than %2 of memory")
            .arg(reader, detail::byteSizeText(m_options.memoryLimitBytes));
    return QStringLiteral("%1 stopped (exit status %2)").arg(reader).arg(code);
}

bool ExtractorClient::send(const QByteArray& frame) {
    const char* data = frame.constData();
    std::size_t left = std::size_t(frame.size());
    while (left > 0) {
        pollfd ready{m_socket, POLLOUT, 0};
        const int polled = poll(&ready, 1, remainingMs(m_deadline));
        if (polled < 0 && errno == EINTR)
            continue;
        if (polled <= 0)
            return false;
        const ssize_t put = ::send(m_socket, data, left, MSG_NOSIGNAL);
        if (put < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (put <= 0)
            return false;
        data += put;
        left -= std::size_t(put);
    }
    return true;
}

bool ExtractorClient::receiveExactly(char* data, std::size_t size, bool& timedOut) {
    timedOut = false;
    while (size > 0) {
        pollfd ready{m_socket, POLLIN, 0};
        const int polled = poll(&ready, 1, remainingMs(m_deadline));
        if (polled < 0 && errno == EINTR)
            continue;
        if (polled == 0)
            timedOut = true;
        if (polled <= 0)
            return false;
        const ssize_t got = ::recv(m_socket, data, size, 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return false;
        data += got;
        size -= std::size_t(got);
    }
    return true;
}

ExtractReply ExtractorClient::receive(DocumentFormat format) {
    auto lost = [&](bool timedOut) {
        if (!timedOut)
            return failure(ending(format));
        stop(true);
        return failure(tookTooLong(format, m_options.timeoutMs));
    };
    bool timedOut = false;
    char header[kFrameHeaderBytes];
    if (!receiveExactly(header, sizeof header, timedOut))
        return lost(timedOut);
    // The text is capped by the limits; the places and the header are small beside it.
    const qint64 textCap =
        m_options.limits.maxTextBytes > 0 ? m_options.limits.maxTextBytes : qint64(512) << 20;
    const std::uint32_t length = frameLength(header);
    if (qint64(length) > 2 * textCap + (qint64(4) << 20)) {
        stop(true);
        return failure(
            QStringLiteral("%1 sent a reply larger than allowed").arg(readerName(format)));
    }
    QByteArray payload(qsizetype(length), Qt::Uninitialized);
    if (!receiveExactly(payload.data(), std::size_t(length), timedOut))
        return lost(timedOut);
    auto reply = decodeReply(payload);
    if (!reply) {
        stop(true);
        return failure(QStringLiteral("%1 sent a malformed reply").arg(readerName(format)));
    }
    return *reply;
}

ExtractReply ExtractorClient::extract(DocumentFormat format, const QByteArray& bytes) {
    m_deadline = m_options.timeoutMs > 0 ? QDeadlineTimer(m_options.timeoutMs)
                                         : QDeadlineTimer(QDeadlineTimer::Forever);
    ExtractRequest request;
    request.format = format;
    request.limits = m_options.limits;
    // A backstop for a helper that outlives its client; the deadline here comes first.
    request.cpuSeconds = m_options.timeoutMs > 0 ? m_options.timeoutMs / 1000 + 10 : 0;
    request.bytes = bytes;
    const QByteArray frame = frameMessage(encodeRequest(request));
    // A helper that left between two files (it should not, but it may have been killed) is
    // found out when the request cannot be written; then a fresh one gets the file.
    for (int attempt = 0;; ++attempt) {
        if (m_pid < 0)
            if (const QString problem = start(); !problem.isEmpty())
                return failure(problem);
        if (send(frame))
            break;
        if (m_deadline.hasExpired()) {
            stop(true);
            return failure(tookTooLong(format, m_options.timeoutMs));
        }
        const QString problem = ending(format);
        if (attempt > 0)
            return failure(problem);
    }
    return receive(format);
}

} // namespace semsearch
