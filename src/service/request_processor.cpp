#include "service/request_processor.hpp"

#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "adapters/image_decoding.hpp"
#include "adapters/image_fetcher.hpp"
#include "core/base64.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/mask_engine.hpp"
#include "core/person_image.hpp"
#include "core/result_messages.hpp"
#include "core/utf8.hpp"

namespace mc::service {

namespace {

std::string now_iso() { return core::iso8601_utc(std::chrono::system_clock::now()); }

core::RequestIdentity identity_of(const core::MaskRequest& request) {
  return {request.user_id, request.gender, request.request_id};
}

}  // namespace

nlohmann::json Outcome::Poison::message(std::size_t max_original_bytes) const {
  return core::poison_message(who, error, original, retry_count, processed_at, max_original_bytes);
}

Outcome failed_outcome(const core::RequestIdentity& who, const std::string& error, std::string_view message,
                       int retry_count) {
  const std::string at = now_iso();
  return Outcome{who.user_id, core::failed_result(who, error, at),
                 Outcome::Poison{who, error, std::string(message), retry_count, at}};
}

Slots::Lease Slots::acquire() {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [this] { return free_ > 0; });
  --free_;
  return Lease(*this);
}

void Slots::release() {
  {
    const std::lock_guard lock(mutex_);
    ++free_;
  }
  freed_.notify_one();
}

RequestProcessor::RequestProcessor(const ServiceSettings& settings, adapters::PostgresStore& store,
                                   inference::AnalyzerPool& models, spdlog::logger& log, StopState& stop)
    : settings_(settings),
      store_(store),
      models_(models),
      log_(log),
      stop_(stop),
      decoding_(settings.decode_concurrency) {}

std::unique_ptr<adapters::S3Client> RequestProcessor::take_s3_client() {
  {
    const std::lock_guard lock(s3_mutex_);
    if (!idle_s3_clients_.empty()) {
      auto client = std::move(idle_s3_clients_.back());
      idle_s3_clients_.pop_back();
      return client;
    }
  }
  return std::make_unique<adapters::S3Client>(settings_.storage.s3);
}

void RequestProcessor::return_s3_client(std::unique_ptr<adapters::S3Client> client) {
  const std::lock_guard lock(s3_mutex_);
  idle_s3_clients_.push_back(std::move(client));
}

void RequestProcessor::sleep_unless_abandoned(std::chrono::milliseconds delay, const Interruption& interruption) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < until) {
    interruption.check();
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(50),
        std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()) +
            std::chrono::milliseconds(1)));
  }
  interruption.check();
}

std::chrono::milliseconds RequestProcessor::backoff(int attempt) {
  const double cap = static_cast<double>(settings_.retry_max_delay.count());
  const double ceiling = std::min(cap, static_cast<double>(settings_.retry_base_delay.count()) *
                                           std::pow(2.0, static_cast<double>(std::min(attempt, 30))));
  const std::lock_guard lock(random_mutex_);
  std::uniform_real_distribution<double> jitter(0.0, ceiling);
  return std::chrono::milliseconds(static_cast<long>(jitter(random_)));
}

std::string RequestProcessor::image_bytes(const core::MaskRequest& request, const RequestLog& log,
                                          const Interruption& interruption, std::optional<Failure>& failure) {
  if (request.image_kind == core::MaskRequest::ImageKind::kBase64) return core::decode_base64(request.image_data);
  for (int attempt = 0;; ++attempt) {
    interruption.check();
    try {
      std::string bytes =
          adapters::fetch_image(request.image_data, settings_.fetch, [&] { return interruption.due(); });
      log.info("fetch", "image_downloaded", "image downloaded", {{"bytes", bytes.size()}, {"attempt", attempt + 1}});
      return bytes;
    } catch (const adapters::FetchCancelled&) {
      throw Abandoned();
    } catch (const adapters::ImageFetchError& error) {
      if (!error.transient()) {
        failure = Failure{error.what(), 0};
        return {};
      }
      if (attempt >= settings_.max_retries) {
        failure = Failure{std::string("Max retries exceeded: ") + error.what(), attempt};
        return {};
      }
      const auto delay = backoff(attempt);
      log.warn("fetch", "retry_scheduled", error.what(), {{"attempt", attempt + 1}, {"delay_ms", delay.count()}});
      sleep_unless_abandoned(delay, interruption);
    }
  }
}

