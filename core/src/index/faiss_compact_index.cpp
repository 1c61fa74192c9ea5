// FaissCompactIndex: 8-bit codes in FAISS's containers, an IndexIDMap2 over an
// IndexScalarQuantizer (the scan) or an IndexIVFScalarQuantizer with a hash-table direct map
// (the lists), scored by our own kernel where we scan codes ourselves.
//
// Why our own kernel: Debian's FAISS is built for baseline x86-64, and its scalar quantizer
// decodes value by value. FAISS's 8-bit decoding is x_i = vmin_i + (c_i + 0.5) / 255 * vdiff_i
// (ScalarQuantizer QT_8bit: `trained` holds vmin then vdiff), so a query q scores
//     sum_i q_i x_i = sum_i q_i (vmin_i + vdiff_i / 510)  +  sum_i (q_i vdiff_i / 255) c_i,
// a constant per query plus one dot product of float weights with the codes
// (codeDotKernel(), AVX-512 or AVX2). test_compact_index checks it against FAISS's own search.
// With lists, FAISS's coarse quantizer picks the lists to probe and the same kernel scores
// their codes (FAISS's own list scan took most of a query's time at a million passages).

#include "semsearch/faiss_compact_index.h"

#include "semsearch/faiss_vector_index.h"

#include "index/atomic_file.h"
#include "index/faiss_file_layout.h"
#include "index/file_descriptor.h"
#include "index/scan_support.h"
#include "index/vector_kernels.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>
#include <faiss/invlists/InvertedLists.h>

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <new>
#include <unordered_set>

#include <unistd.h>

namespace semsearch {

namespace {

using FaissId = faiss::Index::idx_t;

// The file: this header, then what faiss::write_index writes. The checksum covers the FAISS
// part, which is only handed to FAISS once its length and checksum are right.
constexpr char kMagic[8] = {'S', 'S', 'C', 'V', 'E', 'C', '0', '1'};
struct FileHeader {
    char magic[8];
    std::int32_t dimension;
    std::uint32_t crc;
    std::uint64_t payloadBytes;
    std::int64_t vectorCount; // for countIn(), which reads no further
};
static_assert(sizeof(FileHeader) == 32, "the header's layout is the file format");

QString oneLine(const char* what) {
    return QString::fromUtf8(what).simplified();
}

Error invalid(const QString& problem) {
    return makeError(ErrorCode::InvalidArgument, QStringLiteral("vector index: ") + problem);
}

// The vectors scaled to unit length (rows x d).
std::vector<float> unitRows(const float* rows, std::int64_t count, std::size_t d) {
    std::vector<float> unit(std::size_t(count) * d);
    for (std::size_t row = 0; row < std::size_t(count); ++row)
        normalise(rows + row * d, d, unit.data() + row * d);
    return unit;
}

// Ranges from the sample, widened by a tenth each side; [-1, 1] without enough sample.
void trainQuantizer(faiss::ScalarQuantizer& sq, const float* unitSample, std::int64_t rows) {
    sq.rangestat = faiss::ScalarQuantizer::RS_minmax;
    sq.rangestat_arg = 0.1f;
    if (rows >= FaissCompactIndex::kMinTrainingRows) {
        sq.train(std::size_t(rows), unitSample);
        return;
    }
    std::vector<float> corners(2 * sq.d, -1.0f);
    std::fill(corners.begin() + std::ptrdiff_t(sq.d), corners.end(), 1.0f);
    sq.rangestat_arg = 0;
    sq.train(2, corners.data());
}

// CRC-32 of everything written through it.
struct ChecksummingWriter : DescriptorWriter {
    using DescriptorWriter::DescriptorWriter;
    size_t operator()(const void* ptr, size_t size, size_t nitems) override {
        const size_t written = DescriptorWriter::operator()(ptr, size, nitems);
        const auto* bytes = static_cast<const Bytef*>(ptr);
        for (std::size_t left = written * size; left > 0;) {
            const uInt step = uInt(std::min<std::size_t>(left, 1u << 30));
            m_crc = crc32(m_crc, bytes, step);
            bytes += step;
            left -= step;
        }
        m_bytes += written * size;
        return written;
    }
    uLong m_crc = crc32(0, nullptr, 0);
    std::uint64_t m_bytes = 0;
};

} // namespace

class FaissCompactIndex::Impl {
public:
    std::unique_ptr<faiss::Index> m_index;
    faiss::IndexIDMap2* m_map = nullptr;               // the scan's id map, else null
    faiss::IndexScalarQuantizer* m_codes = nullptr;    // the scan's codes, else null
    faiss::IndexIVFScalarQuantizer* m_lists = nullptr; // the lists, else null
    int m_probes = 1;
    int m_searchThreads = 0;

