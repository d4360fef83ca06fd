#ifndef PLYTIX_PRIMA_CLIBXML2_SHIM_H
#define PLYTIX_PRIMA_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU; ICU's types clash with Foundation's copy when both are visible.
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>

// xmlFree is a global function-pointer variable, which Swift 6 refuses as shared mutable state.
static inline void plytix_xml_free(void *pointer) { xmlFree(pointer); }

#endif
