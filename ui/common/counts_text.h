#pragma once

// How the window says how much an index holds, the same in the status bar, the sources panel
// and the ready page: "17,535 passages in 1,200 documents". Numbers in the default QLocale's
// format; plurals by Qt's plural forms (context "CountsText").

#include <QString>

namespace semsearch::ui {

QString passagesText(qint64 passages);   // "1 passage", "17,535 passages"
QString documentsText(qint64 documents); // "1 document", "1,200 documents"
QString filesText(qint64 files);         // "1 file", "3 files"
QString countsText(qint64 passages, qint64 documents);

} // namespace semsearch::ui
