#include "semsearch/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>

#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SEMSEARCH_X86_KERNELS 1
#endif

namespace semsearch {

namespace {

using FaissId = faiss::Index::idx_t; // faiss 1.7.3 spells it Index::idx_t (faiss::idx_t is newer)
static_assert(std::is_same<FaissId, std::int64_t>::value, "passage ids go to FAISS as they are");

// Rows normalised and handed to FAISS per step in add(): bounds the scratch copy (3 MB at 768).
constexpr std::size_t kAddBatchRows = 1024;
// A search thread must have this many values to scan (8 MB, ~0.7 ms) to be worth starting one
// (~30 us); smaller indexes are searched on the calling thread alone.
constexpr std::size_t kMinValuesPerThread = std::size_t(1) << 21;
// Stored vectors are unit length to float precision (|norm^2 - 1| ~ 1e-7 at 768); a damaged
// exponent or high mantissa byte moves it far more than this.
constexpr double kUnitNormTolerance = 1e-3;

// ---- dot products ------------------------------------------------------------------------------
//
// One query against many rows is limited by arithmetic, not memory, with Debian's FAISS: it is
// built for baseline x86-64 (SSE2), and its fvec_inner_product scans 100,000 x 768 floats in
// 62 ms (5 GB/s) on the AVX-512 development machine (IndexFlat::search with one query: 57 ms).
// The AVX-512 kernel below takes 23 ms (13 GB/s), and two threads 11 ms. (faiss' BLAS path only
// starts at 20 queries, and IndexFlat::search parallelises over queries, so neither helps a
// single query.) The kernels are picked at run time, so the binary still runs on any
// x86-64; elsewhere FAISS' own kernel is used.
//
// FAISS' OpenMP is left alone: none of the FAISS calls made here (add, remove, read, write)
// opens a parallel region, and omp_set_num_threads would also change LibTorch's thread count,
// which shares the process's OpenMP runtime.

using DotFunction = float (*)(const float* a, const float* b, std::size_t d);

float dotFaiss(const float* a, const float* b, std::size_t d) {
    return faiss::fvec_inner_product(a, b, d);
}

#ifdef SEMSEARCH_X86_KERNELS
__attribute__((target("avx512f"))) float dotAvx512(const float* a, const float* b, std::size_t d) {
    // Four accumulators hide the FMA latency; a single one would halve the speed.
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    std::size_t i = 0;
    for (; i + 64 <= d; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= d; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < d) {
        const __mmask16 mask = __mmask16((1u << (d - i)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i),
                             s1);
    }
    // Summed through memory: GCC 12 warns about _mm512_undefined_ps() inside every AVX-512
    // horizontal-sum intrinsic (a false positive); 16 scalar adds cost nothing next to 768 FMAs.
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    float sum = 0;
    for (float lane : lanes)
        sum += lane;
    return sum;
}

__attribute__((target("avx2,fma"))) float dotAvx2(const float* a, const float* b, std::size_t d) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    std::size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= d; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    const __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float sum = _mm_cvtss_f32(h);
    for (; i < d; ++i)
        sum += a[i] * b[i];
    return sum;
}
#endif

DotFunction pickDot() {
#ifdef SEMSEARCH_X86_KERNELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return dotAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return dotAvx2;
#endif
    return dotFaiss;
}

float dot(const float* a, const float* b, std::size_t d) {
    static const DotFunction kernel = pickDot();
    return kernel(a, b, d);
}

// ---- helpers -----------------------------------------------------------------------------------

QString systemError(int error) {
    return QString::fromLocal8Bit(std::strerror(error));
}

// FAISS messages carry the function and source line over several lines; an Error is one line.
QString oneLine(const char* what) {
    return QString::fromUtf8(what).simplified();
}

bool allFinite(const float* values, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
        if (!std::isfinite(values[i]))
            return false;
    return true;
}

// Scales `in` to unit length into `out`. The norm is summed in double so that neither huge
// (squares overflowing float) nor tiny (squares underflowing) values lose the direction; an
// all-zero vector stays zero.
void normalise(const float* in, std::size_t d, float* out) {
    double sum = 0;
    for (std::size_t i = 0; i < d; ++i)
        sum += double(in[i]) * double(in[i]);
    const double scale = sum > 0 ? 1.0 / std::sqrt(sum) : 0.0;
    for (std::size_t i = 0; i < d; ++i)
        out[i] = float(double(in[i]) * scale);
}

// Best first: higher score, then smaller id.
bool better(const ScoredId& a, const ScoredId& b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    ~FileDescriptor() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    FileDescriptor(FileDescriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor& operator=(FileDescriptor&&) = delete;
    int get() const { return m_fd; }
    // Closes now and reports the result: close() can be the first to report a failed write.
    int close() {
        const int result = ::close(m_fd);
        m_fd = -1;
        return result;
    }

private:
    int m_fd;
};

// FAISS reads and writes through these, so that a failure keeps its errno (FAISS's own
// FileIOWriter only says "write error").
struct DescriptorWriter : faiss::IOWriter {
    explicit DescriptorWriter(int fd) : m_fd(fd) {}
    size_t operator()(const void* ptr, size_t size, size_t nitems) override {
        const char* data = static_cast<const char*>(ptr);
        std::size_t left = size * nitems;
        while (left > 0) {
            const ssize_t written = ::write(m_fd, data, left);
            if (written < 0 && errno == EINTR)
                continue;
            if (written <= 0) {
                m_errno = written < 0 ? errno : ENOSPC;
                return 0;
            }
            data += written;
            left -= std::size_t(written);
        }
        return nitems;
    }
    int fileno() override { return m_fd; }
    int m_fd;
    int m_errno = 0;
};

struct DescriptorReader : faiss::IOReader {
    explicit DescriptorReader(int fd) : m_fd(fd) {}
    size_t operator()(void* ptr, size_t size, size_t nitems) override {
        char* data = static_cast<char*>(ptr);
        std::size_t left = size * nitems;
        while (left > 0) {
            const ssize_t got = ::read(m_fd, data, left);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                m_errno = got < 0 ? errno : 0;
                return 0;
            }
            data += got;
            left -= std::size_t(got);
        }
        return nitems;
    }
    int fileno() override { return m_fd; }
    int m_fd;
    int m_errno = 0;
};

// ---- the file layout ---------------------------------------------------------------------------
//
// What faiss::write_index writes for an IndexIDMap2 over an IndexFlatIP (faiss 1.7.x, native
// byte order), as offsets into the file:
//     0  "IxM2", then a 33-byte header: int32 d, int64 ntotal, 2 x int64 unused,
//        uint8 is_trained, int32 metric (0 = inner product)
//    37  "IxFI", then the same 33-byte header for the flat index
//    74  uint64 n*d, then n*d float32 (the vectors, row-major)
//        uint64 n, then n int64 (the ids, in row order)
// FAISS trusts the counts it reads and allocates whatever they say before it notices that the
// file is shorter, so a damaged count could ask for terabytes. Checking every count against
// the file's size first means FAISS only ever reads a file whose layout is already known good.

constexpr qint64 kHeaderBytes = 4 + 33;
constexpr qint64 kVectorsCountOffset = 2 * kHeaderBytes;
constexpr qint64 kVectorsOffset = kVectorsCountOffset + 8;
constexpr qint64 kIndexType = 0;  // offset of the fourcc within a header
constexpr qint64 kDimension = 4;  // int32
constexpr qint64 kCount = 8;      // int64
constexpr qint64 kIsTrained = 32; // uint8
constexpr qint64 kMetric = 33;    // int32; faiss::METRIC_INNER_PRODUCT == 0

template <typename T> T readAt(const QByteArray& bytes, qint64 offset) {
    T value;
    std::memcpy(&value, bytes.constData() + offset, sizeof value);
    return value;
}

// Opens a saved index for reading; also gives its size. Refuses anything but a regular file.
Result<std::pair<FileDescriptor, qint64>> openSaved(const QString& path) {
    // O_NONBLOCK: a FIFO at `path` must not hang the caller; it is refused below.
    FileDescriptor fd(
        ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) {
        const int error = errno;
        if (error == ENOENT)
            return makeError(ErrorCode::NotFound, path + QStringLiteral(": no such file"));
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot open: ") + systemError(error));
    }
    struct stat info;
    if (::fstat(fd.get(), &info) != 0)
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    if (!S_ISREG(info.st_mode))
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": not a regular file"));
    return std::pair<FileDescriptor, qint64>(std::move(fd), qint64(info.st_size));
}

