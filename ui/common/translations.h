#pragma once

// The window's words in the user's language. The catalogues are built into the program
// (resources/translations, compiled by lrelease): "semsearch_en" holds only the English plural
// forms ("1 passage", "2 passages"), the others a language each ("semsearch_de"). Qt's own
// catalogue (standard buttons such as Cancel) is loaded from Qt's translations folder when it
// is installed there.

#include <QLocale>

class QCoreApplication;

namespace semsearch::ui {

// Installs on `app` the English plural forms and, above them, the catalogue for `locale` (its
// UI languages in order, e.g. de_AT then de), and sets `locale` as the default QLocale, so
// numbers and dates follow it. Returns true when a catalogue for `locale`'s language was found
// (English always counts as found). Call once, before the first window is made; the
// translators live as long as `app`.
bool installTranslations(QCoreApplication& app, const QLocale& locale = QLocale::system());

} // namespace semsearch::ui
