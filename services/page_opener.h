#pragma once

// Opening a PDF at a page in the user's own PDF viewer, for the viewers that take a page on
// their command line. Which viewer is the user's comes from the desktop's MIME associations
// (xdg-mime, as xdg-open itself asks).

#include <QString>
#include <QStringList>

namespace semsearch::services {

// The command (program, then arguments) that opens `path` at `page` (1-based) in the viewer of
// the desktop entry `desktopId` ("org.gnome.Evince.desktop", "okularApplication_pdf.desktop",
// ...): Evince and its forks Atril and Xreader (--page-index), Okular (--page), Zathura
// (--page), qpdfview (path#page). Empty for other viewers, which then open the file at its
// start the usual way.
QStringList pageOpenCommand(const QString& desktopId, const QString& path, int page);

// The desktop entry of the default application for PDF ("xdg-mime query default
// application/pdf"), asked once per process; empty when there is none or xdg-mime is missing.
QString defaultPdfViewer();

} // namespace semsearch::services
