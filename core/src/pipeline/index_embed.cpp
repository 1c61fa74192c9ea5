#include "pipeline/index_embed.h"

#include <QElapsedTimer>

namespace semsearch {

Result<double> embedBatch(Embedder& embedder, PreparedBatch& batch) {
    QElapsedTimer clock;
    clock.start();
    auto vectors = embedder.embed(batch.texts);
    const double seconds = clock.elapsed() / 1000.0;
    if (!vectors)
        return vectors.error();
    const std::size_t dim = embedder.dimension();
    for (PreparedFile& file : batch.files) {
        if (file.action == PreparedFile::Action::Embed) {
            const float* first = vectors->values.data() + file.firstText * dim;
            file.vectors.assign(first, first + file.passages.size() * dim);
        } else if (file.action == PreparedFile::Action::ReuseFromBatch) {
            // The source comes earlier in the batch, so its vectors are already in place.
            const PreparedFile& source = batch.files[file.batchSource];
            file.passages = source.passages;
            file.vectors = source.vectors;
        }
    }
    return seconds;
}

} // namespace semsearch
