#pragma once

// Runs part of a test as an unprivileged user. Root reads and writes through any file
// permission, and CI runs as root, so a test of how semsearch meets a permission it lacks must
// leave root first; skipping instead would pass silently. The user is uid and gid 65534
// ("nobody" on Debian) with no supplementary groups. A process that is not root already meets
// permissions as users do, and runs the work in place.
//
// In-process work (runAsUnprivilegedUser) runs in a forked child that sees a copy of the test's
// memory and shares nothing back: it checks its own results with QVERIFY/QCOMPARE, and its
// failures print from the child and fail the test here. A program (startAsUnprivilegedUser)
// starts as that user. Either way, whatever the user must reach on disk must be reachable by
// it: paths under /tmp that it made itself, or folders handed over with
// giveToUnprivilegedUser() (the build and source trees may sit in a folder only root can enter).

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QTest>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include <ftw.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace semsearch::test {

constexpr uid_t kUnprivilegedUid = 65534;
constexpr gid_t kUnprivilegedGid = 65534;

// True when this process would read through file permissions: it must leave root to test them.
inline bool isRoot() {
    return ::geteuid() == 0;
}

// Becomes the unprivileged user for good: groups first, then the group, then the user (after
// setuid the others are no longer allowed). Leaving uid 0 also drops every capability. False
// when a step fails.
inline bool becomeUnprivilegedUser() {
    return ::setgroups(0, nullptr) == 0 && ::setgid(kUnprivilegedGid) == 0 &&
           ::setuid(kUnprivilegedUid) == 0 && ::geteuid() == kUnprivilegedUid &&
           ::getegid() == kUnprivilegedGid;
}

// Makes `path` and everything below it (links themselves, not followed) belong to the
// unprivileged user, permissions unchanged, so that work run as that user can use it; root can
// still remove it afterwards. Does nothing when not root. False when a change fails.
inline bool giveToUnprivilegedUser(const QString& path) {
    if (!isRoot())
        return true;
    const auto handOver = [](const char* entry, const struct stat*, int, FTW*) {
        return ::lchown(entry, kUnprivilegedUid, kUnprivilegedGid) == 0 ? 0 : 1;
    };
    return ::nftw(QFile::encodeName(path).constData(), handOver, 16, FTW_PHYS) == 0;
}

// Runs `work` as the unprivileged user (in a child when root, here otherwise). True when it ran
// to the end of every check without a failure. The reasons a child fails are printed: its own
// failed checks, or that it could not leave root or crashed.
inline bool runAsUnprivilegedUser(const std::function<void()>& work) {
    if (!isRoot()) {
        work();
        return !QTest::currentTestFailed();
    }
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t child = ::fork();
    if (child < 0) {
        std::fprintf(stderr, "cannot fork: %s\n", std::strerror(errno));
        return false;
    }
    if (child == 0) {
        int status = 3;
        if (becomeUnprivilegedUser()) {
            work();
            status = QTest::currentTestFailed() ? 1 : 0;
        } else {
            std::fprintf(stderr, "cannot become uid %d: %s\n", int(kUnprivilegedUid),
                         std::strerror(errno));
        }
        std::fflush(stdout);
        std::fflush(stderr);
        ::_exit(status); // no exit handlers: they belong to the parent
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            return false;
    }
    if (WIFSIGNALED(status))
        std::fprintf(stderr, "the unprivileged child died of signal %d\n", WTERMSIG(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Makes `process` start its program as the unprivileged user when this process is root (a child
// that cannot leave root exits with 127 before the program runs).
inline void startAsUnprivilegedUser(QProcess& process) {
    if (isRoot())
        process.setChildProcessModifier([] {
            if (!becomeUnprivilegedUser())
                ::_exit(127);
        });
}

} // namespace semsearch::test