std::optional<Outcome> RequestProcessor::answer_if_completed(const core::MaskRequest& request, const RequestLog& log,
                                                             const Interruption& interruption) {
  const auto previous = retry_infrastructure(log, "dedupe", interruption, [&] {
    return store_.find_request(request.user_id, request.request_id);
  });
  if (!previous || previous->status != "completed") return std::nullopt;
  std::map<core::MaskType, std::string> urls;
  for (const auto& [type, file] : previous->filenames) {
    urls[type] = core::mask_url(settings_.storage.base_url, previous->user_id, previous->request_id, file);
  }
  log.info("dedupe", "already_completed", "request already completed; publishing its result again");
  const core::RequestIdentity recorded{previous->user_id, previous->gender, previous->request_id};
  return Outcome{recorded.user_id, core::completed_result(recorded, urls, now_iso()), std::nullopt};
}

std::optional<adapters::PostgresStore::Claim> RequestProcessor::claim(const core::MaskRequest& request,
                                                                     const RequestLog& log,
                                                                     const Interruption& interruption) {
  const auto give_up = std::chrono::steady_clock::now() + settings_.claim_wait;
  for (int attempt = 0;; ++attempt) {
    auto claimed = retry_infrastructure(log, "claim", interruption, [&] {
      return store_.try_claim_request(request.user_id, request.request_id);
    });
    if (claimed) return claimed;
    if (std::chrono::steady_clock::now() >= give_up) {
      // Its holder may be an instance cut off from the network whose session
      // the server has not ended yet: liveness before deduplication.
      log.warn("claim", "claim_wait_exceeded", "another holder kept this request too long; computing it anyway");
      return std::nullopt;
    }
    if (attempt == 0) log.info("claim", "claimed_elsewhere", "another worker is computing this request; waiting");
    sleep_unless_abandoned(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(1000), backoff(attempt)),
                           interruption);
  }
}

