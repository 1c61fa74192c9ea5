#pragma once

// One snapshot for several reads: `read` runs in a REPEATABLE READ, READ ONLY transaction of
// its own (the connection must not be in one), so that everything it reads agrees, whatever
// writers commit meanwhile. Needs only SELECT rights.

#include "semsearch/error.h"
#include "shared_index/pg_connection.h"

namespace semsearch {

template <typename T, typename Read> Result<T> inSnapshot(PgConnection& connection, Read&& read) {
    if (auto begun = connection.executeScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        !begun)
        return begun.error();
    Result<T> result = read();
    if (!result) {
        if (connection.isOpen())
            (void)connection.executeScript("ROLLBACK");
        return result;
    }
    if (auto ended = connection.executeScript("COMMIT"); !ended)
        return ended.error();
    return result;
}

} // namespace semsearch
