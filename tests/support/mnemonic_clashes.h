#pragma once

// Mnemonics (the underlined letter of a label or button, Alt+letter) that two visible widgets of
// one window share: Alt+that letter then reaches only one of them. Translations are where
// clashes creep in, since each language picks its own letters.

#include <QAbstractButton>
#include <QGroupBox>
#include <QKeySequence>
#include <QLabel>
#include <QMap>
#include <QStringList>
#include <QWidget>

namespace semsearch::test {

// One line per letter held by more than one widget: "Alt+C: Dur&chsuchen …, Durchsu&chen …".
// Empty when every mnemonic of `window`'s visible labels, buttons and group boxes is its own.
inline QStringList mnemonicClashes(const QWidget& window) {
    QMap<QString, QStringList> holders; // the key, as text -> the texts that use it
    auto note = [&](const QWidget* widget, const QString& text) {
        if (!widget->isVisibleTo(&window))
            return;
        const QKeySequence key = QKeySequence::mnemonic(text);
        if (!key.isEmpty())
            holders[key.toString()].append(text);
    };
    for (const QLabel* label : window.findChildren<QLabel*>())
        note(label, label->text());
    for (const QAbstractButton* button : window.findChildren<QAbstractButton*>())
        note(button, button->text());
    for (const QGroupBox* group : window.findChildren<QGroupBox*>())
        note(group, group->title());
    QStringList clashes;
    for (auto held = holders.cbegin(); held != holders.cend(); ++held)
        if (held.value().size() > 1)
            clashes << held.key() + QStringLiteral(": ") + held.value().join(QStringLiteral(", "));
    return clashes;
}

} // namespace semsearch::test
