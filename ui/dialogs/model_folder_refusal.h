#pragma once

// The message that refuses a folder chosen as the model folder when it holds no model that
// semsearch can read: it names the folder and what is missing or wrong (readModelInfo's
// message), and that the previous model stays. Shared by the settings dialog and the window's
// "Choose Model Folder…".

#include <QString>

class QWidget;

namespace semsearch::ui {

// Shows the refusal, modal to `parent` (object name "modelFolderRefused"), and returns when it
// is closed. `problem`: readModelInfo's error message for `folder`.
void refuseModelFolder(QWidget* parent, const QString& folder, const QString& problem);

} // namespace semsearch::ui
