#include "pipeline/document_grouping.h"

#include <QHash>

namespace semsearch {

std::vector<DocumentHit> groupByDocument(std::vector<PassageHit> passages, int count,
                                         int perDocument) {
    std::vector<DocumentHit> documents;
    QHash<std::int64_t, std::size_t> position;
    for (PassageHit& passage : passages) {
        auto found = position.find(passage.documentId);
        if (found == position.end()) {
            if (int(documents.size()) == count)
                continue;
            found = position.insert(passage.documentId, documents.size());
            DocumentHit document;
            document.documentId = passage.documentId;
            document.path = passage.path;
            document.machine = passage.machine;
            document.score = passage.score;
            documents.push_back(std::move(document));
        }
        DocumentHit& document = documents[found.value()];
        if (int(document.passages.size()) < perDocument)
            document.passages.push_back(std::move(passage));
    }
    return documents;
}

} // namespace semsearch
