#pragma once

// Reads documents for the preview in the background: a PDF can take seconds to extract, a
// hostile one up to the helper's time limit, and a front end must not freeze meanwhile. Each
// load runs preparePreview (document_preview.h) on a thread of the global QThreadPool; only the
// latest load is ever answered, so a front end that asks for one document after another shows
// the last, never an older one that happened to finish later.
//
// Lives in and is used from one thread (the GUI's); loaded is emitted on it. A loader destroyed
// while a read runs never emits: the read, which holds only values, finishes on its own.

#include "document_preview.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <functional>
#include <vector>

namespace semsearch::services {

class PreviewLoader : public QObject {
    Q_OBJECT

public:
    explicit PreviewLoader(QObject* parent = nullptr);

    // How documents are read (the helper program, limits); used by the loads started after.
    void setReadOptions(const ReadOptions& options) { m_readOptions = options; }

    // Starts reading `path` and placing `passages` in it. Emits loaded once done, unless
    // another load or a cancel comes first. `focusPassageId` is handed back with the result.
    void load(const QString& path, const std::vector<PassageHit>& passages,
              std::int64_t focusPassageId = 0);
    // Starts reading the document at `path` from the shared index at `location` (its file is
    // not on this disk: stored_preview.h) and placing the `passages` found in it. When the
    // index cannot be read (the server is out of reach), the preview is the passages alone
    // (excerptsOnly), never an error. Answered like load().
    void loadStored(const QString& location, const QString& path,
                    const std::vector<PassageHit>& passages, std::int64_t focusPassageId = 0);
    // Forgets the load in progress, if any: it will not be answered.
    void cancel() { ++m_request; }

Q_SIGNALS:
    // The preview of the latest load, or why `path` cannot be previewed (preparePreview's
    // errors).
    void loaded(const QString& path, const semsearch::Result<DocumentPreview>& preview,
                std::int64_t focusPassageId);

private:
    // Runs `prepare` on the global thread pool and answers with what it gives (see above).
    void start(const QString& path, std::int64_t focusPassageId,
               std::function<Result<DocumentPreview>()> prepare);

    ReadOptions m_readOptions;
    // Counts loads and cancels; a result is emitted only if nothing came after its load.
    quint64 m_request = 0;
};

} // namespace semsearch::services
