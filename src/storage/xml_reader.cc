#include "storage/xml_reader.h"

#include <cstdint>

namespace shoal::storage {
namespace {

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsNameChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '_' ||
         c == ':' || c == '-' || c == '.' || u >= 0x80;
}

void AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<XmlElement> ParseDocument() {
    if (text_.size() > kMaxXmlBytes) return Status::InvalidArgument("XML document is too large");
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    SHOAL_RETURN_IF_ERROR(SkipMisc(/*allow_doctype=*/true));
    if (AtEnd() || text_[pos_] != '<') return Error("expected the root element");
    XmlElement root;
    SHOAL_RETURN_IF_ERROR(ParseElement(&root, 1));
    SHOAL_RETURN_IF_ERROR(SkipMisc(/*allow_doctype=*/false));
    if (!AtEnd()) return Error("unexpected content after the root element");
    return root;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool StartsWith(std::string_view prefix) const {
    return text_.substr(pos_, prefix.size()) == prefix;
  }

  Status Error(std::string_view what) const {
    return Status::InvalidArgument("malformed XML at byte " + std::to_string(pos_) + ": " +
                                   std::string(what));
  }

  void SkipSpace() {
    while (!AtEnd() && IsXmlSpace(text_[pos_])) ++pos_;
  }

  // Skips past `terminator`, or fails when it never comes.
  Status SkipPast(std::string_view terminator, std::string_view what) {
    size_t end = text_.find(terminator, pos_);
    if (end == std::string_view::npos)
      return Error(std::string("unterminated ") + std::string(what));
    pos_ = end + terminator.size();
    return Status::Ok();
  }

  // Whitespace, comments and processing instructions (and one DOCTYPE without an internal subset
  // before the root).
  Status SkipMisc(bool allow_doctype) {
    while (true) {
      SkipSpace();
      if (StartsWith("<?")) {
        SHOAL_RETURN_IF_ERROR(SkipPast("?>", "processing instruction"));
      } else if (StartsWith("<!--")) {
        SHOAL_RETURN_IF_ERROR(SkipPast("-->", "comment"));
      } else if (StartsWith("<!DOCTYPE")) {
        if (!allow_doctype) return Error("DOCTYPE after the root element");
        size_t end = text_.find('>', pos_);
        if (end == std::string_view::npos) return Error("unterminated DOCTYPE");
        if (text_.substr(pos_, end - pos_).find('[') != std::string_view::npos) {
          return Error("DOCTYPE internal subsets are not supported");
        }
        pos_ = end + 1;
      } else {
        return Status::Ok();
      }
    }
  }

  Result<std::string> ParseName() {
    size_t start = pos_;
    while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
    if (pos_ == start) return Error("expected a name");
    return std::string(text_.substr(start, pos_ - start));
  }

  static std::string LocalName(const std::string& name) {
    size_t colon = name.rfind(':');
    return colon == std::string::npos ? name : name.substr(colon + 1);
  }

  // Decodes the entity at pos_ (which is at '&') onto `out`.
  Status DecodeEntity(std::string* out) {
    size_t semi = text_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) return Error("bad entity reference");
    std::string_view entity = text_.substr(pos_ + 1, semi - pos_ - 1);
    if (entity == "lt") {
      out->push_back('<');
    } else if (entity == "gt") {
      out->push_back('>');
    } else if (entity == "amp") {
      out->push_back('&');
    } else if (entity == "quot") {
      out->push_back('"');
    } else if (entity == "apos") {
      out->push_back('\'');
    } else if (entity.size() >= 2 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::string_view digits = entity.substr(hex ? 2 : 1);
      if (digits.empty()) return Error("empty character reference");
      uint32_t code = 0;
      for (char c : digits) {
        uint32_t d = 0;
        if (c >= '0' && c <= '9') {
          d = static_cast<uint32_t>(c - '0');
        } else if (hex && c >= 'a' && c <= 'f') {
          d = static_cast<uint32_t>(c - 'a' + 10);
        } else if (hex && c >= 'A' && c <= 'F') {
          d = static_cast<uint32_t>(c - 'A' + 10);
        } else {
          return Error("bad character reference");
        }
        code = code * (hex ? 16 : 10) + d;
        if (code > 0x10FFFF) return Error("character reference out of range");
      }
      if (code == 0 || (code >= 0xD800 && code <= 0xDFFF)) {
        return Error("character reference to an invalid code point");
      }
      AppendUtf8(code, out);
    } else {
      return Error("unknown entity &" + std::string(entity) + ";");
    }
    pos_ = semi + 1;
    return Status::Ok();
  }