    void adopt(std::unique_ptr<faiss::Index> index) {
        m_index = std::move(index);
        m_map = dynamic_cast<faiss::IndexIDMap2*>(m_index.get());
        m_codes = m_map ? dynamic_cast<faiss::IndexScalarQuantizer*>(m_map->index) : nullptr;
        m_lists = dynamic_cast<faiss::IndexIVFScalarQuantizer*>(m_index.get());
    }
    bool wellFormed() const { return (m_map && m_codes) || m_lists; }
    const faiss::ScalarQuantizer& quantizer() const { return m_lists ? m_lists->sq : m_codes->sq; }

    const std::uint8_t* codeOf(std::int64_t id) const {
        if (m_map) {
            const auto found = m_map->rev_map.find(id);
            return found == m_map->rev_map.end()
                       ? nullptr
                       : m_codes->codes.data() + std::size_t(found->second) * m_codes->code_size;
        }
        const auto& table = m_lists->direct_map.hashtable;
        const auto found = table.find(id);
        if (found == table.end())
            return nullptr;
        return m_lists->invlists->get_single_code(faiss::lo_listno(found->second),
                                                  faiss::lo_offset(found->second));
    }

    // The weights and constant that turn a code dot product into the query's score.
    float queryWeights(const float* unitQuery, std::vector<float>& weights) const {
        const faiss::ScalarQuantizer& sq = quantizer();
        const std::size_t d = sq.d;
        const float* vmin = sq.trained.data();
        const float* vdiff = sq.trained.data() + d;
        weights.resize(d);
        double constant = 0;
        for (std::size_t i = 0; i < d; ++i) {
            weights[i] = unitQuery[i] * vdiff[i] / 255.0f;
            constant += double(unitQuery[i]) * (double(vmin[i]) + double(vdiff[i]) / 510.0);
        }
        return float(constant);
    }

    // Scores the codes of `ids` (or of every scanned row when ids is null), the k best.
    std::vector<ScoredId> scanCodes(const float* unitQuery, const std::vector<std::int64_t>* ids,
                                    std::size_t k) const {
        if (!ids)
            return scoreCodes(
                unitQuery, std::size_t(m_map->ntotal), k,
                [this](std::size_t i) { return m_codes->codes.data() + i * m_codes->code_size; },
                [this](std::size_t i) { return m_map->id_map[i]; });
        std::vector<const std::uint8_t*> codes;
        std::vector<std::int64_t> codeIds;
        for (std::int64_t id : *ids)
            if (const std::uint8_t* code = codeOf(id)) {
                codes.push_back(code);
                codeIds.push_back(id);
            }
        return scoreCodes(
            unitQuery, codes.size(), k, [&](std::size_t i) { return codes[i]; },
            [&](std::size_t i) { return codeIds[i]; });
    }

