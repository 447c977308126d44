#include "core/json_text.hpp"

#include "core/utf8.hpp"

namespace mc::core {

namespace {

// Walks the document with nlohmann's SAX parser (no tree is built) and stops
// at the first level past the limit.
class DepthLimit : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit DepthLimit(std::size_t max_depth) : max_depth_(max_depth) {}
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return enter(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    malformed_ = true;
    return false;
  }
  [[nodiscard]] bool too_deep() const { return too_deep_; }
  [[nodiscard]] bool malformed() const { return malformed_; }

 private:
  bool enter() {
    if (++depth_ > max_depth_) too_deep_ = true;
    return !too_deep_;
  }
  bool leave() {
    --depth_;
    return true;
  }
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
  bool malformed_ = false;
};

}  // namespace

std::string json_text_problem(std::string_view text, std::size_t max_depth) {
  if (!is_valid_utf8(text)) return "message is not valid UTF-8";
  DepthLimit limit(max_depth);
  const bool parsed = nlohmann::json::sax_parse(text, &limit, nlohmann::json::input_format_t::json, true);
  if (limit.too_deep()) return "message is nested deeper than " + std::to_string(max_depth) + " levels";
  if (!parsed || limit.malformed()) return "message is not valid JSON";
  return "";
}

std::optional<nlohmann::json> parse_json_text(std::string_view text, std::size_t max_depth) {
  if (!json_text_problem(text, max_depth).empty()) return std::nullopt;
  return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace mc::core
