#include "core/json_text.hpp"

#include "core/utf8.hpp"

namespace mc::core {

namespace {

// Walks the document with nlohmann's SAX parser (no tree is built) and stops
// at the first level or value past the limits.
class StructureLimit : public nlohmann::json_sax<nlohmann::json> {
 public:
  StructureLimit(std::size_t max_depth, std::size_t max_values) : max_depth_(max_depth), max_values_(max_values) {}
  bool null() override { return count(); }
  bool boolean(bool) override { return count(); }
  bool number_integer(number_integer_t) override { return count(); }
  bool number_unsigned(number_unsigned_t) override { return count(); }
  bool number_float(number_float_t, const string_t&) override { return count(); }
  bool string(string_t&) override { return count(); }
  bool binary(binary_t&) override { return count(); }
  bool start_object(std::size_t) override { return count() && enter(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return count() && enter(); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    malformed_ = true;
    return false;
  }
  [[nodiscard]] bool too_deep() const { return too_deep_; }
  [[nodiscard]] bool too_many() const { return too_many_; }
  [[nodiscard]] bool malformed() const { return malformed_; }

 private:
  bool count() {
    if (++values_ > max_values_) too_many_ = true;
    return !too_many_;
  }
  bool enter() {
    if (++depth_ > max_depth_) too_deep_ = true;
    return !too_deep_;
  }
  bool leave() {
    --depth_;
    return true;
  }
  std::size_t max_depth_;
  std::size_t max_values_;
  std::size_t depth_ = 0;
  std::size_t values_ = 0;
  bool too_deep_ = false;
  bool too_many_ = false;
  bool malformed_ = false;
};

std::string too_deep(std::size_t max_depth) {
  return "message is nested deeper than " + std::to_string(max_depth) + " levels";
}

std::string too_many(std::size_t max_values) {
  return "message has more than " + std::to_string(max_values) +
         " JSON values (objects, arrays, strings, numbers, booleans and nulls together)";
}

// Thrown by the parser callback to stop at the first value past a limit.
struct PastLimit {
  std::string problem;
};

}  // namespace

std::string json_text_problem(std::string_view text, std::size_t max_depth, std::size_t max_values) {
  if (!is_valid_utf8(text)) return "message is not valid UTF-8";
  StructureLimit limit(max_depth, max_values);
  const bool parsed = nlohmann::json::sax_parse(text, &limit, nlohmann::json::input_format_t::json, true);
  if (limit.too_deep()) return too_deep(max_depth);
  if (limit.too_many()) return too_many(max_values);
  if (!parsed || limit.malformed()) return "message is not valid JSON";
  return "";
}

std::optional<nlohmann::json> parse_json_text(std::string_view text, std::size_t max_depth, std::size_t max_values,
                                              std::string* problem) {
  const auto refuse = [problem](std::string why) -> std::optional<nlohmann::json> {
    if (problem != nullptr) *problem = std::move(why);
    return std::nullopt;
  };
  if (!is_valid_utf8(text)) return refuse("message is not valid UTF-8");
  // One pass, not a check and then a parse: nlohmann's lexer holds a long
  // string twice while reading it, so each pass over a 35 MB image costs
  // about 100 MB.
  std::size_t values = 0;
  const nlohmann::json::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    using Event = nlohmann::json::parse_event_t;
    // Containers are counted at their start, scalars as values; keys and
    // ends are not values of their own.
    if (event != Event::object_start && event != Event::array_start && event != Event::value) return true;
    if (event != Event::value && static_cast<std::size_t>(depth) >= max_depth) throw PastLimit{too_deep(max_depth)};
    if (++values > max_values) throw PastLimit{too_many(max_values)};
    return true;
  };
  try {
    nlohmann::json document = nlohmann::json::parse(text, limit, false);
    if (document.is_discarded()) return refuse("message is not valid JSON");
    return document;
  } catch (const PastLimit& past) {
    return refuse(past.problem);
  }
}

}  // namespace mc::core