    // The `m_probes` lists nearest the query (FAISS's coarse quantizer), their codes scored by
    // our kernel rather than FAISS's list scan, which decodes value by value in Debian's build.
    std::vector<ScoredId> probeLists(const float* unitQuery, std::size_t k) const {
        const std::size_t probes = std::min<std::size_t>(std::size_t(m_probes), m_lists->nlist);
        std::vector<float> closeness(probes);
        std::vector<FaissId> nearest(probes);
        m_lists->quantizer->search(1, unitQuery, FaissId(probes), closeness.data(), nearest.data());
        std::vector<const std::uint8_t*> codes;
        std::vector<std::int64_t> codeIds;
        const faiss::InvertedLists& lists = *m_lists->invlists;
        for (const FaissId list : nearest) {
            if (list < 0)
                continue;
            const std::size_t rows = lists.list_size(std::size_t(list));
            faiss::InvertedLists::ScopedCodes listCodes(&lists, std::size_t(list));
            faiss::InvertedLists::ScopedIds listIds(&lists, std::size_t(list));
            for (std::size_t row = 0; row < rows; ++row) {
                codes.push_back(listCodes.get() + row * lists.code_size);
                codeIds.push_back(listIds[row]);
            }
        }
        return scoreCodes(
            unitQuery, codes.size(), k, [&](std::size_t i) { return codes[i]; },
            [&](std::size_t i) { return codeIds[i]; });
    }

    // The k best of `count` codes (code(i), with id(i)) by their score against the query.
    template <typename Code, typename Id>
    std::vector<ScoredId> scoreCodes(const float* unitQuery, std::size_t count, std::size_t k,
                                     const Code& code, const Id& id) const {
        std::vector<float> weights;
        const float constant = queryWeights(unitQuery, weights);
        const std::size_t d = weights.size();
        std::vector<float> scores(count);
        const CodeDotFunction codeDot = codeDotKernel();
        scanInParallel(count, d, m_searchThreads, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i)
                scores[i] = constant + codeDot(weights.data(), code(i), d);
        });
        return bestScored(count, k, [&](std::size_t i) { return ScoredId{id(i), scores[i]}; });
    }
};

FaissCompactIndex::FaissCompactIndex(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
FaissCompactIndex::~FaissCompactIndex() = default;

Result<std::unique_ptr<FaissCompactIndex>>
FaissCompactIndex::createScan(int dimension, const float* sample, std::int64_t sampleRows) {
    if (dimension < 1)
        return invalid(QStringLiteral("dimension %1 is not positive").arg(dimension));
    if (sampleRows > 0 && (!sample || !allFinite(sample, std::size_t(sampleRows) * dimension)))
        return invalid(QStringLiteral("the training sample is missing or holds NaN or infinity"));
    try {
        auto codes = std::make_unique<faiss::IndexScalarQuantizer>(
            dimension, faiss::ScalarQuantizer::QT_8bit, faiss::METRIC_INNER_PRODUCT);
        const std::vector<float> unit = unitRows(sample, sampleRows, std::size_t(dimension));
        trainQuantizer(codes->sq, unit.data(), sampleRows);
        codes->is_trained = true;
        auto map = std::make_unique<faiss::IndexIDMap2>(codes.get());
        codes.release();
        map->own_fields = true;
        auto impl = std::make_unique<Impl>();
        impl->adopt(std::move(map));
        return std::unique_ptr<FaissCompactIndex>(new FaissCompactIndex(std::move(impl)));
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: cannot create: ") + oneLine(e.what()));
    }
}

Result<std::unique_ptr<FaissCompactIndex>> FaissCompactIndex::createLists(int dimension, int lists,
                                                                          int probes,
                                                                          const float* sample,
                                                                          std::int64_t sampleRows) {
    if (dimension < 1 || lists < 1)
        return invalid(QStringLiteral("dimension %1 or list count %2 is not positive")
                           .arg(dimension)
                           .arg(lists));
    if (!sample || sampleRows < lists)
        return invalid(QStringLiteral("%1 lists need at least as many sample vectors, not %2")
                           .arg(lists)
                           .arg(sampleRows));
    if (!allFinite(sample, std::size_t(sampleRows) * dimension))
        return invalid(QStringLiteral("the training sample holds NaN or infinity"));
    try {
        auto coarse = std::make_unique<faiss::IndexFlatIP>(dimension);
        auto index = std::make_unique<faiss::IndexIVFScalarQuantizer>(
            coarse.get(), dimension, std::size_t(lists), faiss::ScalarQuantizer::QT_8bit,
            faiss::METRIC_INNER_PRODUCT, /*encode_residual=*/false);
        coarse.release();
        index->own_fields = true;
        // Ten k-means rounds: the lists only need to be good enough for probing to find the
        // neighbours, which the recall guard measures; 25 (FAISS's default) doubles the time.
        index->cp.niter = 10;
        index->cp.spherical = true;
        const std::vector<float> unit = unitRows(sample, sampleRows, std::size_t(dimension));
        index->train(FaissId(sampleRows), unit.data());
        trainQuantizer(index->sq, unit.data(), sampleRows);
        index->set_direct_map_type(faiss::DirectMap::Hashtable);
        auto impl = std::make_unique<Impl>();
        impl->adopt(std::move(index));
        auto made = std::unique_ptr<FaissCompactIndex>(new FaissCompactIndex(std::move(impl)));
        made->setProbes(probes);
        return made;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: cannot create the lists: ") +
                             oneLine(e.what()));
    }
}

