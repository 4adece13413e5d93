/* data/html_entities.h: decoding of HTML character references in text from HTML-escaped corpora (the
 * post-edit TSV files): named ones (&amp; &lt; &gt; &quot; &apos; &nbsp;) and numeric ones (&#39; &#x27;),
 * repeated until the text is stable (at most 3 passes), so that double-escaped text ("&amp;apos;")
 * comes out as "'". Unknown or malformed references are left as they are. */
#ifndef RGTG_DATA_HTML_ENTITIES_H
#define RGTG_DATA_HTML_ENTITIES_H

#include <stddef.h>

/* Decodes one pass in place (the result is never longer than the input); returns the new length and
 * NUL-terminates. */
size_t rgtg_html_decode_once(char *text, size_t len);
/* Decodes passes in place until nothing changes, at most 3; returns the new length. */
size_t rgtg_html_decode(char *text, size_t len);

#endif