Outcome RequestProcessor::process(const std::string& message, const adapters::MessagePosition& position,
                                  const Interruption& interruption) {
  core::RequestIdentity who = core::identify_request(message);
  RequestLog log(log_, who.user_id, who.request_id);
  auto failed = [&](const std::string& error, int retry_count, bool recorded) {
    log.error("process", "request_failed", error, {{"retry_count", retry_count}});
    if (recorded) {
      const std::string stored_error = core::bounded_text(error, core::kMaxErrorBytes);
      try {
        retry_infrastructure(log, "record", interruption,
                             [&] { store_.record_request_failed(who.user_id, who.request_id, stored_error); });
      } catch (const InfrastructureRefusal&) {
        // Logged; the failed result and poison message still go out.
      }
    }
    return failed_outcome(who, error, message, retry_count);
  };

  core::MaskRequest request;
  try {
    request = core::parse_mask_request(message, settings_.default_mask_types, core::generate_request_id);
  } catch (const core::InputError& error) {
    return failed(std::string("Invalid request: ") + error.what(), 0, false);
  }
  who = identity_of(request);
  log.identify(request.user_id, request.request_id);
  for (const auto& warning : request.warnings) log.warn("validate", "request_warning", warning);
  log.info("validate", "request_accepted", "request accepted",
           {{"mask_types", request.mask_types.size()},
            {"image_type", request.image_kind == core::MaskRequest::ImageKind::kUrl ? "url" : "base64"}});

  try {
    // A request of this user that already completed is answered from its
    // record; one that another worker computes now is waited for.
    if (auto answer = answer_if_completed(request, log, interruption)) return std::move(*answer);
    const auto claimed = claim(request, log, interruption);
    if (auto answer = answer_if_completed(request, log, interruption)) return std::move(*answer);

    adapters::RequestRecord record;
    record.request_id = request.request_id;
    record.user_id = request.user_id;
    record.gender = request.gender;
    record.mask_types = request.mask_types;
    record.position = position;
    const bool claimed_record =
        retry_infrastructure(log, "record", interruption, [&] { return store_.record_request_started(record); });
    if (!claimed_record) {  // completed meanwhile by a copy whose claim had lapsed
      if (auto answer = answer_if_completed(request, log, interruption)) return std::move(*answer);
    }

    cv::Mat person;
    std::optional<Failure> failure;
    try {
      const std::string bytes = image_bytes(request, log, interruption, failure);
      if (failure) return failed(failure->error, failure->retry_count, true);
      interruption.check();
      // Decoding a large image takes several times its pixels in memory:
      // bounded, so that concurrent requests cannot exhaust it together.
      const Slots::Lease decoding = decoding_.acquire();
      person = core::to_person_image(adapters::decode_image(bytes, settings_.max_image_pixels));
    } catch (const core::InputError& error) {
      const std::string text = error.what();
      return failed(text.rfind("Invalid image data", 0) == 0 ? text : "Invalid image data: " + text, 0, true);
    }

    inference::HumanAnalysis analysis;
    try {
      interruption.check();
      const auto started = std::chrono::steady_clock::now();
      auto lease = models_.acquire();
      analysis = lease->analyze(person);
      log.info("inference", "models_done", "parsing and pose done",
               {{"duration_ms",
                 std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                     .count()}});
    } catch (const core::InputError& error) {
      return failed(error.what(), 0, true);
    } catch (const cv::Exception& error) {
      return failed(std::string("Mask generation failed: ") + error.what(), 0, true);
    }
    for (const auto& warning : analysis.warnings) log.warn("inference", "pose_warning", warning);

    const core::Gender gender = core::gender_column(request.gender == "M" ? "M" : "F");
    const core::GeneratedMasks masks =
        core::generate_masks(analysis.parse, analysis.keypoints, gender, request.mask_types);

    std::map<core::MaskType, std::string> filenames;
    std::map<core::MaskType, std::string> urls;
    std::unique_ptr<adapters::S3Client> s3 = take_s3_client();
    try {
      for (const auto& [type, mask] : masks.masks) {
        interruption.check();
        std::vector<std::uint8_t> png;
        cv::imencode(".png", mask, png);
        const std::string file = core::mask_file_name(type);
        const std::string key = core::mask_object_key(request.user_id, request.request_id, file);
        retry_infrastructure(log, "upload", interruption, [&] {
          s3->put_object(key, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()), "image/png");
        });
        filenames[type] = file;
        urls[type] = core::mask_url(settings_.storage.base_url, request.user_id, request.request_id, file);
      }
    } catch (...) {
      return_s3_client(std::move(s3));
      throw;
    }
    return_s3_client(std::move(s3));
    log.info("upload", "masks_uploaded", "masks uploaded", {{"count", filenames.size()}});

    // A request revoked by now is finished by the partition's next owner.
    interruption.check();
    const bool written = retry_infrastructure(log, "database", interruption, [&] {
      return store_.upsert_user_masks({request.user_id, request.gender, request.request_id, filenames}, position);
    });
    if (!written) {
      log.info("database", "row_kept", "a request consumed later already wrote this user's row; row kept");
    }
    retry_infrastructure(log, "record", interruption,
                         [&] { store_.record_request_completed(request.user_id, request.request_id, filenames); });
    log.info("process", "request_completed", "masks ready");
    return Outcome{request.user_id, core::completed_result(who, urls, now_iso()), std::nullopt};
  } catch (const InfrastructureRefusal& refusal) {
    return failed(std::string("Infrastructure refused the request: ") + refusal.what(), refusal.attempts(), true);
  }
}

}  // namespace mc::service
