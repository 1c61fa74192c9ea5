#pragma once

// The document readers of semsearch-extract: one function per format, each turning a file's
// bytes into plain text and the places it came from (ExtractReply), under ExtractLimits. They
// run only inside the helper process, never in the indexer or the window (see
// core/include/semsearch/extract.h). A reader that cannot read a file returns ok = false with
// the problem in a few lower-case words ("password-protected PDF"); one that crashes or hangs
// is the helper's client's business.

#include "shared/extract_protocol.h"

#include <QByteArray>

namespace semsearch::extractor {

ExtractReply readPdf(const QByteArray& bytes, const ExtractLimits& limits);
ExtractReply readHtml(const QByteArray& bytes, const ExtractLimits& limits);
ExtractReply readDocx(const QByteArray& bytes, const ExtractLimits& limits);
ExtractReply readOdt(const QByteArray& bytes, const ExtractLimits& limits);
ExtractReply readEpub(const QByteArray& bytes, const ExtractLimits& limits);

// The reader of request.format (problem "cannot read <format> here" for the formats the core
// reads itself).
ExtractReply readDocument(const ExtractRequest& request);

// Sets up the parsers once per process, before the first readDocument (libxml2's global state
// must be initialised from one thread before use).
void initReaders();

// A failed reply.
ExtractReply failure(const QString& problem);

} // namespace semsearch::extractor
