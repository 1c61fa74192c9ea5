#include "semsearch/exact_vector_index.h"

#include "index/scan_support.h"
#include "index/vector_kernels.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace semsearch {

namespace {

// `in` scaled to unit length, in double; an all-zero vector stays zero.
void unitVector(const float* in, std::size_t d, double* out) {
    double sum = 0;
    for (std::size_t i = 0; i < d; ++i)
        sum += double(in[i]) * double(in[i]);
    const double scale = sum > 0 ? 1.0 / std::sqrt(sum) : 0.0;
    for (std::size_t i = 0; i < d; ++i)
        out[i] = double(in[i]) * scale;
}

Error invalid(const QString& problem) {
    return makeError(ErrorCode::InvalidArgument, QStringLiteral("vector index: ") + problem);
}

} // namespace

Result<std::unique_ptr<ExactVectorIndex>> ExactVectorIndex::create(int dimension) {
    if (dimension < 1)
        return invalid(QStringLiteral("dimension %1 is not positive").arg(dimension));
    return std::unique_ptr<ExactVectorIndex>(new ExactVectorIndex(dimension));
}

std::vector<std::int64_t> ExactVectorIndex::ids() const {
    std::vector<std::int64_t> sorted = m_ids;
    std::sort(sorted.begin(), sorted.end());
    return sorted;
}

Result<void> ExactVectorIndex::add(const std::vector<std::int64_t>& ids, const float* vectors) {
    if (ids.empty())
        return {};
    if (!vectors)
        return invalid(QStringLiteral("%1 ids but no vectors").arg(ids.size()));
    const std::size_t d = std::size_t(m_dimension);
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
    m_unitRows.resize(m_unitRows.size() + ids.size() * d);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::size_t row = m_ids.size();
        unitVector(vectors + i * d, d, m_unitRows.data() + row * d);
        m_ids.push_back(ids[i]);
        m_rows.emplace(ids[i], row);
    }
    return {};
}

Result<void> ExactVectorIndex::remove(const std::vector<std::int64_t>& ids) {
    const std::unordered_set<std::int64_t> gone(ids.begin(), ids.end());
    const std::size_t d = std::size_t(m_dimension);
    std::size_t kept = 0;
    for (std::size_t row = 0; row < m_ids.size(); ++row) {
        if (gone.count(m_ids[row]) != 0)
            continue;
        std::copy_n(m_unitRows.begin() + std::ptrdiff_t(row * d), d,
                    m_unitRows.begin() + std::ptrdiff_t(kept * d));
        m_ids[kept++] = m_ids[row];
    }
    m_ids.resize(kept);
    m_unitRows.resize(kept * d);
    m_rows.clear();
    for (std::size_t row = 0; row < m_ids.size(); ++row)
        m_rows.emplace(m_ids[row], row);
    return {};
}

Result<std::vector<ScoredId>>
ExactVectorIndex::search(const float* query, int k,
                         const std::vector<std::int64_t>* allowed) const {
    if (auto checked = checkSearchArguments(query, k, m_dimension); !checked)
        return checked.error();
    const std::size_t d = std::size_t(m_dimension);
    std::vector<double> unitQuery(d);
    unitVector(query, d, unitQuery.data());

    std::vector<std::size_t> rows;
    if (allowed) {
        const std::unordered_set<std::int64_t> wanted(allowed->begin(), allowed->end());
        for (std::int64_t id : wanted)
            if (auto found = m_rows.find(id); found != m_rows.end())
                rows.push_back(found->second);
    } else {
        for (std::size_t row = 0; row < m_ids.size(); ++row)
            rows.push_back(row);
    }
    std::vector<ScoredId> scored;
    scored.reserve(rows.size());
    for (std::size_t row : rows) {
        double sum = 0;
        for (std::size_t i = 0; i < d; ++i)
            sum += unitQuery[i] * m_unitRows[row * d + i];
        scored.push_back({m_ids[row], float(sum)});
    }
    const auto better = [](const ScoredId& a, const ScoredId& b) {
        return a.score > b.score || (a.score == b.score && a.id < b.id);
    };
    std::sort(scored.begin(), scored.end(), better);
    scored.resize(std::min(scored.size(), std::size_t(k)));
    return scored;
}

} // namespace semsearch
