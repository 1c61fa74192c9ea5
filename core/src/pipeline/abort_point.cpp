#include "semsearch/abort_point.h"

#include <array>
#include <utility>

#include <signal.h>

namespace semsearch {

namespace {

const std::array<std::pair<AbortPoint, const char*>, 6> kNames = {{
    {AbortPoint::BeforeCommit, "before-commit"},
    {AbortPoint::InsideCommit, "inside-commit"},
    {AbortPoint::AfterCommit, "after-commit"},
    {AbortPoint::CacheWritten, "cache-written"},
    {AbortPoint::CacheRenamed, "cache-renamed"},
    {AbortPoint::AfterPublish, "after-publish"},
}};

} // namespace

QStringList abortPointNames() {
    QStringList names;
    for (const auto& [point, name] : kNames)
        names << QString::fromLatin1(name);
    return names;
}

std::optional<AbortPoint> abortPointFromName(const QString& name) {
    if (name.isEmpty())
        return AbortPoint::None;
    for (const auto& [point, text] : kNames)
        if (name == QLatin1String(text))
            return point;
    return std::nullopt;
}

void abortIfAt(AbortPoint configured, AbortPoint here) {
    // SIGKILL rather than abort(): like kill -9 it runs no handler and writes no core file.
    if (configured != AbortPoint::None && configured == here)
        ::raise(SIGKILL);
}

} // namespace semsearch
