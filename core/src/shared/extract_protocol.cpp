#include "shared/extract_protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>
#include <QtEndian>

#include <array>

namespace semsearch {

namespace {

constexpr std::array<DocumentFormat, 7> kFormats = {
    DocumentFormat::PlainText, DocumentFormat::Markdown, DocumentFormat::Html, DocumentFormat::Pdf,
    DocumentFormat::Docx,      DocumentFormat::Odt,      DocumentFormat::Epub,
};

Error malformed(const char* what) {
    return makeError(ErrorCode::Corrupt,
                     QStringLiteral("semsearch-extract: malformed %1").arg(QLatin1String(what)));
}

QByteArray withHeader(const QJsonObject& header, const QByteArray& body) {
    const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    return frameMessage(json).append(body);
}

// Splits a payload into its JSON header and its body.
bool split(const QByteArray& payload, QJsonObject& header, QByteArray& body) {
    if (payload.size() < kFrameHeaderBytes)
        return false;
    const std::uint32_t length = frameLength(payload.constData());
    if (length > std::uint32_t(payload.size() - kFrameHeaderBytes))
        return false;
    QJsonParseError error;
    const QJsonDocument json =
        QJsonDocument::fromJson(payload.mid(kFrameHeaderBytes, qsizetype(length)), &error);
    if (error.error != QJsonParseError::NoError || !json.isObject())
        return false;
    header = json.object();
    body = payload.mid(kFrameHeaderBytes + qsizetype(length));
    return true;
}

} // namespace

QByteArray frameMessage(const QByteArray& payload) {
    QByteArray frame(kFrameHeaderBytes, Qt::Uninitialized);
    qToLittleEndian<quint32>(quint32(payload.size()), frame.data());
    return frame.append(payload);
}

std::uint32_t frameLength(const char* header) {
    return qFromLittleEndian<quint32>(header);
}

QByteArray encodeRequest(const ExtractRequest& request) {
    const QJsonObject header{
        {QStringLiteral("format"), formatName(request.format)},
        {QStringLiteral("maxTextBytes"), qint64(request.limits.maxTextBytes)},
        {QStringLiteral("maxPages"), request.limits.maxPages},
        {QStringLiteral("maxUnpackedBytes"), qint64(request.limits.maxUnpackedBytes)},
        {QStringLiteral("maxEntries"), request.limits.maxEntries},
        {QStringLiteral("cpuSeconds"), request.cpuSeconds},
    };
    return withHeader(header, request.bytes);
}

Result<ExtractRequest> decodeRequest(const QByteArray& payload) {
    QJsonObject header;
    ExtractRequest request;
    if (!split(payload, header, request.bytes))
        return malformed("request");
    const QString format = header.value(QStringLiteral("format")).toString();
    bool known = false;
    for (DocumentFormat candidate : kFormats)
        if (formatName(candidate) == format) {
            request.format = candidate;
            known = true;
        }
    if (!known)
        return malformed("request format");
    request.limits.maxTextBytes = header.value(QStringLiteral("maxTextBytes")).toInteger();
    request.limits.maxPages = header.value(QStringLiteral("maxPages")).toInt();
    request.limits.maxUnpackedBytes = header.value(QStringLiteral("maxUnpackedBytes")).toInteger();
    request.limits.maxEntries = header.value(QStringLiteral("maxEntries")).toInt();
    request.cpuSeconds = header.value(QStringLiteral("cpuSeconds")).toInt();
    return request;
}

QByteArray encodeReply(const ExtractReply& reply) {
    QJsonObject header{{QStringLiteral("ok"), reply.ok}};
    if (!reply.ok) {
        header.insert(QStringLiteral("problem"), reply.problem);
        return withHeader(header, QByteArray());
    }
    QJsonArray places;
    for (const DocumentPlace& place : reply.places)
        places.append(QJsonArray{qint64(place.start), place.page, place.section});
    header.insert(QStringLiteral("places"), places);
    return withHeader(header, reply.text.toUtf8());
}

Result<ExtractReply> decodeReply(const QByteArray& payload) {
    QJsonObject header;
    QByteArray body;
    if (!split(payload, header, body))
        return malformed("reply");
    ExtractReply reply;
    reply.ok = header.value(QStringLiteral("ok")).toBool();
    if (!reply.ok) {
        reply.problem = header.value(QStringLiteral("problem")).toString().simplified();
        if (reply.problem.isEmpty())
            return malformed("reply");
        return reply;
    }
    // Every character as sent, a leading U+FEFF too (fromUtf8 would drop it as a byte-order
    // mark, and the places' positions would then be off by one).
    QStringDecoder utf8(QStringDecoder::Utf8, QStringConverter::Flag::ConvertInitialBom);
    reply.text = utf8(body);
    qsizetype previous = 0;
    for (const QJsonValue& value : header.value(QStringLiteral("places")).toArray()) {
        const QJsonArray fields = value.toArray();
        DocumentPlace place;
        place.start = qsizetype(fields.at(0).toInteger(-1));
        place.page = fields.at(1).toInt(-1);
        place.section = fields.at(2).toString().simplified();
        if (fields.size() != 3 || place.start < previous || place.start > reply.text.size() ||
            place.page < 0)
            return malformed("reply places");
        previous = place.start;
        reply.places.push_back(std::move(place));
    }
    return reply;
}

} // namespace semsearch