Result<void> checkLayout(int fd, const QString& path, qint64 fileSize, int dimension) {
    const auto corrupt = [&](const QString& problem) {
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": ") + problem);
    };
    if (fileSize == 0)
        return corrupt(QStringLiteral("the file is empty"));
    if (fileSize < kVectorsOffset + 8)
        return corrupt(QStringLiteral("too short to be a vector index (%1 bytes)").arg(fileSize));

    QByteArray head(int(kVectorsOffset), '\0');
    if (::pread(fd, head.data(), std::size_t(head.size()), 0) != head.size())
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    const QByteArray outerType = head.mid(0, 4);
    const QByteArray innerType = head.mid(kHeaderBytes, 4);
    if (outerType != "IxM2")
        return corrupt(QStringLiteral("not a semsearch vector index (no FAISS IndexIDMap2 "
                                      "header)"));
    if (!innerType.startsWith("IxF"))
        return corrupt(QStringLiteral("the FAISS index inside is not a flat index"));
    if (innerType != "IxFI" || readAt<qint32>(head, kMetric) != 0 ||
        readAt<qint32>(head, kHeaderBytes + kMetric) != 0)
        return corrupt(QStringLiteral("the FAISS index does not use inner products"));

    const qint32 outerDimension = readAt<qint32>(head, kDimension);
    const qint32 innerDimension = readAt<qint32>(head, kHeaderBytes + kDimension);
    if (outerDimension != innerDimension || outerDimension < 1)
        return corrupt(QStringLiteral("inconsistent dimension in the header (%1, %2)")
                           .arg(outerDimension)
                           .arg(innerDimension));
    if (outerDimension != dimension)
        return makeError(ErrorCode::Mismatch,
                         path + QStringLiteral(": holds %1-dimensional vectors, %2 expected")
                                    .arg(outerDimension)
                                    .arg(dimension));

    const qint64 count = readAt<qint64>(head, kCount);
    const qint64 rowBytes = 4 * qint64(dimension) + 8;
    if (count < 0 || count != readAt<qint64>(head, kHeaderBytes + kCount) ||
        count > fileSize / rowBytes)
        return corrupt(QStringLiteral("inconsistent vector count in the header"));
    if (head.at(kIsTrained) != 1 || head.at(kHeaderBytes + kIsTrained) != 1)
        return corrupt(QStringLiteral("the header is damaged"));
    if (readAt<quint64>(head, kVectorsCountOffset) != quint64(count) * quint64(dimension))
        return corrupt(QStringLiteral("the vector data's length is damaged"));
    const qint64 expectedSize = kVectorsOffset + count * rowBytes + 8;
    if (fileSize != expectedSize)
        return corrupt(QStringLiteral("%1 bytes long, %2 expected for %3 vectors (truncated?)")
                           .arg(fileSize)
                           .arg(expectedSize)
                           .arg(count));

    quint64 idCount = 0;
    const qint64 idCountOffset = kVectorsOffset + count * 4 * qint64(dimension);
    if (::pread(fd, &idCount, sizeof idCount, idCountOffset) != qint64(sizeof idCount))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    if (idCount != quint64(count))
        return corrupt(QStringLiteral("the id list's length is damaged"));
    return {};
}

} // namespace

