#include "counts_text.h"

#include <QCoreApplication>

namespace semsearch::ui {

// %Ln: the number in the locale's format (grouped as the locale groups), chosen as the plural
// form's number too. Counts beyond int's range are not expected in a desktop index.
QString passagesText(qint64 passages) {
    return QCoreApplication::translate("CountsText", "%Ln passages", nullptr, int(passages));
}

QString documentsText(qint64 documents) {
    return QCoreApplication::translate("CountsText", "%Ln documents", nullptr, int(documents));
}

QString filesText(qint64 files) {
    return QCoreApplication::translate("CountsText", "%Ln files", nullptr, int(files));
}

QString countsText(qint64 passages, qint64 documents) {
    //: "17,535 passages in 1,200 documents"
    return QCoreApplication::translate("CountsText", "%1 in %2")
        .arg(passagesText(passages), documentsText(documents));
}

} // namespace semsearch::ui
