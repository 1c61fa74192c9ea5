#pragma once

// Test documents made at test time by real tools from Debian, from known text: pandoc (DOCX,
// ODT, EPUB, HTML from Markdown), groff (PDF with a text layer), Ghostscript (a PDF with a
// password) and pdftotext (the independent reference for a PDF's text). The tools are build
// dependencies of the tests (packaging/quickstart.sh installs them); a missing one fails the
// test that needs it.

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace semsearch::test {

// Why a PDF whose reader floods memory is skipped, under a helper limit of 256 MiB. Built with
// AddressSanitizer (this test and the helper come from one build), the helper is stopped at its
// limit all the same, but ASan's allocator aborts instead of throwing std::bad_alloc
// (app/extract/main.cpp).
#if defined(__SANITIZE_ADDRESS__)
inline const char* const kFloodProblem = "the PDF reader crashed (signal 6)";
#else
inline const char* const kFloodProblem = "the PDF reader needs more than 256 MiB of memory";
#endif

struct ToolRun {
    bool ok = false;
    QByteArray out;
    QString problem; // when !ok: the command and what went wrong
};

// Runs `program` with `arguments`, `input` on its standard input; ok when it exits with 0.
inline ToolRun runTool(const QString& program, const QStringList& arguments,
                       const QByteArray& input = QByteArray()) {
    QProcess process;
    process.start(program, arguments);
    ToolRun run;
    if (!process.waitForStarted(10000)) {
        run.problem = program + QStringLiteral(": cannot start (is it installed?)");
        return run;
    }
    process.write(input);
    process.closeWriteChannel();
    process.waitForFinished(120000);
    run.out = process.readAllStandardOutput();
    run.ok = process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    if (!run.ok)
        run.problem = program + QLatin1Char(' ') + arguments.join(QLatin1Char(' ')) +
                      QStringLiteral(": ") + QString::fromLocal8Bit(process.readAllStandardError());
    return run;
}

// pandoc: Markdown -> `format` ("docx", "odt", "epub", "html"), written to `output`.
inline ToolRun pandoc(const QByteArray& markdown, const QString& format, const QString& output) {
    return runTool(QStringLiteral("pandoc"),
                   {QStringLiteral("--from=markdown"), QStringLiteral("--to=") + format,
                    QStringLiteral("--standalone"),
                    QStringLiteral("--metadata=title:Test Document"),
                    QStringLiteral("--output=") + output},
                   markdown);
}

// groff with the ms macros -> PDF on standard output.
inline ToolRun groffPdf(const QByteArray& troff) {
    return runTool(QStringLiteral("groff"), {QStringLiteral("-ms"), QStringLiteral("-Tpdf")},
                   troff);
}

} // namespace semsearch::test
