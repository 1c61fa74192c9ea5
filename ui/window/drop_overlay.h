#pragma once

// The sign shown over the window while files or folders are dragged over it: a translucent
// cover with a dashed frame and "Drop to index". It takes no input; the window handles the
// drop.

#include <QWidget>

namespace semsearch::ui {

class DropOverlay : public QWidget {
    Q_OBJECT

public:
    explicit DropOverlay(QWidget* parent);

protected:
    void paintEvent(QPaintEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override; // follows the parent's size
};

} // namespace semsearch::ui
