#include "semsearch/shared_index_location.h"

#include "shared_index/location_passwords.h"

#include <QByteArray>
#include <QStringList>
#include <QUrl>

#include <algorithm>

namespace semsearch {

namespace {

const QLatin1String kPrefixes[] = {QLatin1String("postgresql://"), QLatin1String("postgres://")};

int prefixLength(const QString& location) {
    for (const QLatin1String prefix : kPrefixes) {
        if (location.startsWith(prefix, Qt::CaseSensitive))
            return int(prefix.size());
    }
    return 0;
}

// libpq percent-decodes parameter names, so "pass%77ord" is a password too.
bool isPasswordParameter(const QString& parameter) {
    const QString name = parameter.section(QLatin1Char('='), 0, 0);
    return QUrl::fromPercentEncoding(name.toUtf8())
               .trimmed()
               .compare(QLatin1String("password"), Qt::CaseInsensitive) == 0;
}

// The text between "//" and the last '@' before the query string, or an empty string.
QString userPart(const QString& location, int start) {
    const int queryStart = location.indexOf(QLatin1Char('?'), start);
    const QString beforeQuery = location.left(queryStart < 0 ? location.size() : queryStart);
    const int at = beforeQuery.lastIndexOf(QLatin1Char('@'));
    return at >= start ? beforeQuery.mid(start, at - start) : QString();
}

} // namespace

QStringList passwordsInLocation(const QString& location) {
    const int start = prefixLength(location);
    if (start == 0)
        return {};
    QStringList typed;
    const QString user = userPart(location, start);
    if (user.contains(QLatin1Char(':')))
        typed.append(user.section(QLatin1Char(':'), 1));
    const int queryStart = location.indexOf(QLatin1Char('?'), start);
    if (queryStart >= 0) {
        const QStringList parameters = location.mid(queryStart + 1).split(QLatin1Char('&'));
        for (const QString& parameter : parameters) {
            if (isPasswordParameter(parameter))
                typed.append(parameter.section(QLatin1Char('='), 1));
        }
    }
    QStringList passwords;
    for (const QString& password : typed) {
        passwords.append(password);
        passwords.append(QUrl::fromPercentEncoding(password.toUtf8()));
    }
    passwords.removeAll(QString());
    passwords.removeDuplicates();
    // Longest first, so that a password containing another is replaced whole.
    std::sort(passwords.begin(), passwords.end(),
              [](const QString& a, const QString& b) { return a.size() > b.size(); });
    return passwords;
}

QString withoutPasswords(QString message, const QString& location) {
    for (const QString& password : passwordsInLocation(location))
        message.replace(password, QStringLiteral("***"));
    return message;
}

bool isSharedIndexLocation(const QString& location) {
    return prefixLength(location) > 0;
}

QString displayLocation(const QString& location) {
    const int start = prefixLength(location);
    if (start == 0)
        return location;
    const int queryStart = location.indexOf(QLatin1Char('?'), start);
    const QString beforeQuery = location.mid(0, queryStart < 0 ? location.size() : queryStart);
    QString shown = beforeQuery.left(start);
    // The last '@' rather than the first: a password typed with a raw '@' or '/' in it is
    // still inside what we cut out.
    const int at = beforeQuery.lastIndexOf(QLatin1Char('@'));
    if (at >= start) {
        const QString userPart = beforeQuery.mid(start, at - start);
        shown += userPart.section(QLatin1Char(':'), 0, 0) + QLatin1Char('@');
        shown += beforeQuery.mid(at + 1);
    } else {
        shown += beforeQuery.mid(start);
    }
    if (queryStart < 0)
        return shown;
    QStringList kept;
    const QStringList parameters = location.mid(queryStart + 1).split(QLatin1Char('&'));
    for (const QString& parameter : parameters) {
        if (!isPasswordParameter(parameter))
            kept.append(parameter);
    }
    if (!kept.isEmpty())
        shown += QLatin1Char('?') + kept.join(QLatin1Char('&'));
    return shown;
}

} // namespace semsearch
