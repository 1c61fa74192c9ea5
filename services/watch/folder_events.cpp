#include "folder_events.h"

#include "qt_folder_events.h"

#ifdef Q_OS_LINUX
#include "inotify_folder_events.h"
#endif

namespace semsearch::services {

std::unique_ptr<FolderEvents> FolderEvents::create(FolderEventsKind kind) {
#ifdef Q_OS_LINUX
    if (kind == FolderEventsKind::Native) {
        auto native = std::make_unique<InotifyFolderEvents>();
        if (native->isValid())
            return native;
    }
#else
    Q_UNUSED(kind);
#endif
    return std::make_unique<QtFolderEvents>();
}

} // namespace semsearch::services
