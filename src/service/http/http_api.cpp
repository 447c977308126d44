#include "service/http/http_api.hpp"

#include <civetweb.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <vector>
#include <mutex>

#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "core/base64.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/mask_types.hpp"
#include "service/http/api_page.hpp"
#include "service/http/body_deadlines.hpp"
#include "service/http/civet_server.hpp"
#include "service/http/http_api_checks.hpp"
#include "service/operations/json_log.hpp"

namespace mc::service {

namespace {

// A request holds a thread while it is computed: HTTP_API_MAX_QUEUE of them
// at most, and more so that the 429s, 503s and the page are answered
// meanwhile, and so that it takes that many slow clients to hold them all.
constexpr int kSpareThreads = 32;
// CivetWeb 1.15 has one timeout for three things: a request's line and
// headers in all (from the connection's turn on a thread), and each read of
// the body and each write of the answer (a stall with no byte through). 5 s
// cuts off a client trickling headers long before the 30 s it was (real
// clients send them at once), and still lets a body or an answer stall for
// 5 s on a poor link; the whole body has its own deadline (body_timeout).
constexpr const char* kRequestTimeoutMs = "5000";
constexpr const char* kMaxHeaderBytes = "16384";  // request line and headers together
constexpr const char* kConnectionQueue = "64";
constexpr const char* kListenBacklog = "64";
// Base64 makes an image 4/3 its size; the JSON fields around it are small.
constexpr std::size_t kBodyMargin = 64 * 1024;

constexpr const char* kJson = "application/json";

// Never cached: each answer is one request's.
struct Answer : HttpAnswer {
  Answer(int code, std::string text, const char* media = kJson) : HttpAnswer{code, std::move(text), media} {
    no_store = true;
  }
};

Answer problem(int status, const std::string& text) {
  std::string body = nlohmann::json{{"error", text}}.dump();
  body.push_back('\n');  // (not `dump() + "\n"`: GCC 12 warns falsely there)
  return {status, std::move(body)};
}

std::string_view header_of(mg_connection* connection, const char* name) {
  const char* value = mg_get_header(connection, name);
  return value != nullptr ? value : "";
}

double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

const prometheus::Histogram::BucketBoundaries kLatencyBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                              2,     4,    8,     15,   30,  60,   120};

}  // namespace

S3MaskReader::S3MaskReader(adapters::S3Settings settings)
    : clients_([settings = std::move(settings)] { return std::make_unique<adapters::S3Client>(settings); }) {}

std::string S3MaskReader::get_object(const std::string& key) {
  const auto client = clients_.acquire();
  return client->get_object(key);
}

int http_status_of(const Outcome& outcome) {
  if (outcome.kind != OutcomeKind::kFailed) return 200;
  switch (outcome.failure.value_or(FailureKind::kInternal)) {
    case FailureKind::kInvalidRequest:
      return 400;
    case FailureKind::kImageUnavailable:
    case FailureKind::kInvalidImage:
    case FailureKind::kNoPerson:
      return 422;
    case FailureKind::kInference:
    case FailureKind::kInfrastructure:
    case FailureKind::kInternal:
      return 500;
  }
  return 500;
}

struct HttpApi::Server {
  HttpApiSettings settings;
  std::size_t max_body_bytes;
  Parts parts;
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& latency;
  prometheus::Gauge& queue_length;
  std::atomic<int> admitted{0};
  // Requests between arrival and the end of their answer.
  std::mutex answering_mutex;
  std::condition_variable answered;
  int answering = 0;
  BodyDeadlines deadlines;
  mg_context* context = nullptr;

