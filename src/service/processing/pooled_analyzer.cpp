#include "service/processing/pooled_analyzer.hpp"

namespace mc::service {

namespace {

// How soon a request waiting for an instance sees that it must be abandoned
// (StopState has no notification).
constexpr std::chrono::milliseconds kInterruptionPoll{50};

}  // namespace

inference::HumanAnalysis PooledAnalyzer::analyze(const cv::Mat& person, const std::string& /*image_digest*/,
                                                 const Interruption& interruption) {
  // Networks that run cannot be stopped, but a request still waiting for
  // them is abandoned once its grace ended or its partition was revoked.
  for (;;) {
    interruption.check();
    if (auto lease = pool_.try_acquire_for(kInterruptionPoll)) return (*lease)->analyze(person);
  }
}

}  // namespace mc::service
