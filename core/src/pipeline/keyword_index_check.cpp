#include "pipeline/keyword_index_check.h"

#include "store/keyword_store.h"

namespace semsearch {

Result<void> verifyKeywordIndex(SqliteStore& store, VerifyReport& report, bool repair) {
    KeywordStore keywords(store);
    auto problems = keywords.check();
    if (!problems)
        return problems.error();
    if (problems->isEmpty())
        return {};
    if (!repair || store.mode() != StoreMode::ReadWrite) {
        report.problems << *problems;
        return {};
    }
    if (auto rebuilt = keywords.rebuild(); !rebuilt)
        return rebuilt;
    report.repairs << store.path() +
                          QStringLiteral(": the keyword index was rebuilt from the passages (%1)")
                              .arg(problems->join(QLatin1String("; ")));
    return {};
}

} // namespace semsearch