int FaissCompactIndex::dimension() const {
    return m_impl->m_index->d;
}

std::int64_t FaissCompactIndex::size() const {
    return m_impl->m_index->ntotal;
}

bool FaissCompactIndex::contains(std::int64_t id) const {
    return m_impl->codeOf(id) != nullptr;
}

std::vector<std::int64_t> FaissCompactIndex::ids() const {
    std::vector<std::int64_t> all;
    if (m_impl->m_map) {
        all.assign(m_impl->m_map->id_map.begin(), m_impl->m_map->id_map.end());
    } else {
        all.reserve(m_impl->m_lists->direct_map.hashtable.size());
        for (const auto& entry : m_impl->m_lists->direct_map.hashtable)
            all.push_back(entry.first);
    }
    std::sort(all.begin(), all.end());
    return all;
}

bool FaissCompactIndex::usesLists() const {
    return m_impl->m_lists != nullptr;
}

int FaissCompactIndex::lists() const {
    return m_impl->m_lists ? int(m_impl->m_lists->nlist) : 0;
}

int FaissCompactIndex::probes() const {
    return m_impl->m_lists ? m_impl->m_probes : 0;
}

void FaissCompactIndex::setProbes(int probes) {
    m_impl->m_probes = std::clamp(probes, 1, std::max(1, lists()));
}

void FaissCompactIndex::setSearchThreads(int threads) {
    m_impl->m_searchThreads = std::max(0, threads);
}

Result<void> FaissCompactIndex::add(const std::vector<std::int64_t>& ids, const float* vectors) {
    if (ids.empty())
        return {};
    if (!vectors)
        return invalid(QStringLiteral("%1 ids but no vectors").arg(ids.size()));
    const std::size_t d = std::size_t(dimension());
    std::unordered_set<std::int64_t> seen;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (contains(ids[i]))
            return invalid(QStringLiteral("passage %1 is already present").arg(ids[i]));
        if (!seen.insert(ids[i]).second)
            return invalid(QStringLiteral("passage %1 is given twice").arg(ids[i]));
        if (!allFinite(vectors + i * d, d))
            return invalid(
                QStringLiteral("the vector of passage %1 holds NaN or infinity").arg(ids[i]));
    }
    // Encoded a thousand at a time: bounds the unit-length copy (3 MB at 768).
    constexpr std::size_t kBatch = 1024;
    std::size_t done = 0;
    try {
        for (; done < ids.size(); done += kBatch) {
            const std::size_t rows = std::min(kBatch, ids.size() - done);
            const std::vector<float> unit = unitRows(vectors + done * d, std::int64_t(rows), d);
            m_impl->m_index->add_with_ids(FaissId(rows), unit.data(), ids.data() + done);
        }
    } catch (const std::exception& e) {
        // Only memory can run out here (the arguments were checked); undo what went in.
        (void)remove(std::vector<std::int64_t>(ids.begin(), ids.begin() + std::ptrdiff_t(done)));
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: cannot add %1 vectors: ").arg(ids.size()) +
                             oneLine(e.what()));
    }
    return {};
}

