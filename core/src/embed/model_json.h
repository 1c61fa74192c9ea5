#pragma once

// One JSON object of a model folder (config.json, sentence_bert_config.json,
// tokenizer_config.json, ...) with typed reads of its fields. Every error names the file and
// the key, so model_info.cpp and the tokenizer word them alike.

#include "semsearch/error.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace semsearch {

class ModelJson {
public:
    // `object` as read from `path`; an empty object stands for an optional file that is absent
    // (every read then gives its fallback).
    explicit ModelJson(QString path, QJsonObject object = {})
        : m_path(std::move(path)), m_object(std::move(object)) {}

    // readModelJsonObject(path) (model_file.h): NotFound, Io, Corrupt as it says.
    static Result<ModelJson> read(const QString& path);

    const QString& path() const { return m_path; }
    const QJsonObject& object() const { return m_object; }
    QJsonValue value(const char* key) const { return m_object.value(QLatin1String(key)); }

    // `fallback` when the key is missing; Corrupt ("<path>: '<key>' must be true or false") when
    // it holds anything but true or false.
    Result<bool> flag(const char* key, bool fallback) const;

    // A positive integer of at most `maximum`; `fallback` (when > 0) stands in for a missing
    // key. Corrupt when it is missing (without a fallback), not a positive integer, or larger
    // than `maximum` (the message says both numbers).
    Result<int> positiveInteger(const char* key, int maximum, int fallback = 0) const;

private:
    QString m_path;
    QJsonObject m_object;
};

} // namespace semsearch
