// FaissVectorIndex: the vector cache, an IndexIDMap2 over an IndexFlatIP. The scan kernels are
// in vector_kernels.cpp, the check of a saved file's layout in faiss_file_layout.cpp, the
// descriptors FAISS reads and writes through in file_descriptor.cpp.
//
// FAISS' OpenMP is left alone: none of the FAISS calls made here (add, remove, read, write)
// opens a parallel region, and omp_set_num_threads would also change LibTorch's thread count,
// which shares the process's OpenMP runtime.

#include "semsearch/faiss_vector_index.h"

#include "index/atomic_file.h"
#include "index/faiss_file_layout.h"
#include "index/file_descriptor.h"
#include "index/scan_support.h"
#include "index/vector_kernels.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>

#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <exception>
#include <new>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace semsearch {

namespace {

using FaissId = faiss::Index::idx_t; // faiss 1.7.3 spells it Index::idx_t (faiss::idx_t is newer)
static_assert(std::is_same<FaissId, std::int64_t>::value, "passage ids go to FAISS as they are");

// Rows normalised and handed to FAISS per step in add(): bounds the scratch copy (3 MB at 768).
constexpr std::size_t kAddBatchRows = 1024;
// Stored vectors are unit length to float precision (|norm^2 - 1| ~ 1e-7 at 768); a damaged
// exponent or high mantissa byte moves it far more than this.
constexpr double kUnitNormTolerance = 1e-3;

// FAISS messages carry the function and source line over several lines; an Error is one line.
QString oneLine(const char* what) {
    return QString::fromUtf8(what).simplified();
}

} // namespace

class FaissVectorIndex::Impl {
public:
    explicit Impl(std::unique_ptr<faiss::IndexIDMap2> index) : m_index(std::move(index)) {}

    int dimension() const { return m_index->d; }
    const float* vectors() const {
        return static_cast<const faiss::IndexFlat*>(m_index->index)->get_xb();
    }

    // Scores rows `begin..end` of `positions` (or of the whole index if positions is null) into
    // scores[begin..end).
    void scoreRange(const float* query, const FaissId* positions, std::size_t begin,
                    std::size_t end, float* scores) const {
        const std::size_t d = std::size_t(dimension());
        const float* base = vectors();
        const DotFunction rowDot = dotKernel();
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t row = positions ? std::size_t(positions[i]) : i;
            scores[i] = rowDot(query, base + row * d, d);
        }
    }

    std::unique_ptr<faiss::IndexIDMap2> m_index; // owns its IndexFlatIP
    int m_searchThreads = 0;
};

Result<std::int64_t> FaissVectorIndex::countIn(const QString& path) {
    return countVectorsIn(path);
}

FaissVectorIndex::FaissVectorIndex(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
FaissVectorIndex::~FaissVectorIndex() = default;

Result<std::unique_ptr<FaissVectorIndex>> FaissVectorIndex::create(int dimension) {
    if (dimension < 1)
        return makeError(
            ErrorCode::InvalidArgument,
            QStringLiteral("vector index: dimension %1 is not positive").arg(dimension));
    try {
        auto flat = std::make_unique<faiss::IndexFlatIP>(dimension);
        auto map = std::make_unique<faiss::IndexIDMap2>(flat.get());
        flat.release();
        map->own_fields = true;
        return std::unique_ptr<FaissVectorIndex>(
            new FaissVectorIndex(std::make_unique<Impl>(std::move(map))));
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: cannot create: ") + oneLine(e.what()));
    }
}

Result<std::unique_ptr<FaissVectorIndex>> FaissVectorIndex::load(const QString& path,
                                                                 int dimension) {
    if (dimension < 1)
        return makeError(ErrorCode::InvalidArgument,
                         path + QStringLiteral(": dimension %1 is not positive").arg(dimension));
    auto opened = openSaved(path);
    if (!opened)
        return opened.error();
    const FileDescriptor& fd = opened->first;
    if (auto layout = checkLayout(fd.get(), path, opened->second, dimension); !layout)
        return layout.error();

    std::unique_ptr<faiss::IndexIDMap2> map;
    DescriptorReader reader(fd.get());
    try {
        std::unique_ptr<faiss::Index> read(faiss::read_index(&reader));
        map.reset(dynamic_cast<faiss::IndexIDMap2*>(read.get()));
        if (map)
            read.release();
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::Internal,
                         path + QStringLiteral(": not enough memory to load the vector index"));
    } catch (const std::exception& e) {
        if (reader.m_errno != 0)
            return makeError(ErrorCode::Io, path + QStringLiteral(": cannot read: ") +
                                                systemError(reader.m_errno));
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": ") + oneLine(e.what()));
    }
    // The layout check makes these certain; they guard against a FAISS that reads differently.
    const auto* flat = map ? dynamic_cast<const faiss::IndexFlatIP*>(map->index) : nullptr;
    if (!flat || map->d != dimension || flat->d != dimension ||
        flat->metric_type != faiss::METRIC_INNER_PRODUCT || flat->ntotal != map->ntotal ||
        map->id_map.size() != std::size_t(map->ntotal))
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": not an id-mapped flat inner-product index"));
    if (map->rev_map.size() != map->id_map.size())
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": the same passage id is stored twice"));

    // Every stored vector went through normalise(); anything else is damage. One pass over the
    // data, cheap next to reading it.
    const float* vectors = flat->get_xb();
    const std::size_t d = std::size_t(dimension);
    for (std::size_t row = 0; row < std::size_t(map->ntotal); ++row) {
        const float* v = vectors + row * d;
        const float squared = dot(v, v, d);
        if (!allFinite(v, d) ||
            (squared != 0.0f && std::abs(double(squared) - 1.0) > kUnitNormTolerance))
            return makeError(
                ErrorCode::Corrupt,
                path +
                    QStringLiteral(": the vector of passage %1 is damaged").arg(map->id_map[row]));
    }
    return std::unique_ptr<FaissVectorIndex>(
        new FaissVectorIndex(std::make_unique<Impl>(std::move(map))));
}