// ---- the index ---------------------------------------------------------------------------------

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
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t row = positions ? std::size_t(positions[i]) : i;
            scores[i] = dot(query, base + row * d, d);
        }
    }

    void score(const float* query, const FaissId* positions, std::size_t count,
               float* scores) const {
        const std::size_t wanted =
            m_searchThreads > 0 ? std::size_t(m_searchThreads)
                                : std::max<std::size_t>(1, std::thread::hardware_concurrency());
        const std::size_t useful = count * std::size_t(dimension()) / kMinValuesPerThread;
        const std::size_t threads = std::max<std::size_t>(1, std::min(wanted, useful));
        std::vector<std::thread> workers;
        const auto rangeStart = [&](std::size_t t) {
            return count * t / threads;
        };
        for (std::size_t t = 1; t < threads; ++t) {
            try {
                workers.emplace_back([=] {
                    scoreRange(query, positions, rangeStart(t), rangeStart(t + 1), scores);
                });
            } catch (...) {
                // No thread to be had: do that share here rather than fail the search (and never
                // let an exception pass the joinable threads already started).
                scoreRange(query, positions, rangeStart(t), rangeStart(t + 1), scores);
            }
        }
        scoreRange(query, positions, 0, rangeStart(1), scores);
        for (std::thread& worker : workers)
            worker.join();
    }

    std::unique_ptr<faiss::IndexIDMap2> m_index; // owns its IndexFlatIP
    int m_searchThreads = 0;
};

