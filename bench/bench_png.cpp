// PNG size and encode time of the masks (issue 29: ours were ~3 x the
// seed's for identical pixels). For each mask of the golden figures (the 7
// types and the parse map), prints the bytes and the median encode time of:
// before (OpenCV's imencode defaults, what the program wrote until now:
// zlib level 1, Z_RLE, the Sub filter), ours (adapters::encode_png's
// defaults) and a few other libpng settings, and the bytes of Pillow's default
// save (the seed's), made by Debian's python3-pil. Every PNG is decoded again
// and compared with the mask. Timings only; nothing passes or fails here.
// Run:
//   cmake --build --preset release --target mc_bench_png
//   build/release/mc_bench_png [FIGURE ...]        (default: all golden figures)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "adapters/local_files.hpp"
#include "adapters/png_codec.hpp"

namespace {

namespace fs = std::filesystem;

constexpr int kRounds = 15;

struct Candidate {
  std::string name;
  mc::adapters::PngCompression compression;
};

const std::vector<Candidate>& candidates() {
  static const std::vector<Candidate> list = {
      {"ours", {}},
      {"level 9, None + Up", {.level = 9, .filters = 0x28}},
      {"level 9, None", {.level = 9, .filters = 0x08}},
      {"level 6, all five (Pillow's)", {.level = 6, .filters = 0xF8}},
      {"level 1, Z_RLE, Up", {.level = 1, .filters = 0x20, .strategy = 3}},
  };
  return list;
}

template <typename Encode>
std::pair<std::size_t, double> measure(const cv::Mat& mask, Encode encode) {
  std::vector<double> times;
  std::size_t bytes = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<std::uint8_t> png = encode(mask);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    bytes = png.size();
    if (round == 0) {
      const std::string text(png.begin(), png.end());
      const cv::Mat again = mc::adapters::decode_png(text, mask.cols, mask.rows);
      if (again.type() != CV_8UC1 || cv::norm(again, mask, cv::NORM_INF) != 0) {
        std::cerr << "a PNG decoded to other pixels\n";
        std::exit(1);
      }
    }
  }
  std::nth_element(times.begin(), times.begin() + kRounds / 2, times.end());
  return {bytes, times[kRounds / 2]};
}

std::size_t pillow_bytes(const cv::Mat& mask) {
  const fs::path in = fs::temp_directory_path() / ("mc_bench_png_" + std::to_string(::getpid()) + ".png");
  const fs::path out = fs::path(in).replace_extension(".pillow.png");
  mc::adapters::write_png(in, mask);
  const std::string command =
      "/usr/bin/python3 -c \"from PIL import Image; Image.open('" + in.string() + "').save('" + out.string() + "')\"";
  if (std::system(command.c_str()) != 0) return 0;
  const std::size_t size = fs::file_size(out);
  fs::remove(in);
  fs::remove(out);
  return size;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path golden = fs::path(MC_GOLDEN_DIR);
  std::vector<std::string> figures(argv + 1, argv + argc);
  if (figures.empty()) {
    for (const auto& entry : fs::directory_iterator(golden)) {
      if (entry.is_directory()) figures.push_back(entry.path().filename().string());
    }
    std::sort(figures.begin(), figures.end());
  }
  std::printf("%-50s %8s %8s", "mask", "pillow", "before");
  for (const auto& candidate : candidates()) std::printf(" %26s", candidate.name.c_str());
  std::printf("\n%-50s %8s %8s", "", "bytes", "bytes ms");
  for (std::size_t i = 0; i < candidates().size(); ++i) std::printf(" %26s", "bytes    ms");
  std::printf("\n");
  std::size_t total_pillow = 0;
  std::size_t total_before = 0;
  std::vector<std::size_t> totals(candidates().size());
  double time_before = 0;
  std::vector<double> times(candidates().size());
  for (const auto& figure : figures) {
    std::vector<fs::path> masks;
    for (const auto& entry : fs::directory_iterator(golden / figure)) {
      if (entry.path().extension() == ".png") masks.push_back(entry.path());
    }
    std::sort(masks.begin(), masks.end());
    for (const auto& path : masks) {
      const std::string bytes = mc::adapters::read_file(path);
      const cv::Mat mask = mc::adapters::decode_png(bytes, 768, 1024);
      const std::size_t pillow = pillow_bytes(mask);
      const auto [before, before_ms] = measure(mask, [](const cv::Mat& image) {
        std::vector<std::uint8_t> png;
        cv::imencode(".png", image, png);
        return png;
      });
      total_pillow += pillow;
      total_before += before;
      time_before += before_ms;
      std::printf("%-50s %8zu %8zu %5.2f", (figure + "/" + path.filename().string()).c_str(), pillow, before,
                  before_ms);
      for (std::size_t i = 0; i < candidates().size(); ++i) {
        const auto [size, ms] = measure(
            mask, [&](const cv::Mat& image) { return mc::adapters::encode_png(image, candidates()[i].compression); });
        totals[i] += size;
        times[i] += ms;
        std::printf(" %19zu %6.2f", size, ms);
      }
      std::printf("\n");
    }
  }
  std::printf("%-50s %8zu %8zu %5.2f", "total (bytes; sum of median ms)", total_pillow, total_before, time_before);
  for (std::size_t i = 0; i < candidates().size(); ++i) std::printf(" %19zu %6.2f", totals[i], times[i]);
  std::printf("\n");
  return 0;
}
