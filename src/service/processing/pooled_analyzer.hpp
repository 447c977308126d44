#pragma once

#include "inference/human_analyzer.hpp"
#include "service/processing/processor_ports.hpp"

namespace mc::service {

// The networks: an analyzer leased from the pool for each image; the wait
// for one ends with Abandoned once `interruption` is due.
class PooledAnalyzer final : public Analyzer {
 public:
  explicit PooledAnalyzer(inference::AnalyzerPool& pool) : pool_(pool) {}
  inference::HumanAnalysis analyze(const cv::Mat& person, const std::string& image_digest,
                                   const Interruption& interruption) override;

 private:
  inference::AnalyzerPool& pool_;
};

}  // namespace mc::service