  Server(const HttpApiSettings& api, std::size_t max_body, Parts given)
      : settings(api),
        max_body_bytes(max_body),
        parts(given),
        requests(prometheus::BuildCounter()
                     .Name("maskcomponent_http_requests_total")
                     .Help("Requests to the HTTP API by route and status code")
                     .Register(parts.metrics.registry())),
        latency(prometheus::BuildHistogram()
                    .Name("maskcomponent_http_request_duration_seconds")
                    .Help("Time from a request's arrival to its answer, by route")
                    .Register(parts.metrics.registry())),
        queue_length(prometheus::BuildGauge()
                         .Name("maskcomponent_http_queue_length")
                         .Help("HTTP API requests admitted now (computed or waiting for a model instance)")
                         .Register(parts.metrics.registry())
                         .Add({})),
        deadlines(given.stop) {
    for (const char* route : {"/v1/masks", "/"}) latency.Add({{"route", route}}, kLatencyBuckets);
  }

  Answer route(mg_connection* connection, const mg_request_info& request, const std::string& method,
               const std::string& path) {
    // Without a token only the names of this address reach the API, not a
    // page's own name made to resolve here (DNS rebinding).
    if (settings.token.empty() && !host_allowed(header_of(connection, "Host"), settings.bind_address, settings.port)) {
      return problem(
          403, "Host must name this server (" + settings.bind_address + ":" + std::to_string(settings.port) + ")");
    }
    if (path == "/") {
      if (method != "GET" && method != "HEAD") return problem(405, "method not allowed: GET /");
      return {200, std::string(api_page_html()), "text/html; charset=utf-8"};
    }
    if (path != "/v1/masks") return problem(404, "not found: the API is POST /v1/masks");
    if (method != "POST") return problem(405, "method not allowed: POST /v1/masks");
    return masks(connection, request);
  }

  Answer masks(mg_connection* connection, const mg_request_info& request) {
    // Other web pages may not use the token-less API through a visitor's
    // browser; a browser never adds a bearer token by itself, and behind a
    // TLS proxy a legitimate Origin reads https://.
    if (settings.token.empty() && !origin_allowed(header_of(connection, "Origin"), header_of(connection, "Host"))) {
      return problem(403, "Origin " + std::string(header_of(connection, "Origin")) + " is not this server");
    }
    if (!settings.token.empty() && !bearer_matches(header_of(connection, "Authorization"), settings.token)) {
      Answer refused = problem(401, "Authorization: Bearer <HTTP_API_TOKEN> required");
      refused.challenge = true;
      return refused;
    }
    if (!is_json_media_type(header_of(connection, "Content-Type"))) {
      return problem(415, "Content-Type must be application/json");
    }
    if (parts.stop.stopping.load()) return unavailable("the service is shutting down");
    if (const auto ready = parts.health.readiness(); !ready.ok) return unavailable(ready.body);
    if (request.content_length > static_cast<long long>(max_body_bytes)) return too_large();

    struct Admission {
      Server& server;
      int now;
      explicit Admission(Server& s) : server(s), now(++s.admitted) { server.queue_length.Set(now); }
      ~Admission() { server.queue_length.Set(--server.admitted); }
    } admission(*this);
    if (admission.now > settings.max_queue) {
      Answer busy = problem(429, "busy: " + std::to_string(settings.max_queue) + " requests in progress");
      busy.retry_after = 1;
      return busy;
    }

    std::string body;
    switch (read_body(connection, request, body)) {
      case BodyRead::kComplete:
        break;
      case BodyRead::kTooLarge:
        return too_large();
      case BodyRead::kIncomplete:
        return problem(
            400, "request body incomplete: " + std::to_string(body.size()) + " bytes received" +
                     (request.content_length >= 0 ? " of the " + std::to_string(request.content_length) + " announced"
                                                  : std::string()));
      case BodyRead::kTooSlow:
        return problem(400, "request body not received within " + std::to_string(settings.body_timeout.count()) +
                                " s (HTTP_API_BODY_TIMEOUT_SECONDS)");
      case BodyRead::kStopping:
        return unavailable("the service is shutting down");
    }
    // CivetWeb's threads have small stacks (Debian builds it with
    // USE_STACK_SIZE): the request is computed on a thread of its own.
    return std::async(std::launch::async, [&] { return compute(body, wants_inline(request)); }).get();
  }

