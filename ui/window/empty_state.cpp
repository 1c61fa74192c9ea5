#include "empty_state.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace semsearch::ui {

EmptyState::EmptyState(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(2);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("emptyTitle"));
    m_title->setAlignment(Qt::AlignCenter);
    m_title->setWordWrap(true);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("emptyText"));
    m_text->setAlignment(Qt::AlignCenter);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_text->setOpenExternalLinks(true);
    m_text->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_title);
    layout->addSpacing(m_title->fontMetrics().height() / 2);
    layout->addWidget(m_text);
    m_buttons = new QHBoxLayout;
    m_buttons->addStretch();
    m_buttons->addStretch();
    layout->addSpacing(m_title->fontMetrics().height());
    layout->addLayout(m_buttons);
    layout->addStretch(3);
}

void EmptyState::setTitle(const QString& title) {
    m_title->setText(title);
    setAccessibleName(title);
}

void EmptyState::setText(const QString& text) {
    m_text->setText(text);
    setAccessibleDescription(text);
}

QPushButton* EmptyState::addButton(const QString& text, const QString& objectName) {
    auto* button = new QPushButton(text, this);
    button->setObjectName(objectName);
    // The page's words say what the button is for.
    button->setAccessibleDescription(m_title->text());
    m_buttons->insertWidget(m_buttons->count() - 1, button);
    return button;
}

} // namespace semsearch::ui