int FaissVectorIndex::dimension() const {
    return m_impl->dimension();
}

std::int64_t FaissVectorIndex::size() const {
    return m_impl->m_index->ntotal;
}

bool FaissVectorIndex::contains(std::int64_t id) const {
    return m_impl->m_index->rev_map.count(id) != 0;
}

std::vector<std::int64_t> FaissVectorIndex::ids() const {
    const std::vector<FaissId>& idMap = m_impl->m_index->id_map;
    std::vector<std::int64_t> sorted(idMap.begin(), idMap.end());
    std::sort(sorted.begin(), sorted.end());
    return sorted;
}

void FaissVectorIndex::setSearchThreads(int threads) {
    m_impl->m_searchThreads = std::max(0, threads);
}

int FaissVectorIndex::searchThreads() const {
    return m_impl->m_searchThreads;
}

Result<void> FaissVectorIndex::add(const std::vector<std::int64_t>& ids, const float* vectors) {
    if (ids.empty())
        return {};
    if (!vectors)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("vector index: %1 ids but no vectors").arg(ids.size()));
    faiss::IndexIDMap2& map = *m_impl->m_index;
    const std::size_t d = std::size_t(dimension());
    const std::size_t n = ids.size();

    // FAISS would accept a duplicate and silently break its id -> row map; refuse instead. The
    // check costs a hash lookup per vector next to normalising 768 floats.
    try {
        std::unordered_set<std::int64_t> seen;
        seen.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            if (map.rev_map.count(ids[i]) != 0)
                return makeError(
                    ErrorCode::InvalidArgument,
                    QStringLiteral("vector index: passage %1 is already present").arg(ids[i]));
            if (!seen.insert(ids[i]).second)
                return makeError(
                    ErrorCode::InvalidArgument,
                    QStringLiteral("vector index: passage %1 is given twice").arg(ids[i]));
            if (!allFinite(vectors + i * d, d))
                return makeError(ErrorCode::InvalidArgument,
                                 QStringLiteral("vector index: the vector of passage %1 holds "
                                                "NaN or infinity")
                                     .arg(ids[i]));
        }
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::Internal, QStringLiteral("vector index: out of memory"));
    }

    const FaissId sizeBefore = map.ntotal;
    try {
        // Reserve the big arrays up front, so that running out of memory happens here, before
        // anything changed; grow geometrically, so that many small adds stay linear overall.
        auto& codes = static_cast<faiss::IndexFlat*>(map.index)->codes;
        const std::size_t codeBytes = (std::size_t(map.ntotal) + n) * d * sizeof(float);
        if (codes.capacity() < codeBytes)
            codes.reserve(std::max(codeBytes, codes.capacity() + codes.capacity() / 2));
        if (map.id_map.capacity() < map.id_map.size() + n)
            map.id_map.reserve(
                std::max(map.id_map.size() + n, map.id_map.capacity() + map.id_map.capacity() / 2));

        std::vector<float> batch(std::min(n, kAddBatchRows) * d);
        for (std::size_t first = 0; first < n; first += kAddBatchRows) {
            const std::size_t rows = std::min(kAddBatchRows, n - first);
            for (std::size_t r = 0; r < rows; ++r)
                normalise(vectors + (first + r) * d, d, batch.data() + r * d);
            map.add_with_ids(FaissId(rows), batch.data(), ids.data() + first);
        }
    } catch (const std::exception& e) {
        // Only memory can run out here (the arguments were checked); undo the rows already in.
        if (map.ntotal > sizeBefore) {
            try {
                const std::vector<FaissId> added(map.id_map.begin() + sizeBefore, map.id_map.end());
                faiss::IDSelectorBatch selector(added.size(), added.data());
                map.remove_ids(selector);
            } catch (const std::exception&) {
            }
        }
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: cannot add %1 vectors: ").arg(n) +
                             oneLine(e.what()));
    }
    return {};
}