  Answer compute(const std::string& body, bool inline_pngs) {
    const core::IncomingMessage incoming = core::read_message(body);
    const core::MessagePosition position{
        -1, -1,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count()};
    Outcome outcome;
    try {
      outcome = parts.processor.process(body, incoming, position, Interruption::for_request(parts.stop));
    } catch (const Abandoned&) {
      return unavailable("the service stopped before the request was done; send it again");
    }
    const int status = http_status_of(outcome);
    nlohmann::json result = std::move(outcome.result);
    if (status == 200 && inline_pngs) result["masks"] = inline_masks(result);
    std::string text = result.dump();
    text.push_back('\n');
    return {status, std::move(text)};
  }

  enum class BodyRead { kComplete, kTooLarge, kIncomplete, kTooSlow, kStopping };

  // The whole body within body_timeout, however it trickles, and not past
  // the start of a stop: a slow client holds neither an admission nor the
  // stop (which waits for the requests in progress) for longer.
  BodyRead read_body(mg_connection* connection, const mg_request_info& request, std::string& body) {
    const BodyDeadlines::Watch watch(deadlines, connection, BodyDeadlines::Clock::now() + settings.body_timeout);
    std::vector<char> buffer(64 * 1024);
    for (;;) {
      const int got = mg_read(connection, buffer.data(), buffer.size());
      if (got > 0 && body.size() + static_cast<std::size_t>(got) > max_body_bytes) return BodyRead::kTooLarge;
      if (got > 0) body.append(buffer.data(), static_cast<std::size_t>(got));
      if (got == 0) break;  // whole: handled within the grace period even when a stop began
      if (parts.stop.stopping.load()) return BodyRead::kStopping;
      if (watch.cut()) return BodyRead::kTooSlow;
      if (got < 0) return BodyRead::kIncomplete;  // the client went away or stopped sending
    }
    // A body cut short is not handed on as if it were the request.
    if (request.content_length >= 0 && body.size() < static_cast<std::size_t>(request.content_length)) {
      return BodyRead::kIncomplete;
    }
    return BodyRead::kComplete;
  }

  static bool wants_inline(const mg_request_info& request) {
    if (request.query_string == nullptr) return false;
    char value[16] = {};
    const std::string query = request.query_string;
    return mg_get_var(query.data(), query.size(), "inline", value, sizeof value) > 0 && std::string(value) == "true";
  }

  // The PNGs the result names, read back from the bucket: the same bytes
  // whether computed now or answered from the request's record.
  nlohmann::json inline_masks(const nlohmann::json& result) {
    nlohmann::json masks = nlohmann::json::object();
    const std::string user = result.value("user_id", "");
    const std::string request_id = result.value("request_id", "");
    for (const auto& [name, url] : result.at("mask_paths").items()) {
      const auto type = core::mask_type_from_name(name);
      if (!type) continue;
      const std::string key = core::mask_object_key(user, request_id, core::mask_file_name(*type));
      masks[name] = core::encode_base64(parts.masks.get_object(key));
    }
    // A profile's mask (issue 31) under its artifact's name, {profile}_{category}.
    if (result.contains("profile") && result.contains("artifacts")) {
      for (const auto& [name, files] : result.at("artifacts").items()) {
        const std::string key = core::mask_object_key(user, request_id, name + "_mask.png");
        masks[name] = core::encode_base64(parts.masks.get_object(key));
      }
    }
    return masks;
  }

  Answer too_large() const {
    return problem(413, "request body larger than " + std::to_string(max_body_bytes) +
                            " bytes (IMAGE_MAX_BYTES as base64 plus a margin)");
  }
  static Answer unavailable(const std::string& why) {
    Answer answer = problem(503, why);
    answer.retry_after = 5;
    return answer;
  }

