// A small XML reader for S3 responses: parses a document into a tree of elements with their
// character data. It is not a validating parser; it reads what S3-compatible servers send
// (elements, attributes, the five predefined entities, character references, CDATA, comments,
// processing instructions) and refuses everything else with a Status naming the byte offset.
// Malformed or hostile input never crashes it: nesting depth and document size are bounded, and
// DOCTYPE internal subsets (entity expansion) are refused.
//
// Thread-safety: stateless functions; XmlElement is a plain value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoal::storage {

struct XmlElement {
  std::string name;  // local name: any "prefix:" is dropped
  std::string text;  // character data directly inside this element, entities decoded
  std::vector<XmlElement> children;

  // The first child named `name`, or nullptr.
  const XmlElement* Child(std::string_view child_name) const;
  // The text of the first child named `name`, or "" when there is none.
  std::string ChildText(std::string_view child_name) const;
  // Every child named `name`, in document order.
  std::vector<const XmlElement*> Children(std::string_view child_name) const;
};

inline constexpr size_t kMaxXmlDepth = 64;
inline constexpr size_t kMaxXmlBytes = 256ull << 20;

// Parses `text` and returns its root element.
Result<XmlElement> ParseXml(std::string_view text);

// Escapes &, <, >, " and ' for use in element text or attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace shoal::storage
