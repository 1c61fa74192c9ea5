#include "pipeline/index_prepare.h"

#include "semsearch/extract.h"

#include <QDateTime>

#include <algorithm>
#include <cmath>

namespace semsearch {

namespace {

QString encodingName(TextEncoding encoding) {
    switch (encoding) {
    case TextEncoding::Utf8:
        return QStringLiteral("utf-8");
    case TextEncoding::Utf8WithBom:
        return QStringLiteral("utf-8-bom");
    case TextEncoding::Utf16LE:
        return QStringLiteral("utf-16le");
    case TextEncoding::Utf16BE:
        return QStringLiteral("utf-16be");
    case TextEncoding::Latin1:
        return QStringLiteral("latin-1");
    }
    return QString();
}

std::vector<PassageRecord> passagesOf(const std::vector<PassageSpan>& spans) {
    std::vector<PassageRecord> passages;
    passages.reserve(spans.size());
    for (std::size_t p = 0; p < spans.size(); ++p) {
        PassageRecord record;
        record.ordinal = int(p);
        record.byteStart = spans[p].byteStart;
        record.byteEnd = spans[p].byteEnd;
        record.line = spans[p].line;
        record.text = spans[p].text;
        record.page = spans[p].page;
        record.section = spans[p].section;
        passages.push_back(std::move(record));
    }
    return passages;
}

// Copies the passages and vectors of a stored document with this content into `file`, now,
// before the batch writes anything. The batch may replace or remove that very document (files
// that swap contents, a copy over a file that is itself edited), so a reference to it, followed
// only when writing, could find it gone: the copy taken here cannot. Any document with the hash
// will do, since passages follow from the bytes alone. False when none can be read whole, with
// finite vectors (damage can leave NaN in a stored vector, which no vector cache takes); the
// content is then embedded, so a reuse that cannot be made never fails the run.
bool copyStoredTwin(SqliteStore& store, const QByteArray& contentHash, PreparedFile& file) {
    auto twins = store.documents().findByHash(contentHash);
    if (!twins)
        return false;
    for (const DocumentRecord& twin : *twins) {
        auto passages = store.documents().passagesOf(twin.id);
        if (!passages || int(passages->size()) != twin.passageCount)
            continue;
        std::vector<std::int64_t> ids;
        ids.reserve(passages->size());
        for (const PassageRecord& passage : *passages)
            ids.push_back(passage.id);
        auto vectors = store.documents().vectorsOf(ids);
        if (!vectors || !std::all_of(vectors->begin(), vectors->end(),
                                     [](float v) { return std::isfinite(v); }))
            continue;
        file.passages = std::move(passages).value();
        file.vectors = std::move(vectors).value();
        return true;
    }
    return false;
}

// The reason without the path, which the skip list shows beside it.
QString skipReasonOf(const Error& error) {
    const QString reason = error.message.section(QStringLiteral(": "), 1);
    return reason.isEmpty() ? error.message : reason;
}

// Decides, from the content read, what the batch does with `file`.
void chooseAction(SqliteStore& store, const Embedder& embedder, const DocumentText& document,
                  PreparedFile& file, PreparedBatch& batch) {
    using Action = PreparedFile::Action;
    if (file.existing && file.existing->contentHash == document.contentHash) {
        file.action = Action::Touch;
    } else if (auto same = batch.embedded.constFind(document.contentHash);
               same != batch.embedded.cend()) {
        file.action = Action::ReuseFromBatch;
        file.batchSource = same.value();
        batch.passages += batch.files[file.batchSource].passages.size();
    } else if (copyStoredTwin(store, document.contentHash, file)) {
        file.action = Action::Reuse;
        batch.passages += file.passages.size();
    } else {
        file.action = Action::Embed;
        const std::vector<PassageSpan> spans =
            splitPassages(document, embedder.tokenizer(), embedder.maxSeqLength());
        file.passages = passagesOf(spans);
        file.firstText = std::size_t(batch.texts.size());
        for (const PassageSpan& span : spans)
            batch.texts << span.text;
        batch.passages += spans.size();
        batch.embedded.insert(document.contentHash, batch.files.size());
    }
}

} // namespace

Result<void> prepareFile(SqliteStore& store, const Embedder& embedder, DocumentReader& reader,
                         const QString& path, PreparedBatch& batch) {
    PreparedFile file;
    file.path = path;
    auto existing = store.documents().find(path);
    if (!existing)
        return existing.error();
    file.existing = *existing;
    // Taken before reading: an edit after this moment moves the file's times past it.
    file.record.indexedAtMs = QDateTime::currentMSecsSinceEpoch();
    auto document = reader.read(path);
    if (!document) {
        file.action = document.error().code == ErrorCode::NotFound ? PreparedFile::Action::Vanished
                                                                   : PreparedFile::Action::Skip;
        file.skipReason = skipReasonOf(document.error());
        batch.files.push_back(std::move(file));
        return {};
    }
    batch.bytesRead += document->byteSize;
    file.record.path = path;
    file.record.size = document->byteSize;
    file.record.modifiedMs = document->modifiedMs;
    file.record.changedMs = document->changedMs;
    file.record.contentHash = document->contentHash;
    file.record.encoding = document->format == DocumentFormat::PlainText ||
                                   document->format == DocumentFormat::Markdown
                               ? encodingName(document->encoding)
                               : formatName(document->format);
    chooseAction(store, embedder, *document, file, batch);
    batch.files.push_back(std::move(file));
    return {};
}

Result<PreparedBatch> prepareBatch(SqliteStore& store, const Embedder& embedder,
                                   DocumentReader& reader, const QStringList& toRead,
                                   qsizetype& next, const IndexOptions& options) {
    PreparedBatch batch;
    while (next < toRead.size() && int(batch.files.size()) < options.filesPerBatch &&
           batch.passages < std::size_t(options.passagesPerBatch))
        if (auto prepared = prepareFile(store, embedder, reader, toRead[next++], batch); !prepared)
            return prepared.error();
    return batch;
}

} // namespace semsearch