  static int begin_request(mg_connection* connection) {
    const auto started = std::chrono::steady_clock::now();
    const mg_request_info* request = mg_get_request_info(connection);
    auto* self = static_cast<Server*>(request->user_data);
    struct Answering {
      Server& server;
      explicit Answering(Server& s) : server(s) {
        const std::lock_guard lock(server.answering_mutex);
        ++server.answering;
      }
      ~Answering() {
        const std::lock_guard lock(server.answering_mutex);
        --server.answering;
        server.answered.notify_all();
      }
    } answering(*self);
    const std::string method = request->request_method != nullptr ? request->request_method : "";
    const std::string path = request->local_uri != nullptr ? request->local_uri : "";
    Answer answer{500, ""};
    try {
      answer = self->route(connection, *request, method, path);
    } catch (const std::exception& error) {
      log_json(self->parts.log, spdlog::level::err, std::string("HTTP API request failed: ") + error.what(),
               {{"stage", "http_api"}, {"event", "http_api_failed"}});
      answer = problem(500, "internal error");
    }
    send_answer(connection, answer, method == "HEAD");
    self->discard_body(connection);
    const std::string route = path == "/" || path == "/v1/masks" ? path : "other";
    self->requests.Add({{"route", route}, {"code", std::to_string(answer.status)}}).Increment();
    if (route != "other") {
      self->latency.Add({{"route", route}}, kLatencyBuckets)
          .Observe(seconds(std::chrono::steady_clock::now() - started));
    }
    return answer.status;
  }

  // What is left of a body answered without reading it (401, 413, 429...),
  // read and dropped under the same deadline; CivetWeb would read it with
  // none, and closes the connection instead once it was cut.
  void discard_body(mg_connection* connection) {
    if (mg_get_request_info(connection)->content_length == 0) return;
    const BodyDeadlines::Watch watch(deadlines, connection, BodyDeadlines::Clock::now() + settings.body_timeout);
    std::vector<char> buffer(64 * 1024);
    while (mg_read(connection, buffer.data(), buffer.size()) > 0 && !watch.cut()) {
    }
    if (watch.cut()) mg_disable_connection_keep_alive(connection);
  }

  // CivetWeb's own messages name the client's bytes: not logged.
};

std::size_t http_api_body_limit(std::size_t max_image_bytes) { return (max_image_bytes + 2) / 3 * 4 + kBodyMargin; }

int http_api_threads(int max_queue) { return max_queue + kSpareThreads; }

HttpApi::HttpApi(const HttpApiSettings& settings, std::size_t max_body_bytes, Parts parts)
    : server_(std::make_unique<Server>(settings, max_body_bytes, parts)) {
  server_->context = start_civetweb(
      settings.bind_address, settings.port,
      {http_api_threads(settings.max_queue), kRequestTimeoutMs, kMaxHeaderBytes, kConnectionQueue, kListenBacklog},
      &Server::begin_request, server_.get());
  if (server_->context == nullptr) {
    throw core::SetupError("HTTP_API_PORT " + std::to_string(settings.port) + " on " + settings.bind_address +
                           ": cannot listen (in use, or the address is not local)");
  }
  port_ = settings.port;
  log_json(parts.log, spdlog::level::info, "HTTP API listening",
           {{"stage", "http_api"},
            {"event", "http_api_listening"},
            {"address", settings.bind_address},
            {"port", port_},
            {"token", !settings.token.empty()}});
}

HttpApi::~HttpApi() {
  // CivetWeb writes nothing more once stopping: the requests in progress
  // are answered first (new ones get 503 since the stop began; those still
  // computing at the end of the grace period are abandoned, with 503).
  // Not past the grace period: a client reading its answer a few bytes at a
  // time would hold a write (each chunk restarts CivetWeb's timeout) until
  // mg_stop, which ends it.
  {
    const std::int64_t grace_end = server_->parts.stop.deadline_ns.load();
    const auto deadline = grace_end != 0 ? std::chrono::steady_clock::time_point(std::chrono::nanoseconds(grace_end))
                                         : std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::unique_lock lock(server_->answering_mutex);
    server_->answered.wait_until(lock, deadline, [this] { return server_->answering == 0; });
  }
  mg_stop(server_->context);
}

}  // namespace mc::service