Result<void> FaissVectorIndex::remove(const std::vector<std::int64_t>& ids) {
    faiss::IndexIDMap2& map = *m_impl->m_index;
    try {
        std::vector<FaissId> present;
        for (std::int64_t id : ids)
            if (map.rev_map.count(id) != 0)
                present.push_back(id);
        if (present.empty())
            return {}; // spares the pass over the whole index that remove_ids makes
        faiss::IDSelectorBatch selector(present.size(), present.data());
        map.remove_ids(selector);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: cannot remove vectors: ") +
                             oneLine(e.what()));
    }
    return {};
}

Result<std::vector<ScoredId>>
FaissVectorIndex::search(const float* query, int k,
                         const std::vector<std::int64_t>* allowed) const {
    if (auto checked = checkSearchArguments(query, k, dimension()); !checked)
        return checked.error();
    const faiss::IndexIDMap2& map = *m_impl->m_index;
    const std::size_t d = std::size_t(dimension());
    if (k == 0 || map.ntotal == 0)
        return std::vector<ScoredId>();

    try {
        std::vector<float> unitQuery(d);
        normalise(query, d, unitQuery.data());

        // A subset is scored row by row through FAISS' id -> row map, in row order so that the
        // scan still walks memory forwards. (faiss 1.7.3's IndexIDMap2::search refuses
        // SearchParameters, and its heaps break ties by row, not by id.)
        std::vector<FaissId> positions;
        if (allowed) {
            positions.reserve(std::min(allowed->size(), std::size_t(map.ntotal)));
            for (std::int64_t id : *allowed) {
                const auto found = map.rev_map.find(id);
                if (found != map.rev_map.end())
                    positions.push_back(found->second);
            }
            std::sort(positions.begin(), positions.end());
            positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
        }
        const std::size_t count = allowed ? positions.size() : std::size_t(map.ntotal);
        std::vector<float> scores(count);
        const FaissId* rows = allowed ? positions.data() : nullptr;
        scanInParallel(count, d, m_impl->m_searchThreads, [&](std::size_t begin, std::size_t end) {
            m_impl->scoreRange(unitQuery.data(), rows, begin, end, scores.data());
        });
        return bestScored(count, std::size_t(k), [&](std::size_t i) {
            return ScoredId{map.id_map[rows ? std::size_t(rows[i]) : i], scores[i]};
        });
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: search failed: ") + oneLine(e.what()));
    }
}

Result<void> FaissVectorIndex::save(const QString& path, int fileMode,
                                    const std::function<void()>& beforeRename) const {
    const QString tmpPath = path + QStringLiteral(".tmp");
    const auto writeContent = [&](int fd) -> Result<void> {
        DescriptorWriter writer(fd);
        try {
            faiss::write_index(m_impl->m_index.get(), &writer);
        } catch (const std::exception& e) {
            if (writer.m_errno != 0)
                return saveError(path, QStringLiteral("writing ") + tmpPath, writer.m_errno);
            return makeError(ErrorCode::Internal,
                             path + QStringLiteral(": cannot save the vector index: ") +
                                 oneLine(e.what()));
        }
        return {};
    };
    return saveAtomically(path, fileMode, writeContent, beforeRename);
}

} // namespace semsearch