  Status SkipAttributes(bool* self_closing) {
    while (true) {
      bool had_space = !AtEnd() && IsXmlSpace(text_[pos_]);
      SkipSpace();
      if (AtEnd()) return Error("unterminated start tag");
      if (StartsWith("/>")) {
        pos_ += 2;
        *self_closing = true;
        return Status::Ok();
      }
      if (text_[pos_] == '>') {
        ++pos_;
        *self_closing = false;
        return Status::Ok();
      }
      if (!had_space) return Error("expected whitespace before an attribute");
      SHOAL_ASSIGN_OR_RETURN(std::string name, ParseName());
      SkipSpace();
      if (AtEnd() || text_[pos_] != '=') return Error("expected '=' after attribute " + name);
      ++pos_;
      SkipSpace();
      if (AtEnd() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
        return Error("expected a quoted attribute value");
      }
      char quote = text_[pos_++];
      size_t end = text_.find(quote, pos_);
      if (end == std::string_view::npos) return Error("unterminated attribute value");
      if (text_.substr(pos_, end - pos_).find('<') != std::string_view::npos) {
        return Error("'<' in an attribute value");
      }
      pos_ = end + 1;
    }
  }

  Status ParseElement(XmlElement* element, size_t depth) {
    if (depth > kMaxXmlDepth) return Error("elements nested too deeply");
    ++pos_;  // '<'
    SHOAL_ASSIGN_OR_RETURN(std::string name, ParseName());
    element->name = LocalName(name);
    bool self_closing = false;
    SHOAL_RETURN_IF_ERROR(SkipAttributes(&self_closing));
    if (self_closing) return Status::Ok();
    while (true) {
      if (AtEnd()) return Error("unterminated element <" + name + ">");
      char c = text_[pos_];
      if (c == '&') {
        SHOAL_RETURN_IF_ERROR(DecodeEntity(&element->text));
      } else if (c != '<') {
        element->text.push_back(c);
        ++pos_;
      } else if (StartsWith("</")) {
        pos_ += 2;
        SHOAL_ASSIGN_OR_RETURN(std::string end_name, ParseName());
        if (end_name != name) return Error("</" + end_name + "> closes <" + name + ">");
        SkipSpace();
        if (AtEnd() || text_[pos_] != '>') return Error("expected '>' in an end tag");
        ++pos_;
        return Status::Ok();
      } else if (StartsWith("<![CDATA[")) {
        size_t start = pos_ + 9;
        size_t end = text_.find("]]>", start);
        if (end == std::string_view::npos) return Error("unterminated CDATA section");
        element->text.append(text_.substr(start, end - start));
        pos_ = end + 3;
      } else if (StartsWith("<!--")) {
        SHOAL_RETURN_IF_ERROR(SkipPast("-->", "comment"));
      } else if (StartsWith("<?")) {
        SHOAL_RETURN_IF_ERROR(SkipPast("?>", "processing instruction"));
      } else if (StartsWith("<!")) {
        return Error("unexpected markup declaration");
      } else {
        element->children.emplace_back();
        SHOAL_RETURN_IF_ERROR(ParseElement(&element->children.back(), depth + 1));
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  return child == nullptr ? std::string() : child->text;
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const XmlElement& child : children) {
    if (child.name == child_name) out.push_back(&child);
  }
  return out;
}

Result<XmlElement> ParseXml(std::string_view text) { return Parser(text).ParseDocument(); }

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace shoal::storage
