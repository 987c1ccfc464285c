#include "abis/interop/cbeff_reader.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace abis::interop {

namespace {

struct DocumentDeleter {
  void operator()(xmlDoc* document) const { xmlFreeDoc(document); }
};
struct ContextDeleter {
  void operator()(xmlParserCtxt* context) const { xmlFreeParserCtxt(context); }
};

void InitialiseLibxml2Once() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

bool IsElement(const xmlNode* node, std::string_view name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE &&
         std::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

const xmlNode* Child(const xmlNode* parent, std::string_view name) {
  if (parent == nullptr) return nullptr;
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (IsElement(child, name)) return child;
  }
  return nullptr;
}

std::string Trim(std::string text) {
  const auto not_space = [](unsigned char c) { return c != ' ' && c != '\t' && c != '\n' && c != '\r'; };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

// The element's text content, trimmed; "" for a missing element.
std::string Text(const xmlNode* node) {
  if (node == nullptr) return "";
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) return "";
  std::string text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return Trim(std::move(text));
}

std::string Attribute(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return "";
  std::string text(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return text;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream stream(text);
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

// "1.1" from <Major>1</Major><Minor>1</Minor>; "" when absent.
std::string VersionText(const xmlNode* version) {
  if (version == nullptr) return "";
  return Text(Child(version, "Major")) + "." + Text(Child(version, "Minor"));
}

std::string Describe(const CbeffBir& bir) {
  std::string text = "BIR " + std::to_string(bir.index);
  std::string kind;
  for (const std::string& type : bir.types) kind += (kind.empty() ? "" : " ") + type;
  for (const std::string& subtype : bir.subtypes) kind += " " + subtype;
  return kind.empty() ? text : text + " (" + kind + ")";
}

CbeffBir ReadDataBir(const xmlNode* node, int index) {
  CbeffBir bir;
  bir.index = index;
  bir.version = VersionText(Child(node, "Version"));
  bir.cbeff_version = VersionText(Child(node, "CBEFFVersion"));
  if (const xmlNode* info = Child(node, "BIRInfo"); info != nullptr) {
    if (const xmlNode* integrity = Child(info, "Integrity"); integrity != nullptr) {
      bir.integrity = Text(integrity) == "true";
    }
  }
  const xmlNode* bdb_info = Child(node, "BDBInfo");
  if (const xmlNode* format = Child(bdb_info, "Format"); format != nullptr) {
    bir.format_organization = Text(Child(format, "Organization"));
    bir.format_type = Text(Child(format, "Type"));
  }
  bir.creation_date = Text(Child(bdb_info, "CreationDate"));
  bir.types = Words(Text(Child(bdb_info, "Type")));
  bir.subtypes = Words(Text(Child(bdb_info, "Subtype")));
  bir.level = Text(Child(bdb_info, "Level"));
  bir.purpose = Text(Child(bdb_info, "Purpose"));
  if (const xmlNode* quality = Child(bdb_info, "Quality"); quality != nullptr) {
    const std::string score = Text(Child(quality, "Score"));
    if (!score.empty() && score.size() <= 9 && std::all_of(score.begin(), score.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      bir.quality_score = std::stoi(score);
    }
    const xmlNode* algorithm = Child(quality, "Algorithm");
    bir.quality_algorithm_organization = Text(Child(algorithm, "Organization"));
    bir.quality_algorithm_type = Text(Child(algorithm, "Type"));
  }
  bir.has_security_block = Child(node, "SB") != nullptr;
  if (const xmlNode* others = Child(node, "others"); others != nullptr) {
    for (const xmlNode* entry = others->children; entry != nullptr; entry = entry->next) {
      if (IsElement(entry, "entry")) bir.others.push_back({Attribute(entry, "key"), Text(entry)});
    }
  }

  if (bdb_info == nullptr) {
    bir.status = Status::InvalidArgument(Describe(bir) + ": no BDBInfo element");
    return bir;
  }
  const std::string encoded = Text(Child(node, "BDB"));
  if (encoded.empty()) {
    bir.status = Status::InvalidArgument(Describe(bir) + ": the BDB is empty");
    return bir;
  }
  Result<std::vector<std::uint8_t>> decoded = DecodeBase64Any(encoded);
  if (!decoded.ok()) {
    bir.status = Status::InvalidArgument(Describe(bir) + ": BDB is not valid base64: " + decoded.status().message());
    return bir;
  }
  bir.bdb = std::move(decoded).value();
  return bir;
}

Status CollectBirs(const xmlNode* bir_node, int depth, CbeffDocument* document) {
  if (depth > kMaxCbeffNestingDepth) {
    return Status::InvalidArgument("CBEFF: BIR elements nest deeper than " + std::to_string(kMaxCbeffNestingDepth));
  }
  if (Child(bir_node, "BDB") != nullptr) {
    document->birs.push_back(ReadDataBir(bir_node, static_cast<int>(document->birs.size())));
  }
  for (const xmlNode* child = bir_node->children; child != nullptr; child = child->next) {
    if (IsElement(child, "BIR")) ABIS_RETURN_IF_ERROR(CollectBirs(child, depth + 1, document));
  }
  return Status::Ok();
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

bool CbeffBir::HasType(std::string_view type) const {
  return std::find(types.begin(), types.end(), type) != types.end();
}

Result<std::vector<std::uint8_t>> DecodeBase64Any(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 3);
  std::uint32_t accumulator = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int value = Base64Value(c);
    if (value < 0 || padding > 0) {
      return Status::InvalidArgument(std::string(padding > 0 ? "data after '=' padding" : "invalid character") +
                                     " at position " + std::to_string(i));
    }
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((accumulator >> bits) & 0xFF));
    }
  }
  if (symbols % 4 == 1) {
    return Status::InvalidArgument(std::to_string(symbols) +
                                   " symbols leave a dangling 6-bit group (the encoding is truncated)");
  }
  if (padding > 2 || (padding > 0 && (symbols + padding) % 4 != 0)) {
    return Status::InvalidArgument("wrong '=' padding after " + std::to_string(symbols) + " symbols");
  }
  return out;
}

Result<CbeffDocument> ParseCbeffXml(std::string_view xml) {
  if (xml.size() > kMaxCbeffXmlBytes) {
    return Status::ResourceExhausted("CBEFF: document of " + std::to_string(xml.size()) + " bytes exceeds the limit of " +
                                     std::to_string(kMaxCbeffXmlBytes));
  }
  InitialiseLibxml2Once();
  std::unique_ptr<xmlParserCtxt, ContextDeleter> context(xmlNewParserCtxt());
  if (!context) return Status::Internal("CBEFF: libxml2 could not create a parser context");
  // No network, no DTD loading, no entity substitution (the libxml2 defaults keep expansion bounded).
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  std::unique_ptr<xmlDoc, DocumentDeleter> document(
      xmlCtxtReadMemory(context.get(), xml.data(), static_cast<int>(xml.size()), "cbeff.xml", nullptr, options));
  if (!document) {
    const xmlError* error = xmlCtxtGetLastError(context.get());
    std::string message = error != nullptr && error->message != nullptr ? Trim(error->message) : "unknown error";
    const int line = error != nullptr ? error->line : 0;
    return Status::InvalidArgument("CBEFF: not well-formed XML at line " + std::to_string(line) + ": " + message);
  }
  const xmlNode* root = xmlDocGetRootElement(document.get());
  if (!IsElement(root, "BIR")) {
    return Status::InvalidArgument("CBEFF: the root element is not BIR (ISO/IEC 19785-3 XML)");
  }
  CbeffDocument cbeff;
  ABIS_RETURN_IF_ERROR(CollectBirs(root, 0, &cbeff));
  for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
    if (IsElement(child, "Others")) cbeff.others.push_back({Text(Child(child, "Key")), Text(Child(child, "Value"))});
  }
  return cbeff;
}

Result<CbeffDocument> ReadCbeffFile(const std::filesystem::path& path) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return Status::IoError("CBEFF: cannot read " + path.string() + ": " + error.message());
  if (size > kMaxCbeffXmlBytes) {
    return Status::ResourceExhausted("CBEFF: " + path.string() + " has " + std::to_string(size) +
                                     " bytes, above the limit of " + std::to_string(kMaxCbeffXmlBytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) {
    return Status::IoError("CBEFF: cannot read " + path.string());
  }
  Result<CbeffDocument> document = ParseCbeffXml(text);
  if (!document.ok()) return document.status().WithContext(path.string());
  return document;
}

}  // namespace abis::interop
