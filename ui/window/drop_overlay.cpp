#include "drop_overlay.h"

#include <QEvent>
#include <QPainter>
#include <QPen>

namespace semsearch::ui {

DropOverlay::DropOverlay(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("dropOverlay"));
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAccessibleName(tr("Drop files and folders to index them"));
    parent->installEventFilter(this);
    setGeometry(parent->rect());
    hide();
}

bool DropOverlay::eventFilter(QObject* watched, QEvent* event) {
    if (watched == parentWidget() && event->type() == QEvent::Resize)
        setGeometry(parentWidget()->rect());
    return false;
}

void DropOverlay::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    QColor cover = palette().color(QPalette::Window);
    cover.setAlpha(220);
    painter.fillRect(rect(), cover);
    const int margin = fontMetrics().height();
    QPen pen(palette().color(QPalette::Highlight), qMax(2, margin / 8), Qt::DashLine);
    painter.setPen(pen);
    painter.drawRoundedRect(rect().adjusted(margin, margin, -margin, -margin), margin, margin);
    QFont font = painter.font();
    font.setPointSizeF(font.pointSizeF() * 1.6);
    font.setBold(true);
    painter.setFont(font);
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(rect(), Qt::AlignCenter, tr("Drop files and folders here to index them"));
}

} // namespace semsearch::ui
