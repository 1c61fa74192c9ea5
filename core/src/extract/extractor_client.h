#pragma once

// The indexer's side of semsearch-extract: starts the helper as a child process under its
// limits, sends it one file at a time over a socket (shared/extract_protocol.h), waits for the
// answer under a deadline, and turns every way the helper can fail into a reason for skipping
// that one file. A helper that failed is ended and a fresh one started for the next file.
//
// Not thread-safe; one client per thread. The destructor ends the helper (closing its input,
// then killing it if it does not leave at once).

#include "semsearch/extract.h"
#include "shared/extract_protocol.h"

#include <QDeadlineTimer>

#include <sys/types.h>

namespace semsearch {

class ExtractorClient {
public:
    explicit ExtractorClient(ExtractorOptions options);
    ~ExtractorClient();
    ExtractorClient(const ExtractorClient&) = delete;
    ExtractorClient& operator=(const ExtractorClient&) = delete;

    // The helper's reply for `bytes` read as `format`: ok with text and places, or not ok with
    // the problem (the reader's own: "password-protected PDF"; or the helper's fate: "the PDF
    // reader crashed (signal 11)", "the PDF reader took longer than 30 s", "the PDF reader
    // needs more than 1 GiB of memory", "the PDF reader stopped (exit status 2)", "cannot start
    // semsearch-extract (<path>): No such file or directory", "the PDF reader sent a reply
    // larger than allowed"). Never fails otherwise.
    ExtractReply extract(DocumentFormat format, const QByteArray& bytes);

    int starts() const { return m_starts; }

    // The helper used when ExtractorOptions::helperPath is empty: semsearch-extract in the
    // folder of the running program.
    static QString defaultHelperPath();

private:
    QString start();
    // Closes the helper's input and waits for it to leave (killing it when it does not);
    // `kill` kills it at once. Returns its wait status, -1 when there was none to wait for.
    int stop(bool kill = false);
    // The problem after the helper stopped answering: ends it and names how it ended.
    QString ending(DocumentFormat format);
    // False when the helper is gone or the deadline passed.
    bool send(const QByteArray& frame);
    bool receiveExactly(char* data, std::size_t size, bool& timedOut);
    // The reply, or a failed one naming what went wrong (the helper then ended).
    ExtractReply receive(DocumentFormat format);

    ExtractorOptions m_options;
    QString m_helperPath;
    QDeadlineTimer m_deadline; // of the file being read
    pid_t m_pid = -1;
    int m_socket = -1;
    int m_starts = 0;
};

} // namespace semsearch