Result<void> FaissCompactIndex::remove(const std::vector<std::int64_t>& ids) {
    std::vector<FaissId> present;
    for (std::int64_t id : ids)
        if (contains(id))
            present.push_back(id);
    std::sort(present.begin(), present.end());
    present.erase(std::unique(present.begin(), present.end()), present.end());
    if (present.empty())
        return {}; // spares the pass over the whole index that remove_ids makes
    try {
        if (m_impl->m_map) {
            m_impl->m_map->remove_ids(faiss::IDSelectorBatch(present.size(), present.data()));
        } else {
            // A hash-table direct map removes only through an explicit id array.
            m_impl->m_lists->remove_ids(faiss::IDSelectorArray(present.size(), present.data()));
        }
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: cannot remove vectors: ") +
                             oneLine(e.what()));
    }
    return {};
}

Result<std::vector<ScoredId>>
FaissCompactIndex::search(const float* query, int k,
                          const std::vector<std::int64_t>* allowed) const {
    if (auto checked = checkSearchArguments(query, k, dimension()); !checked)
        return checked.error();
    const std::size_t d = std::size_t(dimension());
    if (k == 0 || size() == 0)
        return std::vector<ScoredId>();
    try {
        std::vector<float> unitQuery(d);
        normalise(query, d, unitQuery.data());
        if (allowed) {
            std::vector<std::int64_t> unique(*allowed);
            std::sort(unique.begin(), unique.end());
            unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
            return m_impl->scanCodes(unitQuery.data(), &unique, std::size_t(k));
        }
        if (m_impl->m_lists)
            return m_impl->probeLists(unitQuery.data(),
                                      std::min(std::size_t(k), std::size_t(size())));
        return m_impl->scanCodes(unitQuery.data(), nullptr, std::size_t(k));
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: search failed: ") + oneLine(e.what()));
    }
}

Result<void> FaissCompactIndex::save(const QString& path, int fileMode,
                                     const std::function<void()>& beforeRename) const {
    const QString tmpPath = path + QStringLiteral(".tmp");
    const auto writeContent = [&](int fd) -> Result<void> {
        FileHeader header{};
        std::memcpy(header.magic, kMagic, sizeof kMagic);
        header.dimension = dimension();
        if (::write(fd, &header, sizeof header) != qint64(sizeof header))
            return saveError(path, QStringLiteral("writing ") + tmpPath, errno);
        ChecksummingWriter writer(fd);
        try {
            faiss::write_index(m_impl->m_index.get(), &writer);
        } catch (const std::exception& e) {
            if (writer.m_errno != 0)
                return saveError(path, QStringLiteral("writing ") + tmpPath, writer.m_errno);
            return makeError(ErrorCode::Internal,
                             path + QStringLiteral(": cannot save the vector index: ") +
                                 oneLine(e.what()));
        }
        header.crc = std::uint32_t(writer.m_crc);
        header.payloadBytes = writer.m_bytes;
        header.vectorCount = size();
        if (::pwrite(fd, &header, sizeof header, 0) != qint64(sizeof header))
            return saveError(path, QStringLiteral("writing ") + tmpPath, errno);
        return {};
    };
    return saveAtomically(path, fileMode, writeContent, beforeRename);
}

