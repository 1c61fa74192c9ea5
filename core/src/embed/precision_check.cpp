// The quality check's measurements: the calibration set and the comparison with fp32.

#include "semsearch/precision_check.h"

#include <QFile>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace semsearch {

namespace {

// Rows scaled to unit length (a zero row stays zero), in double: the figures compare values
// near 1 to a few parts in 10^4, so their own rounding must be far below that.
std::vector<double> unitRows(const EmbeddingMatrix& m) {
    std::vector<double> unit(m.values.begin(), m.values.end());
    for (std::size_t r = 0; r < m.rows; ++r) {
        double* row = unit.data() + r * m.dim;
        const double norm = std::sqrt(std::inner_product(row, row + m.dim, row, 0.0));
        if (norm > 0)
            std::for_each(row, row + m.dim, [norm](double& v) { v /= norm; });
    }
    return unit;
}

double dot(const double* a, const double* b, std::size_t n) {
    return std::inner_product(a, a + n, b, 0.0);
}

// The `k` rows most similar to row `i` (itself excluded), by cosine; ties by row number.
std::vector<std::size_t> nearest(const std::vector<double>& unit, std::size_t rows, std::size_t dim,
                                 std::size_t i, std::size_t k) {
    std::vector<std::pair<double, std::size_t>> scored;
    scored.reserve(rows);
    for (std::size_t j = 0; j < rows; ++j)
        if (j != i)
            scored.emplace_back(-dot(unit.data() + i * dim, unit.data() + j * dim, dim), j);
    std::partial_sort(scored.begin(), scored.begin() + std::ptrdiff_t(k), scored.end());
    std::vector<std::size_t> ids;
    for (std::size_t n = 0; n < k; ++n)
        ids.push_back(scored[n].second);
    std::sort(ids.begin(), ids.end());
    return ids;
}

bool meetsThresholds(const PrecisionQuality& q) {
    if (q.precision == Precision::Bf16)
        return q.meanCosine >= kBf16MinMeanCosine;
    if (q.precision == Precision::Int8)
        return q.meanCosine >= kInt8MinMeanCosine && q.neighbourOverlap >= kInt8MinNeighbourOverlap;
    return true;
}

} // namespace

QString PrecisionQuality::figures() const {
    return QStringLiteral("mean cosine %1, min %2, 10-nearest overlap %3 over %4 texts")
        .arg(meanCosine, 0, 'f', 5)
        .arg(minCosine, 0, 'f', 5)
        .arg(neighbourOverlap, 0, 'f', 3)
        .arg(texts);
}

QStringList calibrationTexts() {
    // One text per record; records are separated by a line holding only "%%".
    QFile file(QStringLiteral(":/semsearch/calibration_texts.txt"));
    if (!file.open(QIODevice::ReadOnly))
        return {}; // built into the library: cannot happen short of a broken build
    QStringList texts;
    QString current;
    for (const QString& line : QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'))) {
        if (line == QLatin1String("%%")) {
            if (!current.trimmed().isEmpty())
                texts << current.trimmed();
            current.clear();
        } else {
            current += (current.isEmpty() ? QString() : QStringLiteral("\n")) + line;
        }
    }
    if (!current.trimmed().isEmpty())
        texts << current.trimmed();
    return texts;
}

Result<PrecisionQuality> compareWithReference(const EmbeddingMatrix& reference,
                                              const EmbeddingMatrix& candidate,
                                              Precision precision) {
    const std::size_t n = reference.rows;
    const std::size_t dim = reference.dim;
    if (candidate.rows != n || candidate.dim != dim || reference.values.size() != n * dim ||
        candidate.values.size() != n * dim)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("the quality check got vectors of different shapes"));
    if (n < std::size_t(kCheckNeighbours) + 1)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("the quality check needs at least %1 texts, not %2")
                             .arg(kCheckNeighbours + 1)
                             .arg(n));
    const std::vector<double> ref = unitRows(reference);
    const std::vector<double> cand = unitRows(candidate);
    PrecisionQuality q;
    q.precision = precision;
    q.texts = int(n);
    q.minCosine = 1.0;
    double cosineSum = 0.0, overlapSum = 0.0, spreadSum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double cosine = dot(ref.data() + i * dim, cand.data() + i * dim, dim);
        cosineSum += cosine;
        q.minCosine = std::min(q.minCosine, cosine);
        const auto a = nearest(ref, n, dim, i, kCheckNeighbours);
        const auto b = nearest(cand, n, dim, i, kCheckNeighbours);
        std::vector<std::size_t> shared;
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(shared));
        overlapSum += double(shared.size()) / kCheckNeighbours;
        for (std::size_t j = 0; j < n; ++j)
            if (j != i)
                spreadSum += dot(ref.data() + i * dim, ref.data() + j * dim, dim);
    }
    q.meanCosine = cosineSum / double(n);
    q.neighbourOverlap = overlapSum / double(n);
    q.spreadCosine = spreadSum / double(n * (n - 1));
    q.passed = meetsThresholds(q);
    return q;
}

} // namespace semsearch
