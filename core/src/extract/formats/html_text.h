#pragma once

// The text of one HTML (or XHTML) document, parsed with libxml2's HTML parser, appended to a
// TextBuilder: shared by the HTML reader and the EPUB reader (whose chapters are XHTML).

#include "extract/formats/text_builder.h"

#include <QByteArray>

namespace semsearch::extractor {

// Appends the <title> (when `withTitle`) as the first paragraph, then the body's text: tags
// left out; script, style, template, form controls and hidden elements (the hidden attribute,
// aria-hidden="true", an inline style with display:none or visibility:hidden) skipped; entities
// decoded; block elements and <br> ending paragraphs and lines; h1-h6 starting sections;
// whitespace collapsed except in <pre>. The charset comes from a byte-order mark or the meta
// tag, else UTF-8 when the bytes are valid UTF-8, else Windows-1252 as browsers read it.
// False when libxml2 could not make a document of the bytes at all.
bool appendHtml(const QByteArray& bytes, TextBuilder& builder, bool withTitle);

} // namespace semsearch::extractor
