// The typed reads of a model folder's JSON files (core/src/embed/model_json.h), which
// config.json, sentence_bert_config.json and tokenizer_config.json all go through.

#include "test_files.h"

#include "embed/model_json.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;

namespace {

ModelJson jsonOf(const char* text) {
    return ModelJson(QStringLiteral("/models/m/config.json"),
                     QJsonDocument::fromJson(QByteArray(text)).object());
}

} // namespace

class TestModelJson : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void flagsAreTrueFalseOrTheirFallback() {
        const ModelJson json = jsonOf(R"({"on": true, "off": false, "text": "true", "one": 1})");
        QCOMPARE(*json.flag("on", false), true);
        QCOMPARE(*json.flag("off", true), false);
        QCOMPARE(*json.flag("missing", true), true);
        for (const char* key : {"text", "one"}) {
            auto read = json.flag(key, true);
            QVERIFY(!read.ok());
            QCOMPARE(read.error().code, ErrorCode::Corrupt);
            QCOMPARE(read.error().message,
                     QStringLiteral("/models/m/config.json: '%1' must be true or false")
                         .arg(QLatin1String(key)));
        }
    }

    void positiveIntegersAreBoundedAndWhole() {
        const ModelJson json =
            jsonOf(R"({"size": 768, "half": 1.5, "zero": 0, "text": "768", "huge": 5000})");
        QCOMPARE(*json.positiveInteger("size", 1024), 768);
        QCOMPARE(*json.positiveInteger("missing", 1024, 512), 512);
        for (const char* key : {"missing", "half", "zero", "text"}) {
            auto read = json.positiveInteger(key, 1024);
            QVERIFY(!read.ok());
            QVERIFY2(read.error().message.endsWith(QStringLiteral("must be a positive integer")),
                     qPrintable(read.error().message));
        }
        auto huge = json.positiveInteger("huge", 1024);
        QVERIFY(!huge.ok());
        QCOMPARE(huge.error().message,
                 QStringLiteral("/models/m/config.json: 'huge' is 5000, more than any "
                                "model semsearch can run has (at most 1024)"));
        auto tooLarge = json.positiveInteger("size", 767);
        QVERIFY(!tooLarge.ok());
    }

    void readRefusesWhatIsNotOneObject() {
        QTemporaryDir tmp;
        const QString path = tmp.path() + QStringLiteral("/config.json");
        QVERIFY(test::writeFile(path, "[1, 2]"));
        auto array = ModelJson::read(path);
        QVERIFY(!array.ok());
        QCOMPARE(array.error().message, path + QStringLiteral(": expected a JSON object"));
        QVERIFY(test::writeFile(path, R"({"hidden_size": 32})"));
        auto object = ModelJson::read(path);
        QVERIFY(object.ok());
        QCOMPARE(object->path(), path);
        QCOMPARE(*object->positiveInteger("hidden_size", 64), 32);
        auto missing = ModelJson::read(tmp.path() + QStringLiteral("/none.json"));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestModelJson)
#include "test_model_json.moc"