Result<std::int64_t> FaissVectorIndex::countIn(const QString& path) {
    auto opened = openSaved(path);
    if (!opened)
        return opened.error();
    const int fd = opened->first.get();
    qint32 dimension = 0;
    qint64 count = 0;
    if (opened->second >= kVectorsOffset + 8 &&
        (::pread(fd, &dimension, sizeof dimension, kDimension) != qint64(sizeof dimension) ||
         ::pread(fd, &count, sizeof count, kCount) != qint64(sizeof count)))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    // The layout check, against the header's own dimension, vouches for the count.
    if (auto layout = checkLayout(fd, path, opened->second, std::max<qint32>(dimension, 1));
        !layout)
        return layout.error();
    return std::int64_t(count);
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
    if (!query)
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("vector index: no query"));
    if (k < 0)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("vector index: k = %1 is negative").arg(k));
    const faiss::IndexIDMap2& map = *m_impl->m_index;
    const std::size_t d = std::size_t(dimension());
    if (!allFinite(query, d))
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("vector index: the query holds NaN or infinity"));
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
        m_impl->score(unitQuery.data(), allowed ? positions.data() : nullptr, count, scores.data());

        // The k best in a heap whose top is the worst kept; most rows fail the first comparison.
        const std::size_t keep = std::min(std::size_t(k), count);
        std::vector<ScoredId> best;
        best.reserve(keep);
        for (std::size_t i = 0; i < count; ++i) {
            const ScoredId candidate{map.id_map[allowed ? std::size_t(positions[i]) : i],
                                     scores[i]};
            if (best.size() < keep) {
                best.push_back(candidate);
                std::push_heap(best.begin(), best.end(), better);
            } else if (better(candidate, best.front())) {
                std::pop_heap(best.begin(), best.end(), better);
                best.back() = candidate;
                std::push_heap(best.begin(), best.end(), better);
            }
        }
        std::sort_heap(best.begin(), best.end(), better);
        return best;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal,
                         QStringLiteral("vector index: search failed: ") + oneLine(e.what()));
    }
}

Result<void> FaissVectorIndex::save(const QString& path, int fileMode,
                                    const std::function<void()>& beforeRename) const {
    const QString tmpPath = path + QStringLiteral(".tmp");
    const QByteArray nativeTmp = QFile::encodeName(tmpPath);
    const auto failed = [&](const QString& what, int error) {
        return makeError(ErrorCode::Io, path + QStringLiteral(": cannot save the vector index: ") +
                                            what + QStringLiteral(": ") + systemError(error));
    };

    FileDescriptor fd(
        ::open(nativeTmp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0)
        return failed(QStringLiteral("cannot create ") + tmpPath, errno);
    // From here on every failure removes the half-written temporary file.
    const auto failedWriting = [&](const QString& what, int error) {
        ::unlink(nativeTmp.constData());
        return failed(what, error);
    };
    // Before any byte is written, and whatever the umask (which may also have been looser).
    if (::fchmod(fd.get(), mode_t(fileMode & 0777)) != 0)
        return failedWriting(QStringLiteral("setting the permissions of ") + tmpPath, errno);

    DescriptorWriter writer(fd.get());
    try {
        faiss::write_index(m_impl->m_index.get(), &writer);
    } catch (const std::exception& e) {
        if (writer.m_errno != 0)
            return failedWriting(QStringLiteral("writing ") + tmpPath, writer.m_errno);
        ::unlink(nativeTmp.constData());
        return makeError(ErrorCode::Internal,
                         path + QStringLiteral(": cannot save the vector index: ") +
                             oneLine(e.what()));
    }
    // Data on disk before the rename makes it visible; otherwise a crash could leave a renamed
    // but empty file (ext4 delayed allocation).
    if (::fsync(fd.get()) != 0)
        return failedWriting(QStringLiteral("syncing ") + tmpPath, errno);
    if (fd.close() != 0)
        return failedWriting(QStringLiteral("closing ") + tmpPath, errno);
    if (beforeRename)
        beforeRename();
    if (::rename(nativeTmp.constData(), QFile::encodeName(path).constData()) != 0)
        return failedWriting(QStringLiteral("renaming ") + tmpPath, errno);

    // The rename itself is durable only once the folder is synced.
    const QString folder = QFileInfo(path).absolutePath();
    FileDescriptor folderFd(
        ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (folderFd.get() < 0 || ::fsync(folderFd.get()) != 0)
        return failed(QStringLiteral("syncing the folder ") + folder, errno);
    return {};
}

} // namespace semsearch
