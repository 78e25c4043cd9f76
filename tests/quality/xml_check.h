// A small, strict XML well-formedness checker for the SVG the quant report writes: one root
// element, properly nested tags, quoted attributes (no duplicates), only the five predefined
// entities and character references, comments and an <?xml ...?> declaration. Not a general
// XML parser (no DTDs, no CDATA); enough to catch what a hand-written SVG gets wrong.
#pragma once
#include <cctype>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace edgeseek::test {

struct XmlElement {
    std::string name;
    std::map<std::string, std::string> attrs;
    std::vector<std::unique_ptr<XmlElement>> children;
    std::string text;  // character data directly inside, entities decoded

    // Every descendant (and this) named `n`, depth first.
    void collect(const std::string& n, std::vector<const XmlElement*>* out) const {
        if (name == n) out->push_back(this);
        for (const auto& c : children) c->collect(n, out);
    }
    const XmlElement* find_by_id(const std::string& id) const {
        auto it = attrs.find("id");
        if (it != attrs.end() && it->second == id) return this;
        for (const auto& c : children) {
            if (const XmlElement* e = c->find_by_id(id)) return e;
        }
        return nullptr;
    }
};

class XmlParser {
public:
    // Throws std::runtime_error("offset N: problem") when `s` is not well-formed.
    static std::unique_ptr<XmlElement> parse(const std::string& s) {
        XmlParser p(s);
        return p.document();
    }

private:
    explicit XmlParser(const std::string& s) : s_(s) {}

    [[noreturn]] void fail(const std::string& why) const {
        throw std::runtime_error("offset " + std::to_string(i_) + ": " + why);
    }
    bool starts(const char* t) const { return s_.compare(i_, std::char_traits<char>::length(t), t) == 0; }
    void skip_ws() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    static bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
    static bool name_char(char c) {
        return name_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    }
    std::string name() {
        if (i_ >= s_.size() || !name_start(s_[i_])) fail("expected a name");
        const size_t b = i_;
        while (i_ < s_.size() && name_char(s_[i_])) ++i_;
        return s_.substr(b, i_ - b);
    }
    void skip_misc() {  // whitespace, comments, processing instructions
        for (;;) {
            skip_ws();
            if (starts("<!--")) {
                const size_t e = s_.find("-->", i_ + 4);
                if (e == std::string::npos) fail("unterminated comment");
                if (s_.substr(i_ + 4, e - i_ - 4).find("--") != std::string::npos) fail("'--' inside a comment");
                i_ = e + 3;
            } else if (starts("<?")) {
                const size_t e = s_.find("?>", i_ + 2);
                if (e == std::string::npos) fail("unterminated processing instruction");
                i_ = e + 2;
            } else {
                return;
            }
        }
    }
    std::string decode(const std::string& raw) {
        std::string out;
        for (size_t k = 0; k < raw.size(); ++k) {
            if (raw[k] == '<') fail("'<' in character data or an attribute value");
            if (raw[k] != '&') {
                out += raw[k];
                continue;
            }
            const size_t semi = raw.find(';', k);
            if (semi == std::string::npos) fail("'&' without ';'");
            const std::string ent = raw.substr(k + 1, semi - k - 1);
            static const std::map<std::string, char> kNamed = {
                {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
            if (auto it = kNamed.find(ent); it != kNamed.end()) {
                out += it->second;
            } else if (ent.size() > 1 && ent[0] == '#') {
                out += '?';  // character reference: kept as a placeholder
            } else {
                fail("unknown entity &" + ent + ";");
            }
            k = semi;
        }
        return out;
    }
    std::unique_ptr<XmlElement> element() {
        if (!starts("<")) fail("expected '<'");
        ++i_;
        auto e = std::make_unique<XmlElement>();
        e->name = name();
        for (;;) {
            const size_t before = i_;
            skip_ws();
            if (starts("/>")) {
                i_ += 2;
                return e;
            }
            if (starts(">")) {
                ++i_;
                break;
            }
            if (i_ == before) fail("expected whitespace before an attribute");
            const std::string an = name();
            skip_ws();
            if (!starts("=")) fail("attribute '" + an + "' without '='");
            ++i_;
            skip_ws();
            if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) fail("attribute '" + an + "' not quoted");
            const char q = s_[i_++];
            const size_t end = s_.find(q, i_);
            if (end == std::string::npos) fail("unterminated attribute value");
            if (e->attrs.count(an)) fail("duplicate attribute '" + an + "'");
            e->attrs[an] = decode(s_.substr(i_, end - i_));
            i_ = end + 1;
        }
        for (;;) {  // content
            const size_t lt = s_.find('<', i_);
            if (lt == std::string::npos) fail("element <" + e->name + "> not closed");
            e->text += decode(s_.substr(i_, lt - i_));
            i_ = lt;
            if (starts("</")) {
                i_ += 2;
                const std::string closing = name();
                if (closing != e->name) fail("</" + closing + "> closes <" + e->name + ">");
                skip_ws();
                if (!starts(">")) fail("expected '>'");
                ++i_;
                return e;
            }
            if (starts("<!--") || starts("<?")) {
                skip_misc();
                continue;
            }
            if (starts("<!")) fail("DTD/CDATA not supported");
            e->children.push_back(element());
        }
    }
    std::unique_ptr<XmlElement> document() {
        skip_misc();
        auto root = element();
        skip_misc();
        if (i_ != s_.size()) fail("content after the root element");
        return root;
    }

    const std::string& s_;
    size_t i_ = 0;
};

}  // namespace edgeseek::test
