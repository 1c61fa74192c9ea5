#pragma once

// Runs the real semsearch-cli executable (SEMSEARCH_CLI, set by CMake) the way a script would.

#include <QByteArray>
#include <QProcess>
#include <QStringList>

#include <functional>

namespace semsearch::test {

struct RunResult {
    int exitCode = -1; // -1 when the process could not start, crashed or timed out
    QByteArray out;
    QByteArray err;
};

// Feeds `input` to a process already started and waits for it to end.
inline RunResult finishRun(QProcess& process, const QByteArray& input = {}) {
    RunResult result;
    if (!process.waitForStarted(10000))
        return result;
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(300000)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

// `childSetup` runs in the child between fork and exec (setrlimit and the like only).
inline RunResult
runCli(const QStringList& arguments, const QByteArray& input = {},
       const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment(),
       const std::function<void()>& childSetup = {}) {
    QProcess process;
    process.setProcessEnvironment(environment);
    if (childSetup)
        process.setChildProcessModifier(childSetup);
    process.start(QStringLiteral(SEMSEARCH_CLI), arguments);
    return finishRun(process, input);
}

// True when `text` is exactly one line ending in a newline: the CLI's error contract.
inline bool isOneLine(const QByteArray& text) {
    return text.count('\n') == 1 && text.endsWith('\n');
}

} // namespace semsearch::test
