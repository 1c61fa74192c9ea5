#include "semsearch/shared_index_location.h"

#include "shared_index/location_passwords.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QStringList>
#include <QSysInfo>
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

// Where the user part ends: the index of its '@', or -1 when there is none. libpq ends it at
// an '@' that comes before any '/' (so a raw '?' may sit in a password); a password typed with
// a raw '@' or '/' is only inside the part that ends at the last '@' before the query string.
// Of the two, the later: what is shown then never holds a password, whichever way it was typed.
int userPartEnd(const QString& location, int start) {
    int libpqEnd = -1;
    for (int i = start; i < location.size(); ++i) {
        if (location[i] == QLatin1Char('/'))
            break;
        if (location[i] == QLatin1Char('@')) {
            libpqEnd = i;
            break;
        }
    }
    const int queryStart = location.indexOf(QLatin1Char('?'), libpqEnd < 0 ? start : libpqEnd);
    const int lastAt = location.lastIndexOf(QLatin1Char('@'),
                                            queryStart < 0 ? location.size() - 1 : queryStart - 1);
    const int end = std::max(libpqEnd, lastAt);
    return end >= start ? end : -1;
}

// Where the query string starts (its '?'), or -1.
int queryStart(const QString& location, int start) {
    const int userEnd = userPartEnd(location, start);
    return location.indexOf(QLatin1Char('?'), userEnd < 0 ? start : userEnd + 1);
}

} // namespace

QStringList passwordsInLocation(const QString& location) {
    const int start = prefixLength(location);
    if (start == 0)
        return {};
    QStringList typed;
    const int userEnd = userPartEnd(location, start);
    const QString user = userEnd < 0 ? QString() : location.mid(start, userEnd - start);
    if (user.contains(QLatin1Char(':')))
        typed.append(user.section(QLatin1Char(':'), 1));
    const int query = queryStart(location, start);
    if (query >= 0) {
        const QStringList parameters = location.mid(query + 1).split(QLatin1Char('&'));
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
    const int userEnd = userPartEnd(location, start);
    const int query = queryStart(location, start);
    QString shown = location.left(start);
    if (userEnd >= 0)
        shown += location.mid(start, userEnd - start).section(QLatin1Char(':'), 0, 0);
    const int hostStart = userEnd >= 0 ? userEnd : start;
    shown += location.mid(hostStart, (query < 0 ? location.size() : query) - hostStart);
    if (query < 0)
        return shown;
    QStringList kept;
    const QStringList parameters = location.mid(query + 1).split(QLatin1Char('&'));
    for (const QString& parameter : parameters) {
        if (!isPasswordParameter(parameter))
            kept.append(parameter);
    }
    if (!kept.isEmpty())
        shown += QLatin1Char('?') + kept.join(QLatin1Char('&'));
    return shown;
}

namespace {

// Letters, digits, '.', '_' and '-' kept; anything else (':', '/', '@', spaces) as '_'.
QString folderSafe(const QString& text) {
    QString safe;
    for (const QChar c : text)
        safe += (c.isLetterOrNumber() && c.unicode() < 128) || c == QLatin1Char('.') ||
                        c == QLatin1Char('_') || c == QLatin1Char('-')
                    ? c
                    : QLatin1Char('_');
    return safe;
}

} // namespace

QString sharedIndexFolderName(const QString& location) {
    const QString shown = displayLocation(location);
    const QUrl url(shown);
    const QString host = url.host().isEmpty() ? QStringLiteral("local") : url.host();
    const QString database = url.path().section(QLatin1Char('/'), 1, 1);
    const QByteArray hash =
        QCryptographicHash::hash(shown.toUtf8(), QCryptographicHash::Sha1).toHex().left(12);
    QString name = folderSafe(host);
    if (!database.isEmpty())
        name += QLatin1Char('-') + folderSafe(database);
    return name + QLatin1Char('-') + QString::fromLatin1(hash);
}

QString thisMachineName() {
    const QString set = qEnvironmentVariable("SEMSEARCH_MACHINE");
    return set.isEmpty() ? QSysInfo::machineHostName() : set;
}

} // namespace semsearch
