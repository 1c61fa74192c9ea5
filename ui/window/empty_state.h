#pragma once

// A page that says why there is nothing to show and what to do about it: a title, a line or
// two of explanation, and buttons for the next step.

#include <QWidget>

class QBoxLayout;
class QLabel;
class QPushButton;

namespace semsearch::ui {

class EmptyState : public QWidget {
    Q_OBJECT

public:
    explicit EmptyState(QWidget* parent = nullptr);

    void setTitle(const QString& title);
    void setText(const QString& text); // rich text allowed
    // Adds a button under the text; the caller connects it.
    QPushButton* addButton(const QString& text, const QString& objectName);

private:
    QLabel* m_title;
    QLabel* m_text;
    QBoxLayout* m_buttons;
};

} // namespace semsearch::ui