namespace {

// The header's checks and the checksum of the rest, before FAISS reads any of it.
Result<void> checkCompactFile(int fd, const QString& path, qint64 fileSize, int dimension) {
    const auto corrupt = [&](const QString& problem) {
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": ") + problem);
    };
    const auto unreadable = [&] {
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    };
    FileHeader header{};
    if (fileSize < qint64(sizeof header))
        return corrupt(QStringLiteral("too short to be a vector cache (%1 bytes)").arg(fileSize));
    if (::pread(fd, &header, sizeof header, 0) != qint64(sizeof header))
        return unreadable();
    if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0)
        return corrupt(QStringLiteral("not a semsearch compact vector cache"));
    if (header.dimension != dimension)
        return makeError(ErrorCode::Mismatch,
                         path + QStringLiteral(": holds %1-dimensional vectors, %2 expected")
                                    .arg(header.dimension)
                                    .arg(dimension));
    if (header.payloadBytes != std::uint64_t(fileSize) - sizeof header)
        return corrupt(QStringLiteral("%1 bytes long, %2 expected (truncated?)")
                           .arg(fileSize)
                           .arg(header.payloadBytes + sizeof header));
    std::vector<Bytef> chunk(std::size_t(1) << 22);
    uLong crc = crc32(0, nullptr, 0);
    for (qint64 at = sizeof header; at < fileSize;) {
        const ssize_t got = ::pread(fd, chunk.data(), chunk.size(), at);
        if (got <= 0)
            return unreadable();
        crc = crc32(crc, chunk.data(), uInt(got));
        at += got;
    }
    if (std::uint32_t(crc) != header.crc)
        return corrupt(QStringLiteral("the checksum does not match: the file is damaged"));
    return {};
}

} // namespace

Result<std::int64_t> FaissCompactIndex::countIn(const QString& path) {
    auto opened = openSaved(path);
    if (!opened)
        return opened.error();
    FileHeader header{};
    if (opened->second >= qint64(sizeof header) &&
        ::pread(opened->first.get(), &header, sizeof header, 0) != qint64(sizeof header))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0)
        return FaissVectorIndex::countIn(path); // a full-precision cache of an older version
    if (header.vectorCount < 0 ||
        header.payloadBytes != std::uint64_t(opened->second) - sizeof header)
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": the header is damaged"));
    return std::int64_t(header.vectorCount);
}

Result<std::unique_ptr<FaissCompactIndex>> FaissCompactIndex::load(const QString& path,
                                                                   int dimension) {
    auto opened = openSaved(path);
    if (!opened)
        return opened.error();
    const int fd = opened->first.get();
    if (auto checked = checkCompactFile(fd, path, opened->second, dimension); !checked)
        return checked.error();
    if (::lseek(fd, sizeof(FileHeader), SEEK_SET) < 0)
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    auto impl = std::make_unique<Impl>();
    DescriptorReader reader(fd);
    try {
        impl->adopt(std::unique_ptr<faiss::Index>(faiss::read_index(&reader)));
        if (impl->m_lists && impl->m_lists->direct_map.type != faiss::DirectMap::Hashtable)
            impl->m_lists->set_direct_map_type(faiss::DirectMap::Hashtable);
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::Internal,
                         path + QStringLiteral(": not enough memory to load the vector cache"));
    } catch (const std::exception& e) {
        if (reader.m_errno != 0)
            return makeError(ErrorCode::Io, path + QStringLiteral(": cannot read: ") +
                                                systemError(reader.m_errno));
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": ") + oneLine(e.what()));
    }
    // A whole file of another FAISS index kind (one we did not write) is refused too.
    if (!impl->wellFormed() || impl->m_index->d != dimension ||
        impl->m_index->metric_type != faiss::METRIC_INNER_PRODUCT ||
        impl->quantizer().qtype != faiss::ScalarQuantizer::QT_8bit ||
        (impl->m_map && impl->m_map->rev_map.size() != impl->m_map->id_map.size()))
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": not a compact vector cache of this kind"));
    return std::unique_ptr<FaissCompactIndex>(new FaissCompactIndex(std::move(impl)));
}

} // namespace semsearch
