#pragma once

// The messages between DocumentReader (core/src/extract/extractor_client.cpp) and the helper
// program semsearch-extract (app/extract/main.cpp), over one stream socket: the helper's standard
// input and output.
//
// Every message is one frame: a 4-byte little-endian length, then that many bytes. A frame's
// payload is a 4-byte little-endian length, a JSON object of that length (the header), then
// the body:
//   request  header {"format": "pdf", "maxTextBytes": N, "maxPages": N,
//                    "maxUnpackedBytes": N, "maxEntries": N, "cpuSeconds": N}
//            body   the file's bytes
//   reply    header {"ok": true, "places": [[start, page, "section"], ...]}  body: the text,
//                   UTF-8 (places' starts are positions in that text decoded to UTF-16)
//            or     {"ok": false, "problem": "password-protected PDF"}        body: empty
// The helper answers each request before reading the next and exits at the end of its input.
// Decoding never trusts a length: every one is checked against the bytes at hand.

#include "semsearch/error.h"
#include "semsearch/extract.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <vector>

namespace semsearch {

struct ExtractRequest {
    DocumentFormat format = DocumentFormat::PlainText;
    ExtractLimits limits;
    int cpuSeconds = 0; // the helper's processor time for this file; 0 = no limit
    QByteArray bytes;
};

struct ExtractReply {
    bool ok = false;
    QString problem; // when !ok: one line, lower case, without the file's name
    QString text;
    std::vector<DocumentPlace> places;
};

// A frame's length field: 4 bytes.
constexpr int kFrameHeaderBytes = 4;

// A helper built with AddressSanitizer cannot start under an address-space limit (see
// ExtractorClient::start): its client hands it the limit in this environment variable (bytes)
// instead, and the helper sets it on itself once started.
constexpr char kSanitizedMemoryLimitVariable[] = "SEMSEARCH_EXTRACT_MEMORY_LIMIT";

// payload -> length + payload.
QByteArray frameMessage(const QByteArray& payload);
// The length a frame header announces.
std::uint32_t frameLength(const char* header);

QByteArray encodeRequest(const ExtractRequest& request);
Result<ExtractRequest> decodeRequest(const QByteArray& payload);
QByteArray encodeReply(const ExtractReply& reply);
// Corrupt when the payload is not a reply, or its places are out of order or outside the text.
Result<ExtractReply> decodeReply(const QByteArray& payload);

} // namespace semsearch
