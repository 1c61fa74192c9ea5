#pragma once

// File names as the file system holds them: bytes. Qt decodes names as UTF-8 and turns bytes
// that are not UTF-8 into U+FFFD, so a name like "bad\xFF.txt" comes back as a path that names
// no file; these helpers find such names so that the walker can report them instead of losing
// them (see walkPaths).

#include "semsearch/error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <vector>

namespace semsearch::detail {

struct FolderNames {
    QStringList names;               // valid UTF-8 names, decoded, in no particular order
    std::vector<QByteArray> notUtf8; // the raw bytes of every other name
};

// Every entry of `folder` but "." and "..". Errors: Io "<folder>: cannot list: <reason>".
Result<FolderNames> listFolderNames(const QString& folder);

// The raw names in `folder` that are not valid UTF-8 and that Qt decodes to `decodedName`
// (several raw names can decode alike). Empty when there are none or the folder cannot be read.
std::vector<QByteArray> namesDecodedAs(const QString& folder, const QString& decodedName);

// True when the entry at `folder` + "/" + `rawName` is a folder (links followed).
bool isFolderEntry(const QString& folder, const QByteArray& rawName);

} // namespace semsearch::detail
