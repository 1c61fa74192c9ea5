#include "semsearch/shared_document.h"

#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_reads.h"

namespace semsearch {

Result<SharedDocument> readSharedDocument(const QString& location, const QString& path) {
    auto connection = openCurrentSharedIndex(location);
    if (!connection)
        return connection.error();
    auto passages = sharedPassagesOfDocument(*connection, path);
    if (!passages)
        return passages.error();
    if (passages->empty())
        return connection->error(ErrorCode::NotFound,
                                 QStringLiteral("holds no document %1").arg(path));
    SharedDocument shared;
    shared.document = passages->front().document;
    shared.machine = passages->front().machine;
    shared.passages.reserve(passages->size());
    for (SharedPassage& passage : *passages)
        shared.passages.push_back(std::move(passage.passage));
    return shared;
}

} // namespace semsearch
