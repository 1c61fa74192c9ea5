#include "model_folder_refusal.h"

#include "display_path.h"

#include "semsearch/printable_text.h"

#include <QCoreApplication>
#include <QMessageBox>

namespace semsearch::ui {

void refuseModelFolder(QWidget* parent, const QString& folder, const QString& problem) {
    QMessageBox box(QMessageBox::Warning,
                    QCoreApplication::translate("ModelFolderRefusal", "Not a Model Folder"),
                    QCoreApplication::translate("ModelFolderRefusal",
                                                "%1 does not hold a model semsearch can use.")
                        .arg(services::displayPath(folder)),
                    QMessageBox::Ok, parent);
    box.setObjectName(QStringLiteral("modelFolderRefused"));
    box.setTextFormat(Qt::PlainText);
    box.setInformativeText(
        QCoreApplication::translate("ModelFolderRefusal",
                                    "%1\n\nA sentence-transformers model folder holds "
                                    "config.json, vocab.txt and model.safetensors (or "
                                    "pytorch_model.bin). The model chosen before stays in use.")
            .arg(printableText(problem)));
    box.exec();
}

} // namespace semsearch::ui
