// HTML through libxml2's HTML parser (the HTML 4 / tag-soup parser: it recovers from any markup
// the way browsers of its time did, and never fetches anything: HTML_PARSE_NONET).

#include "extract/formats/html_text.h"
#include "extract/formats/readers.h"
#include "extract/utf8_sequences.h"
#include "shared/windows_1252.h"

#include <QStringDecoder>

#include <libxml/HTMLparser.h>

#include <cstring>
#include <memory>

namespace semsearch::extractor {

namespace {

struct DocumentFree {
    void operator()(xmlDoc* document) const { xmlFreeDoc(document); }
};

QString text(const xmlChar* utf8) {
    return utf8 ? QString::fromUtf8(reinterpret_cast<const char*>(utf8)) : QString();
}

bool named(const xmlNode* node, const char* name) {
    return node->name && xmlStrcasecmp(node->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

QString attribute(const xmlNode* node, const char* name) {
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    QString result = text(value);
    xmlFree(value);
    return result;
}

bool hasAttribute(const xmlNode* node, const char* name) {
    return xmlHasProp(node, reinterpret_cast<const xmlChar*>(name)) != nullptr;
}

bool isOneOf(const xmlNode* node, std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (named(node, name))
            return true;
    return false;
}

// Elements whose content is not text a reader sees.
bool skipped(const xmlNode* node) {
    if (isOneOf(node, {"script", "style", "noscript", "template", "head", "svg", "math", "iframe",
                       "object", "embed", "canvas", "select", "option", "button", "input",
                       "textarea", "datalist"}))
        return true;
    if (hasAttribute(node, "hidden") ||
        attribute(node, "aria-hidden")
                .trimmed()
                .compare(QLatin1String("true"), Qt::CaseInsensitive) == 0)
        return true;
    QString style = attribute(node, "style").toLower();
    style.remove(QLatin1Char(' '));
    return style.contains(QLatin1String("display:none")) ||
           style.contains(QLatin1String("visibility:hidden"));
}

bool isBlock(const xmlNode* node) {
    return isOneOf(node,
                   {"p",      "div",  "section",    "article", "main",    "aside",      "header",
                    "footer", "nav",  "blockquote", "pre",     "ul",      "ol",         "li",
                    "dl",     "dt",   "dd",         "table",   "thead",   "tbody",      "tfoot",
                    "tr",     "td",   "th",         "caption", "figure",  "figcaption", "address",
                    "hr",     "form", "fieldset",   "legend",  "details", "summary",    "h1",
                    "h2",     "h3",   "h4",         "h5",      "h6",      "body",       "center"});
}

bool isHeading(const xmlNode* node) {
    return isOneOf(node, {"h1", "h2", "h3", "h4", "h5", "h6"});
}

// The visible text below `node`, collapsed: a heading's name for its section.
QString visibleText(const xmlNode* node) {
    QString result;
    for (const xmlNode* child = node->children; child; child = child->next) {
        if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
            result += text(child->content);
        else if (child->type == XML_ELEMENT_NODE && !skipped(child))
            result += QLatin1Char(' ') + visibleText(child) + QLatin1Char(' ');
    }
    return result.simplified();
}

class Walk {
public:
    explicit Walk(TextBuilder& builder) : m_builder(builder) {}

    void children(const xmlNode* node, bool preformatted) {
        for (const xmlNode* child = node->children; child && !m_builder.overLimit();
             child = child->next) {
            if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
                if (preformatted)
                    m_builder.add(text(child->content));
                else
                    m_builder.addInline(text(child->content));
            } else if (child->type == XML_ELEMENT_NODE) {
                element(child, preformatted);
            }
        }
    }

private:
    void element(const xmlNode* node, bool preformatted) {
        if (skipped(node))
            return;
        if (named(node, "br")) {
            m_builder.lineBreak();
            return;
        }
        // Table cells and list items of one row or list stay apart as words.
        if (isOneOf(node, {"td", "th"}))
            m_builder.addInline(u" ");
        const bool block = isBlock(node) && !isOneOf(node, {"td", "th"});
        if (isHeading(node))
            m_builder.startSection(visibleText(node));
        else if (block)
            m_builder.endParagraph();
        children(node, preformatted || named(node, "pre"));
        if (block)
            m_builder.endParagraph();
        else if (isOneOf(node, {"td", "th"}))
            m_builder.addInline(u" ");
    }

    TextBuilder& m_builder;
};

const xmlNode* findElement(const xmlNode* node, const char* name) {
    for (; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE && named(node, name))
            return node;
        if (const xmlNode* found = findElement(node->children, name))
            return found;
    }
    return nullptr;
}

// libxml2 reads a byte-order mark and a meta charset itself, and takes bytes that are not
// UTF-8 for ISO 8859-1; browsers take undeclared bytes for Windows-1252 (its quotes and
// dashes in 0x80-0x9F), and so does this, decoding them here (libxml2's own windows-1252
// depends on how it was built) and handing libxml2 UTF-8. Empty when libxml2 should decode.
QByteArray undeclaredAsUtf8(const QByteArray& bytes) {
    if (bytes.startsWith("\xEF\xBB\xBF") || bytes.startsWith("\xFF\xFE") ||
        bytes.startsWith("\xFE\xFF"))
        return QByteArray();
    if (bytes.left(4096).toLower().contains("charset"))
        return QByteArray();
    QStringDecoder utf8 = detail::strictUtf8Decoder();
    const QString decoded = utf8.decode(bytes); // decode() converts only when read
    return utf8.hasError() ? detail::decodeWindows1252(bytes).toUtf8() : QByteArray();
}

} // namespace

bool appendHtml(const QByteArray& bytes, TextBuilder& builder, bool withTitle) {
    const QByteArray converted = undeclaredAsUtf8(bytes);
    const QByteArray& input = converted.isEmpty() ? bytes : converted;
    std::unique_ptr<xmlDoc, DocumentFree> document(htmlReadMemory(
        input.constData(), int(input.size()), nullptr, converted.isEmpty() ? nullptr : "UTF-8",
        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
            HTML_PARSE_COMPACT));
    if (!document)
        return false;
    const xmlNode* root = xmlDocGetRootElement(document.get());
    if (!root)
        return true;
    if (withTitle)
        if (const xmlNode* title = findElement(root, "title")) {
            builder.addInline(visibleText(title));
            builder.endParagraph();
        }
    Walk walk(builder);
    const xmlNode* body = findElement(root, "body");
    walk.children(body ? body : root, false);
    return true;
}

ExtractReply readHtml(const QByteArray& bytes, const ExtractLimits& limits) {
    TextBuilder builder(limits.maxTextBytes);
    if (!appendHtml(bytes, builder, true))
        return failure(QStringLiteral("not an HTML document"));
    return builder.finish();
}

} // namespace semsearch::extractor
